#include "exporters/http_transport.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "common/text.h"
#include "config/values.h"

namespace steadystate::exporters {
namespace {

constexpr size_t kMaxHeaderBytes = 64u << 10;
constexpr size_t kMaxQueuedConnections = 1024;
constexpr size_t kMinGzipBytes = 1024;

// The reason phrase for a status code ("Not Found").
const char* HttpReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// Splits "a=1&b=x+y%21" into decoded pairs.
std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out.emplace(PercentDecode(pair.substr(0, eq), true),
                eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
  }
  return out;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
  });
}

bool Compressible(const std::string& content_type) {
  return content_type.rfind("text/", 0) == 0 || content_type.rfind("application/json", 0) == 0 ||
         content_type.rfind("application/javascript", 0) == 0 ||
         content_type.rfind("image/svg+xml", 0) == 0;
}

bool AcceptsGzip(const std::map<std::string, std::string>& headers) {
  auto it = headers.find("accept-encoding");
  if (it == headers.end()) return false;
  const std::string value = AsciiLower(it->second);
  const size_t at = value.find("gzip");
  // "gzip;q=0" declines it.
  return at != std::string::npos && value.compare(at, 8, "gzip;q=0") != 0;
}

// gzip at the fastest level: /metrics is scraped often, and text shrinks 5-10x even so.
bool Gzip(const std::string& in, std::string& out) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

std::string JsonError(std::string_view message) {
  // The transport's own messages have no characters that need escaping.
  return "{\"error\":\"" + std::string(message) + "\"}";
}

HttpReply ErrorReply(int status, std::string_view message) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = "application/json";
  reply.body = JsonError(message);
  return reply;
}

// One accepted connection: reads one request, writes one reply.
class Connection {
 public:
  Connection(int fd, const HttpTransportOptions& options, const Clock& clock)
      : fd_(fd), options_(options), clock_(clock) {}

