#include "http/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "common/text.h"
#include "config/values.h"

namespace steadystate::http {
namespace {

constexpr size_t kMinGzipBytes = 1024;
// libmicrohttpd keeps a connection's request line and headers in a pool of this size; a
// request whose head does not fit is refused by the library.
constexpr size_t kConnectionMemoryBytes = 96u << 10;
// Deadlines are checked this late at most, so one wake-up serves deadlines close together.
constexpr auto kReapSlack = std::chrono::milliseconds(50);

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

HttpReply ErrorReply(int status, std::string_view message) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = "application/json";
  // The transport's own messages have no characters that need escaping.
  reply.body = "{\"error\":\"" + std::string(message) + "\"}";
  return reply;
}

bool KnownMethod(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
  return std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
}

std::string LimitText(size_t limit) {
  return limit % (1u << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                 : std::to_string(limit) + " bytes";
}

bool IsLoopbackAddress(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
  }
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr)) return true;
    // ::ffff:127.x.y.z
    return IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

void LogFromLibrary(void*, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  spdlog::debug("http: {}", text);
}

// What a connection is doing, for its deadlines. Guarded by Impl::connections_mu.
struct ConnectionState {
  enum class Phase { kReading, kHandling, kWriting };
  int fd = -1;
  Phase phase = Phase::kReading;
  MonotonicTime since{};
};

// One request on its way through the transport (libmicrohttpd's per-request pointer).
struct RequestState {
  HttpRequestData data;
  bool too_large = false;
  // Set by a worker before it resumes the connection; read after the resume.
  std::optional<HttpReply> reply;
};

}  // namespace

struct HttpTransport::Impl {
  HttpTransportOptions options;
  HttpHandler handler;
  const Clock& clock;
  int listen_fd = -1;
  bool loopback = false;
  MHD_Daemon* daemon = nullptr;

  std::mutex connections_mu;
  std::unordered_set<ConnectionState*> connections;  // guarded by connections_mu
  std::thread reaper;
  std::mutex reaper_mu;
  std::condition_variable reaper_wake;
  bool reaper_stopping = false;  // guarded by reaper_mu
  // When the reaper wakes next; max() while no connection has a deadline. Guarded by
  // reaper_mu.
  MonotonicTime reaper_next = MonotonicTime::max();

  struct Job {
    MHD_Connection* connection;
    RequestState* request;
  };
  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;      // guarded by jobs_mu
  bool jobs_closed = false;  // guarded by jobs_mu
  std::vector<std::thread> workers;

  Impl(HttpTransportOptions o, HttpHandler h, const Clock& c)
      : options(std::move(o)), handler(std::move(h)), clock(c) {}

  // --- connection bookkeeping and deadlines -------------------------------------------

  static ConnectionState* StateOf(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == nullptr ? nullptr : static_cast<ConnectionState*>(info->socket_context);
  }

  void SetPhase(MHD_Connection* connection, ConnectionState::Phase phase) {
    ConnectionState* state = StateOf(connection);
    if (state == nullptr) return;
    const MonotonicTime now = clock.Monotonic();
    {
      std::lock_guard lock(connections_mu);
      state->phase = phase;
      state->since = now;
    }
    if (phase != ConnectionState::Phase::kHandling) WakeReaperBy(now + LimitOf(phase));
  }

  Duration LimitOf(ConnectionState::Phase phase) const {
    return phase == ConnectionState::Phase::kReading ? options.read_timeout : options.write_timeout;
  }

  // Makes the reaper wake by `deadline` (it sleeps while no connection has a deadline).
  // Called without connections_mu held: the reaper takes reaper_mu, then connections_mu.
  void WakeReaperBy(MonotonicTime deadline) {
    std::lock_guard lock(reaper_mu);
    if (deadline >= reaper_next) return;
    reaper_next = deadline;
    reaper_wake.notify_one();
  }

  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* state = new ConnectionState;
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      state->fd = info == nullptr ? -1 : info->connect_fd;
      state->since = self->clock.Monotonic();
      if (state->fd >= 0) {
        const int one = 1;
        setsockopt(state->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      {
        std::lock_guard lock(self->connections_mu);
        self->connections.insert(state);
      }
      *socket_context = state;
      self->WakeReaperBy(state->since + self->options.read_timeout);
    } else {
      auto* state = static_cast<ConnectionState*>(*socket_context);
      if (state == nullptr) return;
      {
        std::lock_guard lock(self->connections_mu);
        self->connections.erase(state);
      }
      delete state;
      *socket_context = nullptr;
    }
  }

