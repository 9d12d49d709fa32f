// Local probe targets for the probe benchmarks, each a forked process on a loopback port
// chosen by the kernel, so its CPU is not counted as the prober's:
//
//   ServeStatic   a single-threaded epoll HTTP server: reads a request's headers, answers
//                 "200 ok" with Connection: close. Listen backlog 4096, so connection
//                 bursts are not dropped (httplib's backlog is 5).
//   ServeHanging  accepts every connection and never answers.
//
// Header-only; bench programs only. Fork before starting any thread.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace steadystate::bench {

// Binds a loopback socket to port 0, forks a child that runs `serve(listen_fd)` and never
// returns; returns the child's pid (-1 on failure) and sets `port`.
template <typename Serve>
pid_t ForkListener(int& port, Serve serve) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  pid_t pid = fork();
  if (pid == 0) {
    serve(fd);
    _exit(0);
  }
  close(fd);
  return pid;
}

inline void ServeStatic(int listen_fd) {
  static constexpr std::string_view kResponse =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
      "Connection: close\r\n\r\nok";
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  std::unordered_map<int, std::string> requests;
  std::vector<epoll_event> events(256);
  for (;;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        for (;;) {
          const int c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      char buf[4096];
      const ssize_t got = read(fd, buf, sizeof buf);
      std::string& request = requests[fd];
      if (got > 0) request.append(buf, static_cast<size_t>(got));
      if (got > 0 && request.find("\r\n\r\n") == std::string::npos) continue;
      if (got > 0) (void)!write(fd, kResponse.data(), kResponse.size());
      requests.erase(fd);
      close(fd);  // also removes it from the epoll set
    }
  }
}

inline void ServeHanging(int listen_fd) {
  std::vector<pollfd> fds{{listen_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      for (;;) {
        const int c = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) break;
        fds.push_back({c, POLLIN, 0});
      }
    }
    for (size_t i = fds.size(); i-- > 1;) {
      if (fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got == 0 || (got < 0 && (fds[i].revents & (POLLHUP | POLLERR)))) {
        close(fds[i].fd);  // the prober gave up
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
}

}  // namespace steadystate::bench