  void Serve(const HttpHandler& handler) {
    deadline_ = clock_.Monotonic() + options_.read_timeout;
    HttpRequestData request;
    size_t content_length = 0;
    if (auto error = ReadHead(request, content_length)) {
      if (error->status != 0) Refuse(*error);
      return;
    }
    if (content_length > 0) {
      auto expect = request.headers.find("expect");
      if (expect != request.headers.end() && AsciiLower(expect->second) == "100-continue") {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!WriteAll(kContinue.data(), kContinue.size())) return;
      }
      if (!ReadBody(request.body, content_length)) return;
    }
    HttpReply reply;
    try {
      reply = handler(request);
    } catch (const std::exception& e) {
      spdlog::error("http: {} {} failed: {}", request.method, request.path, e.what());
      reply = ErrorReply(500, "internal error");
    }
    const bool gzip = request.method != "HEAD" && reply.body.size() >= kMinGzipBytes &&
                      Compressible(reply.content_type) && AcceptsGzip(request.headers);
    Write(reply, request.method == "HEAD", gzip);
  }

 private:
  // Reads the request line and headers into `request`; the bytes after them stay in buf_.
  // Returns the answer to a refused request, status 0 to drop the connection (timeout, the
  // peer went away), or nothing to go on.
  std::optional<HttpReply> ReadHead(HttpRequestData& request, size_t& content_length) {
    size_t end = std::string::npos;
    size_t separator = 4;
    while (true) {
      end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) {
        end = buf_.find("\n\n");
        separator = 2;
      } else {
        separator = 4;
      }
      if (end != std::string::npos || buf_.size() > kMaxHeaderBytes) break;
      if (!ReadSome()) return HttpReply{0, "", "", {}};
    }
    if (end == std::string::npos || end > kMaxHeaderBytes) {
      return ErrorReply(431, "request headers too large (limit 64 KiB)");
    }
    std::string_view head(buf_.data(), end);
    size_t line_end = head.find('\n');
    std::string_view line = TrimSpace(head.substr(0, line_end));
    // METHOD SP TARGET SP HTTP/1.x
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1)
      return ErrorReply(400, "malformed request line");
    request.method = std::string(line.substr(0, sp1));
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!IsToken(request.method) || version.rfind("HTTP/1.", 0) != 0 || target.empty() ||
        target.front() != '/') {
      return ErrorReply(400, "malformed request line");
    }
    static const std::vector<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "OPTIONS"};
    if (std::find(kMethods.begin(), kMethods.end(), request.method) == kMethods.end()) {
      return ErrorReply(501, "method not implemented");
    }
    const size_t q = target.find('?');
    request.path = PercentDecode(target.substr(0, q), false);
    if (q != std::string_view::npos) request.query = ParseQuery(target.substr(q + 1));

    while (line_end != std::string_view::npos) {
      const size_t start = line_end + 1;
      line_end = head.find('\n', start);
      line = TrimSpace(
          head.substr(start, line_end == std::string_view::npos ? line_end : line_end - start));
      if (line.empty()) continue;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
        return ErrorReply(400, "malformed header line");
      }
      std::string name = AsciiLower(line.substr(0, colon));
      std::string value(TrimSpace(line.substr(colon + 1)));
      auto [it, inserted] = request.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    buf_.erase(0, end + separator);

    if (request.headers.count("transfer-encoding") > 0) {
      return ErrorReply(411,
                        "send the body with a Content-Length (chunked uploads are not accepted)");
    }
    if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
      const std::string& text = it->second;
      if (text.empty() || text.size() > 19 ||
          !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return ErrorReply(400, "malformed Content-Length");
      }
      content_length = std::stoull(text);
      if (content_length > options_.max_body_bytes) {
        unread_ = content_length;
        const size_t limit = options_.max_body_bytes;
        return ErrorReply(413, "request body too large (limit " +
                                   (limit % (1u << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                                            : std::to_string(limit) + " bytes") +
                                   ")");
      }
    }
    return std::nullopt;
  }

  bool ReadBody(std::string& body, size_t length) {
    while (buf_.size() < length) {
      if (!ReadSome()) return false;
    }
    body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  // Appends what the peer sent next; false on EOF, error or the request deadline.
  bool ReadSome() {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - clock_.Monotonic());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char chunk[16384];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  bool WriteAll(const char* data, size_t size) {
    iovec part{const_cast<char*>(data), size};
    return WriteVec(&part, 1);
  }

  bool WriteVec(iovec* parts, int count) {
    while (count > 0) {
      msghdr msg{};
      msg.msg_iov = parts;
      msg.msg_iovlen = static_cast<size_t>(count);
      const ssize_t n = sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;  // includes SO_SNDTIMEO running out
      auto sent = static_cast<size_t>(n);
      while (count > 0 && sent >= parts->iov_len) {
        sent -= parts->iov_len;
        ++parts;
        --count;
      }
      if (count > 0) {
        parts->iov_base = static_cast<char*>(parts->iov_base) + sent;
        parts->iov_len -= sent;
      }
    }
    return true;
  }

  void Write(const HttpReply& reply, bool head_only, bool gzip) {
    std::string compressed;
    if (gzip && !Gzip(reply.body, compressed)) gzip = false;
    const std::string& body = gzip ? compressed : reply.body;
    std::string header = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                         HttpReason(reply.status) + "\r\nContent-Type: " + reply.content_type +
                         "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n";
    if (gzip) header += "Content-Encoding: gzip\r\n";
    if (Compressible(reply.content_type)) header += "Vary: Accept-Encoding\r\n";
    for (const auto& [name, value] : reply.headers) header += name + ": " + value + "\r\n";
    header += "\r\n";
    iovec parts[2] = {{header.data(), header.size()},
                      {const_cast<char*>(body.data()), head_only ? 0 : body.size()}};
    WriteVec(parts, head_only || body.empty() ? 1 : 2);
  }

  // Answers a refused request; reads and drops the body the client may still be sending so
  // that closing does not reset the connection before the client has read the answer.
  void Refuse(const HttpReply& reply) {
    Write(reply, false, false);
    shutdown(fd_, SHUT_WR);
    deadline_ = clock_.Monotonic() + options_.read_timeout;
    size_t drained = buf_.size();
    buf_.clear();
    const size_t limit = std::max(unread_, size_t{1} << 20) + kMaxHeaderBytes;
    while (drained <= limit && ReadSome()) {
      drained += buf_.size();
      buf_.clear();
    }
  }

  int fd_;
  const HttpTransportOptions& options_;
  const Clock& clock_;
  MonotonicTime deadline_{};
  std::string buf_;
  size_t unread_ = 0;  // a refused body's declared length
};

}  // namespace

