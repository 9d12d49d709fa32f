#include "tests/support/probe_targets.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

void AddRoutes(httplib::Server& server, std::chrono::milliseconds slow_delay) {
  server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server.Get("/fail", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("unavailable", "text/plain");
  });
  server.Get("/slow", [slow_delay](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(slow_delay);  // NOLINT(real-time): the fault under test
    res.set_content("ok", "text/plain");
  });
  server.Get("/wrong", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("nope", "text/plain");
  });
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10 << 20, 'x'), "text/plain");
  });
  server.Get("/ab", [](const httplib::Request&, httplib::Response& res) {
    std::string body(2 << 20, 'a');
    for (size_t i = 1; i < body.size(); i += 2) body[i] = 'b';
    body[(1 << 20) - 1] = 'c';  // the last byte of the first MiB
    res.set_content(body, "text/plain");
  });
  server.Get("/redirect",
             [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/ok"); });
  auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + " " + req.get_header_value("X-Probe") + " " + req.body,
                    "text/plain");
  };
  server.Get("/echo", echo);
  server.Post("/echo", echo);
  server.Put("/echo", echo);
}

void StartServer(httplib::Server& server, int& port, std::thread& thread) {
  port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("probe target: cannot bind 127.0.0.1");
  thread = std::thread([&server] { server.listen_after_bind(); });
  // stop() is a no-op before listen starts, so wait for it (bounded by WaitFor's deadline).
  if (!WaitFor([&server] { return server.is_running(); })) {
    throw std::runtime_error("probe target: server did not start");
  }
}

}  // namespace

HttpTarget::HttpTarget(std::chrono::milliseconds slow_delay) {
  AddRoutes(server_, slow_delay);
  StartServer(server_, port_, thread_);
}

HttpTarget::~HttpTarget() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string HttpTarget::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

TestCertificate GenerateCertificate(const std::string& dir, bool expired) {
  const std::string name = expired ? "expired" : "self-signed";
  TestCertificate c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  const std::string ext = dir + "/" + name + ".ext";
  const std::string csr = dir + "/" + name + ".csr";
  const std::string quiet = " >/dev/null 2>&1";
  std::string cmd =
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '" + ext + "' && " +
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "
      "/CN=localhost -keyout '" +
      c.key_file + "' -out '" + csr + "'" + quiet + " && " + "openssl x509 -req -in '" + csr +
      "' -signkey '" + c.key_file + "' -days " + (expired ? "-1" : "1") + " -extfile '" + ext +
      "' -out '" + c.cert_file + "'" + quiet;
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error("openssl failed to generate a test certificate");
  }
  return c;
}

TlsTarget::TlsTarget(const TestCertificate& certificate)
    : server_(certificate.cert_file.c_str(), certificate.key_file.c_str()) {
  if (!server_.is_valid()) throw std::runtime_error("probe target: bad TLS certificate");
  AddRoutes(server_, std::chrono::milliseconds(300));
  StartServer(server_, port_, thread_);
}

TlsTarget::~TlsTarget() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string TlsTarget::Url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

RawTarget::RawTarget(Mode mode) : mode_(mode) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("raw probe target: cannot listen");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

RawTarget::~RawTarget() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  for (int fd : held_) close(fd);
  close(listen_fd_);
}

std::string RawTarget::Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

void RawTarget::Serve() {
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    switch (mode_) {
      case Mode::kHang:
        held_.push_back(fd);  // never read, never answer
        break;
      case Mode::kReset: {
        linger l{1, 0};  // close() sends RST instead of FIN
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close(fd);
        break;
      }
      case Mode::kGarbage: {
        static constexpr char kJunk[] = "\x01\x02garbage\xff\xfe not http at all\r\n\r\n";
        (void)!write(fd, kJunk, sizeof kJunk - 1);
        close(fd);
        break;
      }
    }
  }
}

}  // namespace steadystate::test_support
