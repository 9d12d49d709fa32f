#include "exporters/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/time.h"
#include "exporters/alert_metrics.h"
#include "exporters/csv.h"

namespace steadystate::exporters {
namespace {

void SendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, nlohmann::json{{"error", message}}.dump());
}

int StatusFor(const steadystate::Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidInput:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable:
    case ErrorCode::kIo:
      return 503;
    default:
      return 500;
  }
}

// Constant-time comparison so the token cannot be guessed byte by byte from timings.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ';';
    out += item;
  }
  return out;
}

std::string AttacksCsv(const std::vector<incidents::Attack>& attacks) {
  std::string out;
  AppendCsvRow(out,
               {"id", "source", "source_id", "type", "targets", "services", "start", "end",
                "created_by", "name", "outcome", "steady_state", "halted_reason", "reproduces"});
  for (const auto& a : attacks) {
    AppendCsvRow(out, {a.id, a.source, a.source_id, a.type, Joined(a.targets), Joined(a.services),
                       FormatRfc3339(a.start), a.end ? FormatRfc3339(*a.end) : "", a.created_by,
                       a.name, a.outcome, a.steady_state, a.halted_reason, Joined(a.reproduces)});
  }
  return out;
}

std::string AttacksJson(const std::vector<incidents::Attack>& attacks) {
  std::string out = "[";
  for (size_t i = 0; i < attacks.size(); ++i) {
    if (i > 0) out += ',';
    out += incidents::AttackToJson(attacks[i]);
  }
  return out + "]";
}

void Send(httplib::Response& res, const ApiResponse& answer) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
  res.set_content(answer.body, answer.content_type);
}

ApiRequest ToApiRequest(const httplib::Request& req) {
  ApiRequest out;
  out.path = req.path;
  for (size_t i = 1; i < req.matches.size(); ++i) out.matches.push_back(req.matches[i].str());
  for (const auto& [name, value] : req.params) out.params.emplace(name, value);
  out.body = req.body;
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[lower] = value;
  }
  return out;
}

}  // namespace

std::string ApiRequest::Param(const std::string& name, const std::string& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

ApiResponse ApiResponse::Json(int status, std::string body) {
  ApiResponse out;
  out.status = status;
  out.body = std::move(body);
  return out;
}

ApiResponse ApiResponse::Error(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"error", message}}.dump());
}

ApiResponse ApiResponse::FromError(const steadystate::Error& error) {
  return Error(StatusFor(error), error.message);
}