struct HttpTransport::Impl {
  HttpTransportOptions options;
  HttpHandler handler;
  const Clock& clock;
  int listen_fd = -1;
  int wake_fd = -1;
  std::thread acceptor;
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<int> queued;  // accepted, not yet served; guarded by mu
  bool stopping = false;   // guarded by mu

  Impl(HttpTransportOptions o, HttpHandler h, const Clock& c)
      : options(std::move(o)), handler(std::move(h)), clock(c) {}

  void Accept() {
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::error("http: poll failed: {}", std::strerror(errno));
        return;
      }
      if (fds[1].revents != 0) return;
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        // EMFILE and friends: back off a little instead of spinning.
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
          spdlog::warn("http: accept failed: {}", std::strerror(errno));
          pollfd wake{wake_fd, POLLIN, 0};
          if (poll(&wake, 1, 100) > 0) return;
        }
        continue;
      }
      std::unique_lock lock(mu);
      if (queued.size() >= kMaxQueuedConnections) {
        lock.unlock();
        close(fd);
        continue;
      }
      queued.push_back(fd);
      lock.unlock();
      cv.notify_one();
    }
  }

  void Work() {
    while (true) {
      int fd = -1;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || !queued.empty(); });
        if (stopping) return;
        fd = queued.front();
        queued.pop_front();
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const auto ms = options.write_timeout.count();
      timeval send_timeout{static_cast<time_t>(ms / 1000),
                           static_cast<suseconds_t>((ms % 1000) * 1000)};
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
      Connection(fd, options, clock).Serve(handler);
      close(fd);
    }
  }

  Result<int> Bind() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string where =
        config::HostPort{options.host, static_cast<uint16_t>(options.port)}.ToString();
    const std::string service = std::to_string(options.port);
    if (const int rc = getaddrinfo(options.host.c_str(), service.c_str(), &hints, &found);
        rc != 0) {
      return MakeError(ErrorCode::kIo, "cannot listen on " + where + ": " + gai_strerror(rc));
    }
    int last_errno = EADDRNOTAVAIL;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last_errno = errno;
        continue;
      }
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 128) == 0) {
        listen_fd = fd;
        break;
      }
      last_errno = errno;
      close(fd);
    }
    freeaddrinfo(found);
    if (listen_fd < 0) {
      return MakeError(ErrorCode::kIo,
                       "cannot listen on " + where + ": " + std::strerror(last_errno));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &length);
    return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
};

HttpTransport::HttpTransport(HttpTransportOptions options, HttpHandler handler, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), clock)) {}

HttpTransport::~HttpTransport() { Stop(); }

Result<int> HttpTransport::Start() {
  auto port = impl_->Bind();
  if (!port.ok()) return port;
  impl_->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) {
    close(impl_->listen_fd);
    impl_->listen_fd = -1;
    return MakeError(ErrorCode::kIo,
                     std::string("cannot create an eventfd: ") + std::strerror(errno));
  }
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->workers.emplace_back([this] { impl_->Work(); });
  }
  impl_->acceptor = std::thread([this] { impl_->Accept(); });
  return port;
}

void HttpTransport::Stop() {
  if (!impl_->acceptor.joinable()) return;
  const uint64_t one = 1;
  (void)!write(impl_->wake_fd, &one, sizeof one);
  impl_->acceptor.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  for (auto& worker : impl_->workers) worker.join();
  impl_->workers.clear();
  for (int fd : impl_->queued) close(fd);
  impl_->queued.clear();
  close(impl_->listen_fd);
  close(impl_->wake_fd);
  impl_->listen_fd = impl_->wake_fd = -1;
}

}  // namespace steadystate::exporters
