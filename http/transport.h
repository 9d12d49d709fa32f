// HttpTransport: the daemon's HTTP/1.1 listener on GNU libmicrohttpd (docs/design-notes.md
// says why that library). libmicrohttpd's epoll threads read requests and write replies
// without blocking, so idle, dripping or slowly reading clients cost a connection slot and
// a little memory, never a thread. Each complete request goes to one handler:
//
//   - requests for an `inline_path` (/metrics, /healthz, ...) are answered on the I/O thread
//     that read them, so they never queue behind other work;
//   - every other request is handed to a fixed pool of workers (the connection is suspended
//     meanwhile), so a slow report never holds an I/O thread. When the pool's queue is full
//     the request is answered 503 at once.
//
// Limits, all enforced here before a handler runs: a whole request (from the connection's
// first byte, or the end of the previous reply on a kept-alive connection, to the end of the
// body) must arrive within `read_timeout`, and a whole reply must be taken by the client
// within `write_timeout`, or the connection is closed; at most `max_connections` connections
// in all and `max_connections_per_client` from one address (further ones are closed at
// accept); bodies over `max_body_bytes` are 413; paths over 8 KiB are 414; methods other
// than GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS are 501. libmicrohttpd itself answers
// malformed requests (400) and oversized headers.
//
// Replies to clients that accept gzip are compressed when they are text and over 1 KiB.
// The listener never speaks TLS: put a reverse proxy in front for TLS (docs/operations.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"

namespace steadystate::http {

struct HttpRequestData {
  std::string method;                             // "GET", "HEAD", "POST", ...
  std::string path;                               // percent-decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded, '+' is a space
  std::map<std::string, std::string> headers;     // names lower-cased; repeats joined by ", "
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Paths longer than this are answered 414 without reaching the handler.
inline constexpr size_t kMaxHttpPathBytes = 8u << 10;

struct HttpTransportOptions {
  std::string host = "127.0.0.1";  // name or address (IPv6 without brackets)
  int port = 0;                    // 0 picks a free port
  int threads = 4;                 // workers for the requests not answered inline
  int io_threads = 2;              // libmicrohttpd's epoll threads
  size_t max_body_bytes = 10u << 20;
  size_t max_queued_requests = 256;  // waiting for a worker; beyond: 503
  unsigned max_connections = 4096;
  unsigned max_connections_per_client = 256;
  Duration read_timeout = std::chrono::seconds(5);    // a whole request
  Duration write_timeout = std::chrono::seconds(30);  // a whole reply
  // Requests whose path this accepts are answered on the I/O thread (cheap, must never
  // wait behind heavy work). Empty function: none.
  std::function<bool(std::string_view path)> inline_path;
};

// Called for every well-formed request; must be thread-safe (it runs on I/O threads and
// workers at once). A HEAD request reaches it as "HEAD": answer as for GET, the body is not
// sent. It may move the body and the query out of the request. Exceptions become a logged
// 500.
using HttpHandler = std::function<HttpReply(HttpRequestData&)>;

class HttpTransport {
 public:
  HttpTransport(HttpTransportOptions options, HttpHandler handler, const Clock& clock);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Binds and starts serving; returns the bound port. Errors name the address and the OS
  // reason.
  Result<int> Start();
  // True when the bound socket's address is a loopback address (127.0.0.0/8 or ::1), so
  // only this machine can connect. Decided from the socket, never from a name. Valid after
  // Start.
  bool loopback_only() const;
  // Stops accepting, finishes the requests being handled, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steadystate::http
