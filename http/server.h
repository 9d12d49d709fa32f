// HttpServer: steadystate's one port. Serves /healthz, /readyz and the routes other modules
// hand it (/metrics, the dashboard, the JSON API of DESIGN.md §6) over http/transport.h;
// handlers only read shared state through the thread-safe objects they hold.
//
// Every request passes the same gate before its route runs (docs/operations.md, "Exposing
// the port"): on a listener bound to a loopback address, a `Host` that is not a loopback
// name or address is refused (DNS rebinding); write routes need `Content-Type:
// application/json`, refuse a cross-site `Origin` or `Sec-Fetch-Site`, and need the bearer
// token when one is configured (without one, only a loopback listener accepts writes).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "http/transport.h"

namespace steadystate::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // name or address (IPv6 without brackets)
  int port = 9470;                 // 0 picks a free port; see HttpServer::port()
  // Bearer token for write endpoints. Without one, writes are allowed only when the
  // listener is loopback-only.
  std::optional<std::string> api_token;
  size_t max_body_bytes = 10u << 20;
  int threads = 4;
  unsigned max_connections = 4096;
  unsigned max_connections_per_client = 256;
};

// A route added by another part of the daemon (incidents, chaos imports, reports, the
// dashboard) without this file knowing it. Handlers run on the server's thread pool and
// must be thread-safe.
struct ApiRequest {
  std::string path;
  std::vector<std::string> matches;  // the path segments that matched the pattern's {}
  std::multimap<std::string, std::string> params;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased

  bool HasParam(const std::string& name) const { return params.count(name) > 0; }
  // The first value of `name`, or `fallback`.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiResponse Json(int status, std::string body);
  // A text/plain body.
  static ApiResponse Text(std::string body, int status = 200);
  // {"error": message}
  static ApiResponse Error(int status, const std::string& message);
  // The status that fits `error`'s code (400 for invalid input, 404, 503, else 500).
  static ApiResponse FromError(const steadystate::Error& error);
};

struct ApiRoute {
  enum class Method { kGet, kPost };
  Method method = Method::kGet;
  // The path, segment by segment; "{}" matches any one non-empty segment, e.g.
  // "/api/v1/attacks/{}/end". Matching splits the path: no regular expression runs on it.
  std::string pattern;
  // Write routes need the bearer token (or a loopback-only listener), like POST /api/v1/attacks.
  bool write = false;
  std::function<ApiResponse(const ApiRequest&)> handler;
};

// Parses query parameter `name` as an RFC 3339 instant; absent -> nullopt; a bad value is
// kInvalidInput naming the parameter.
Result<std::optional<Timestamp>> TimeParam(const ApiRequest& request, const std::string& name);

// The server serves /healthz and /readyz itself; every other route comes from the modules
// that own it (exporters: /metrics and the read API; chaos: attacks; incidents: incidents and
// reports; dashboard: pages), composed by the daemon.
struct HttpServerDeps {
  // Empty when ready; otherwise why not (shown on /readyz with 503).
  std::function<std::string()> not_ready_reason;
  // The routes, in the order they are matched (see ApiRoute).
  std::vector<ApiRoute> routes;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpServerDeps deps, const Clock& clock);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the port (errors name the address and the OS reason) and starts serving.
  Status Start();
  // Answers one request as the listener would (the gate, routing, the route), without a
  // socket: for tests and the fuzz target. Thread-safe.
  HttpReply Handle(HttpRequestData& request) const;
  // The bound port (useful with port 0). Valid after Start.
  int port() const;
  // Stops accepting, waits for in-flight requests, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for an IPv4 address in 127.0.0.0/8, ::1 and "localhost" (any case). A name that
// merely starts with "127." is not loopback.
bool IsLoopbackHost(const std::string& host);

// Splits `path` by '/' and matches it against `pattern` (see ApiRoute::pattern): true and
// the segments that matched "{}" in `captures`, or false.
bool MatchPathPattern(std::string_view pattern, std::string_view path,
                      std::vector<std::string>* captures);

}  // namespace steadystate::http