Result<std::optional<Timestamp>> TimeParam(const ApiRequest& request, const std::string& name) {
  if (!request.HasParam(name)) return std::optional<Timestamp>{};
  auto t = ParseRfc3339(request.Param(name));
  if (!t.ok()) return MakeError(ErrorCode::kInvalidInput, name + ": " + t.error().message);
  return std::optional<Timestamp>(*t);
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpServerDeps deps;
  const Clock& clock;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  bool loopback_only = false;

  Impl(HttpServerOptions o, HttpServerDeps d, const Clock& c)
      : options(std::move(o)), deps(std::move(d)), clock(c) {}

  // Returns true when the request may write; otherwise answers it.
  bool Authorize(const httplib::Request& req, httplib::Response& res) const {
    if (!options.api_token) {
      if (loopback_only) return true;
      SendError(res, 403,
                "write endpoints are disabled: configure server.api_token_env or "
                "server.api_token_file, or listen on loopback only");
      return false;
    }
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (header.rfind(prefix, 0) != 0 ||
        !SameSecret(header.substr(prefix.size()), *options.api_token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      SendError(res, 401, "missing or wrong bearer token (Authorization: Bearer <token>)");
      return false;
    }
    return true;
  }

  void Routes() {
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(deps.metrics->Serialize(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      std::string reason = deps.not_ready_reason ? deps.not_ready_reason() : "";
      if (reason.empty()) {
        res.set_content("ready\n", "text/plain");
      } else {
        res.status = 503;
        res.set_content("not ready: " + reason + "\n", "text/plain");
      }
    });
    server.Get("/api/v1/alerts", [this](const httplib::Request&, httplib::Response& res) {
      SendJson(res, 200, AlertsJson(deps.alerts ? deps.alerts() : std::vector<slo::Alert>{}));
    });
    server.Get("/api/v1/services", [this](const httplib::Request&, httplib::Response& res) {
      SendJson(res, 200, deps.services_json ? deps.services_json() : "{\"services\":[]}");
    });
    server.Get("/api/v1/steady-state", [this](const httplib::Request& req, httplib::Response& res) {
      if (!deps.steady_state) return SendError(res, 503, "no services are configured");
      auto answer = deps.steady_state(req.get_param_value("service"));
      if (!answer.ok()) return SendError(res, 400, answer.error().message);
      SendJson(res, answer->first, answer->second);
    });
    AttackRoutes();
    for (const auto& route : deps.routes) AddRoute(route);
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string what = res.status == 404   ? "not found"
                         : res.status == 413 ? "request body too large (limit 10 MiB)"
                         : res.status == 405 ? "method not allowed"
                                             : "HTTP " + std::to_string(res.status);
      SendError(res, res.status, what);
    });
    server.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
          std::string what = "unknown error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::error("http: {} {} failed: {}", req.method, req.path, what);
          SendError(res, 500, "internal error");
        });
  }

  void AddRoute(const ApiRoute& route) {
    auto handler = [this, route](const httplib::Request& req, httplib::Response& res) {
      if (route.write && !Authorize(req, res)) return;
      Send(res, route.handler(ToApiRequest(req)));
    };
    if (route.method == ApiRoute::Method::kGet) {
      server.Get(route.pattern, handler);
    } else {
      server.Post(route.pattern, handler);
    }
  }

  void AttackRoutes() {
    server.Get("/api/v1/attacks", [this](const httplib::Request& req, httplib::Response& res) {
      const ApiRequest request = ToApiRequest(req);
      auto since = TimeParam(request, "since");
      auto until = TimeParam(request, "until");
      if (!since.ok()) return SendError(res, 400, since.error().message);
      if (!until.ok()) return SendError(res, 400, until.error().message);
      std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
      if (format != "json" && format != "csv") {
        return SendError(res, 400, "format: \"" + format + "\" is not one of: json, csv");
      }
      auto attacks = deps.attacks->List(*since, *until);
      if (!attacks.ok()) return SendError(res, StatusFor(attacks.error()), attacks.error().message);
      if (format == "csv") return res.set_content(AttacksCsv(*attacks), "text/csv");
      SendJson(res, 200, AttacksJson(*attacks));
    });
    server.Get(R"(/api/v1/attacks/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 auto attack = deps.attacks->Get(req.matches[1].str());
                 if (!attack.ok()) {
                   return SendError(res, StatusFor(attack.error()), attack.error().message);
                 }
                 if (!attack->has_value()) {
                   return SendError(res, 404, "no attack with id \"" + req.matches[1].str() + "\"");
                 }
                 SendJson(res, 200, incidents::AttackToJson(**attack));
               });
    server.Post("/api/v1/attacks", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorize(req, res)) return;
      auto attack = incidents::ParseAttackStart(req.body);
      if (!attack.ok()) return SendError(res, 400, attack.error().message);
      auto started = deps.attacks->Start(std::move(*attack));
      if (!started.ok()) return SendError(res, StatusFor(started.error()), started.error().message);
      spdlog::info("attack {} started: type={} name=\"{}\"", started->id, started->type,
                   started->name);
      SendJson(res, 201, incidents::AttackToJson(*started));
    });
    server.Post(R"(/api/v1/attacks/([^/]+)/end)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  if (!Authorize(req, res)) return;
                  auto end = incidents::ParseAttackEnd(req.body);
                  if (!end.ok()) return SendError(res, 400, end.error().message);
                  auto ended = deps.attacks->End(req.matches[1].str(), *end);
                  if (!ended.ok()) {
                    int status = StatusFor(ended.error());
                    if (ended.error().code == ErrorCode::kInvalidInput &&
                        ended.error().message.find("already ended") != std::string::npos) {
                      status = 409;
                    }
                    return SendError(res, status, ended.error().message);
                  }
                  spdlog::info("attack {} ended: outcome={}", ended->id, ended->outcome);
                  SendJson(res, 200, incidents::AttackToJson(*ended));
                });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpServerDeps deps, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(deps), clock)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  const std::string& host = impl_->options.host;
  const int port = impl_->options.port;
  impl_->loopback_only = IsLoopbackHost(host);
  auto& server = impl_->server;
  const int threads = impl_->options.threads;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server.set_payload_max_length(impl_->options.max_body_bytes);
  // One request per connection: cpp-httplib 0.11 polls an idle keep-alive socket every
  // 10 ms, which made an idle scraper connection cost more CPU than the scrape itself.
  server.set_keep_alive_max_count(1);
  // The library writes headers and body separately; without NODELAY the body waits for the
  // client's delayed ACK (~40 ms per scrape, bench/scrape.sh).
  server.set_tcp_nodelay(true);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  impl_->Routes();
  errno = 0;
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::string why = errno != 0 ? std::strerror(errno) : "address unavailable or in use";
    return MakeError(ErrorCode::kIo,
                     "cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  impl_->port = bound;
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return OkStatus();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace steadystate::exporters
