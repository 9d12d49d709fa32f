// HttpTransport: the daemon's HTTP/1.1 listener, small on purpose. It accepts on one
// thread, serves each connection on a fixed pool of workers, reads one request (headers up
// to 64 KiB, a Content-Length body up to a limit), hands it to one handler and writes the
// reply with Content-Length and "Connection: close". Replies to clients that accept gzip
// are compressed when they are text and over 1 KiB.
//
// It replaces a general-purpose library (cpp-httplib) that linked OpenSSL into every daemon
// (about 3.5 MiB of resident memory) for a server that never speaks TLS: put a reverse
// proxy in front for TLS (docs/operations.md).
//
// Bad requests are answered here, never passed on: 400 (malformed request line or header),
// 411 (a body without Content-Length, e.g. chunked uploads), 413 (body over the limit),
// 431 (headers over 64 KiB), 501 (methods other than GET, HEAD, POST, PUT, PATCH, DELETE
// and OPTIONS); a client that stalls for the read timeout is dropped.
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

namespace steadystate::exporters {

struct HttpRequestData {
  std::string method;                             // "GET", "HEAD", "POST", ...
  std::string path;                               // percent-decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded, '+' is a space
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpTransportOptions {
  std::string host = "127.0.0.1";  // name or address (IPv6 without brackets)
  int port = 0;                    // 0 picks a free port
  int threads = 4;
  size_t max_body_bytes = 10u << 20;
  Duration read_timeout = std::chrono::seconds(5);  // for a whole request
  Duration write_timeout = std::chrono::seconds(5);
};

// Called on a worker thread for every well-formed request; must be thread-safe. A HEAD
// request reaches it as "HEAD": answer as for GET, the body is not sent. It may move the
// body and the query out of the request (the transport reads only the method, the path
// and the headers afterwards). Exceptions become a logged 500.
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
  // Stops accepting, finishes the requests being served, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steadystate::exporters