  // Closes (by shutting down; libmicrohttpd then closes and forgets it) every connection
  // past its request or reply deadline. A connection whose request is being handled has
  // no deadline here: the handler's own limits apply.
  // It sleeps until the earliest deadline (none while every connection is idle in a
  // handler or there are none), so an idle daemon pays no wake-ups for it.
  void Reap() {
    std::unique_lock wait_lock(reaper_mu);
    while (!reaper_stopping) {
      if (reaper_next == MonotonicTime::max()) {
        reaper_wake.wait(wait_lock);
      } else {
        const auto wait = reaper_next - clock.Monotonic();
        if (wait > Duration::zero()) reaper_wake.wait_for(wait_lock, wait);
      }
      if (reaper_stopping) break;
      const MonotonicTime now = clock.Monotonic();
      if (now < reaper_next) continue;  // woken early for a nearer deadline
      MonotonicTime next = MonotonicTime::max();
      std::lock_guard lock(connections_mu);
      for (ConnectionState* state : connections) {
        if (state->phase == ConnectionState::Phase::kHandling || state->fd < 0) continue;
        const MonotonicTime deadline = state->since + LimitOf(state->phase);
        if (now < deadline) {
          next = std::min(next, deadline + kReapSlack);
          continue;
        }
        // shutdown, not close: the descriptor stays libmicrohttpd's until it closes it, so
        // it cannot be reused under it.
        // No lingering: whatever of the reply is still queued is dropped when the library
        // closes the socket.
        const linger abort{1, 0};
        setsockopt(state->fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        shutdown(state->fd, SHUT_RDWR);
        state->fd = -1;
      }
      reaper_next = next;
    }
  }

  // --- requests ------------------------------------------------------------------------

  static MHD_Result CollectValue(void* cls, MHD_ValueKind kind, const char* key, size_t key_size,
                                 const char* value, size_t value_size) {
    auto* data = static_cast<HttpRequestData*>(cls);
    std::string name(key, key_size);
    std::string text = value == nullptr ? "" : std::string(value, value_size);
    if (kind == MHD_HEADER_KIND) {
      auto [it, inserted] = data->headers.emplace(AsciiLower(name), text);
      if (!inserted) it->second += ", " + text;
    } else {
      data->query.emplace(std::move(name), std::move(text));
    }
    return MHD_YES;
  }

  static void FreeBody(void* body) { delete static_cast<std::string*>(body); }

  MHD_Result Send(MHD_Connection* connection, const HttpRequestData& request, HttpReply reply) {
    std::string compressed;
    bool gzip = request.method != "HEAD" && reply.body.size() >= kMinGzipBytes &&
                Compressible(reply.content_type) && AcceptsGzip(request.headers);
    if (gzip && !Gzip(reply.body, compressed)) gzip = false;
    auto* body = new std::string(gzip ? std::move(compressed) : std::move(reply.body));
    MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
        body->size(), body->data(), &FreeBody, body);
    if (response == nullptr) {
      delete body;
      return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", reply.content_type.c_str());
    if (gzip) MHD_add_response_header(response, "Content-Encoding", "gzip");
    if (Compressible(reply.content_type)) {
      MHD_add_response_header(response, "Vary", "Accept-Encoding");
    }
    for (const auto& [name, value] : reply.headers) {
      MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    SetPhase(connection, ConnectionState::Phase::kWriting);
    const MHD_Result queued =
        MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return queued;
  }

  HttpReply Handle(HttpRequestData& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("http: {} {} failed: {}", request.method, request.path, e.what());
      return ErrorReply(500, "internal error");
    }
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url,
                              const char* method, const char* /*version*/, const char* upload_data,
                              size_t* upload_data_size, void** request_context) {
    auto* self = static_cast<Impl*>(cls);
    auto* request = static_cast<RequestState*>(*request_context);
    if (request == nullptr) {  // the head has arrived
      request = new RequestState;
      *request_context = request;
      request->data.method = method;
      request->data.path = url;
      if (!KnownMethod(request->data.method)) {
        return self->Send(connection, request->data, ErrorReply(501, "method not implemented"));
      }
      if (request->data.path.size() > kMaxHttpPathBytes) {
        return self->Send(connection, request->data,
                          ErrorReply(414, "request path too long (limit 8 KiB)"));
      }
      if (request->data.path.empty() || request->data.path.front() != '/') {
        return self->Send(connection, request->data, ErrorReply(400, "malformed request line"));
      }
      // A body over the limit is read and dropped (within the request deadline) and then
      // refused, so that the client is still reading when the answer comes.
      return MHD_YES;
    }
    if (*upload_data_size > 0) {  // a piece of the body
      if (!request->too_large) {
        if (request->data.body.size() + *upload_data_size > self->options.max_body_bytes) {
          request->too_large = true;
          request->data.body.clear();
          request->data.body.shrink_to_fit();
        } else {
          request->data.body.append(upload_data, *upload_data_size);
        }
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (request->reply) {  // a worker has answered; the connection was resumed
      return self->Send(connection, request->data, std::move(*request->reply));
    }
    if (request->too_large) return self->Send(connection, request->data, self->TooLarge());

    // The whole request is here.
    MHD_get_connection_values_n(connection,
                                static_cast<MHD_ValueKind>(MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND),
                                &CollectValue, &request->data);
    self->SetPhase(connection, ConnectionState::Phase::kHandling);
    if (self->options.inline_path && self->options.inline_path(request->data.path)) {
      HttpReply reply = self->Handle(request->data);
      return self->Send(connection, request->data, std::move(reply));
    }
    {
      std::lock_guard lock(self->jobs_mu);
      if (!self->jobs_closed && self->jobs.size() < self->options.max_queued_requests) {
        MHD_suspend_connection(connection);
        self->jobs.push_back({connection, request});
        self->jobs_cv.notify_one();
        return MHD_YES;
      }
    }
    HttpReply busy = ErrorReply(503, "the server is busy; try again");
    busy.headers.emplace_back("Retry-After", "1");
    return self->Send(connection, request->data, std::move(busy));
  }

  HttpReply TooLarge() const {
    return ErrorReply(413,
                      "request body too large (limit " + LimitText(options.max_body_bytes) + ")");
  }

  static void OnCompleted(void* cls, MHD_Connection* connection, void** request_context,
                          MHD_RequestTerminationCode) {
    auto* self = static_cast<Impl*>(cls);
    delete static_cast<RequestState*>(*request_context);
    *request_context = nullptr;
    // A kept-alive connection waits for its next request under the read deadline.
    self->SetPhase(connection, ConnectionState::Phase::kReading);
  }

  void Work() {
    while (true) {
      Job job{};
      {
        std::unique_lock lock(jobs_mu);
        jobs_cv.wait(lock, [this] { return jobs_closed || !jobs.empty(); });
        if (jobs.empty()) return;  // closed and drained
        job = jobs.front();
        jobs.pop_front();
      }
      job.request->reply = Handle(job.request->data);
      // After this the connection and the request belong to libmicrohttpd again.
      MHD_resume_connection(job.connection);
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
      const int fd =
          socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (fd < 0) {
        last_errno = errno;
        continue;
      }
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
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
    loopback = IsLoopbackAddress(bound);
    return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }

  Status StartLibrary() {
    // The idle timeout is a backstop only: the reaper enforces the real deadlines.
    const auto idle_seconds = static_cast<unsigned>(
        std::chrono::ceil<std::chrono::seconds>(options.read_timeout + options.write_timeout)
            .count() +
        1);
    daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, nullptr,
        nullptr, &OnRequest, this,                                     //
        MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(listen_fd),  //
        MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(std::max(1, options.io_threads)),
        MHD_OPTION_CONNECTION_LIMIT, options.max_connections,                    //
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_client,  //
        MHD_OPTION_CONNECTION_TIMEOUT, idle_seconds,                             //
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemoryBytes,              //
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,                                   //
        MHD_OPTION_NOTIFY_CONNECTION, &OnConnection, this,                       //
        MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, this,                         //
        MHD_OPTION_EXTERNAL_LOGGER, &LogFromLibrary, nullptr,                    //
        MHD_OPTION_END);
    if (daemon == nullptr) {
      return MakeError(
          ErrorCode::kIo,
          "cannot start the HTTP server on " +
              config::HostPort{options.host, static_cast<uint16_t>(options.port)}.ToString());
    }
    return OkStatus();
  }
};

HttpTransport::HttpTransport(HttpTransportOptions options, HttpHandler handler, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), clock)) {}

HttpTransport::~HttpTransport() { Stop(); }

Result<int> HttpTransport::Start() {
  auto port = impl_->Bind();
  if (!port.ok()) return port;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->workers.emplace_back([this] { impl_->Work(); });
  }
  impl_->reaper = std::thread([this] { impl_->Reap(); });
  if (auto started = impl_->StartLibrary(); !started.ok()) {
    Stop();
    return started.error();
  }
  return port;
}

bool HttpTransport::loopback_only() const { return impl_->loopback; }

void HttpTransport::Stop() {
  if (impl_->daemon != nullptr) MHD_quiesce_daemon(impl_->daemon);  // no new connections
  {
    std::lock_guard lock(impl_->jobs_mu);
    impl_->jobs_closed = true;
  }
  impl_->jobs_cv.notify_all();
  for (auto& worker : impl_->workers) worker.join();  // every queued request answered
  impl_->workers.clear();
  if (impl_->daemon != nullptr) {
    MHD_stop_daemon(impl_->daemon);
    impl_->daemon = nullptr;
  }
  if (impl_->reaper.joinable()) {
    {
      std::lock_guard lock(impl_->reaper_mu);
      impl_->reaper_stopping = true;
    }
    impl_->reaper_wake.notify_all();
    impl_->reaper.join();
  }
  if (impl_->listen_fd >= 0) {
    close(impl_->listen_fd);
    impl_->listen_fd = -1;
  }
}

}  // namespace steadystate::http
