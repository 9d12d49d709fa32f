// HttpServer: steadystate's one port. Serves /metrics, /healthz, /readyz and the JSON
// API (DESIGN.md §6). Runs its own small thread pool; handlers only read shared state
// through the thread-safe objects passed in.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "exporters/metrics.h"
#include "incidents/attack.h"
#include "slo/alert.h"
#include "store/store.h"

namespace steadystate::exporters {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // name or address (IPv6 without brackets)
  int port = 9470;                 // 0 picks a free port; see HttpServer::port()
  // Bearer token for write endpoints. Without one, writes are allowed only when the
  // listener is loopback-only.
  std::optional<std::string> api_token;
  size_t max_body_bytes = 10u << 20;
  int threads = 4;
};

struct HttpServerDeps {
  Metrics* metrics = nullptr;
  store::Store* store = nullptr;
  incidents::AttackLog* attacks = nullptr;
  // Current alerts for /api/v1/alerts; empty function = none.
  std::function<std::vector<slo::Alert>()> alerts;
  // GET /api/v1/services: the body. Empty function = no services configured.
  std::function<std::string()> services_json;
  // GET /api/v1/steady-state?service=a,b: {status, body}, or an error (400) naming a bad
  // service.
  std::function<Result<std::pair<int, std::string>>(std::string_view services)> steady_state;
  // Empty when ready; otherwise why not (shown on /readyz with 503).
  std::function<std::string()> not_ready_reason;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpServerDeps deps, const Clock& clock);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the port (errors name the address and the OS reason) and starts serving.
  Status Start();
  // The bound port (useful with port 0). Valid after Start.
  int port() const;
  // Stops accepting, waits for in-flight requests, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace steadystate::exporters
