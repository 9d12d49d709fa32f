#include "http/server.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <algorithm>

#include "common/redact.h"
#include "common/text.h"
#include "common/time.h"

namespace steadystate::http {
namespace {

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

HttpReply ToReply(ApiResponse answer) {
  HttpReply reply;
  reply.status = answer.status;
  reply.content_type = std::move(answer.content_type);
  reply.body = std::move(answer.body);
  reply.headers = std::move(answer.headers);
  return reply;
}

const char* MethodName(ApiRoute::Method method) {
  return method == ApiRoute::Method::kGet ? "GET" : "POST";
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

ApiResponse ApiResponse::Text(std::string body, int status) {
  ApiResponse out;
  out.status = status;
  out.content_type = "text/plain";
  out.body = std::move(body);
  return out;
}

ApiResponse ApiResponse::Error(int status, const std::string& message) {
  // The message may quote the request (a path segment), which need not be UTF-8: replaced,
  // not thrown on (tests/fuzz/crashes/http/).
  return Json(status, nlohmann::json{{"error", Redact(message)}}.dump(
                          -1, ' ', false, nlohmann::json::error_handler_t::replace));
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
  if (AsciiLower(host) == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool MatchPathPattern(std::string_view pattern, std::string_view path,
                      std::vector<std::string>* captures) {
  if (captures != nullptr) captures->clear();
  while (true) {
    const size_t pattern_slash = pattern.find('/', 1);
    const size_t path_slash = path.find('/', 1);
    const std::string_view want = pattern.substr(0, pattern_slash);
    const std::string_view got = path.substr(0, path_slash);
    if (want == "/{}") {
      if (got.size() < 2) return false;  // "{}" needs a non-empty segment
      if (captures != nullptr) captures->emplace_back(got.substr(1));
    } else if (want != got) {
      return false;
    }
    if (pattern_slash == std::string_view::npos || path_slash == std::string_view::npos) {
      return pattern_slash == path_slash;
    }
    pattern.remove_prefix(pattern_slash);
    path.remove_prefix(path_slash);
  }
}

namespace {

// The host part of a Host header or an origin's authority: "[::1]:9470" -> "::1",
// "localhost:80" -> "localhost".
std::string HostName(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return std::string(authority.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

const std::string* Header(const HttpRequestData& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? nullptr : &it->second;
}

// Whether `origin` ("scheme://host[:port]") names the same host and port as `host` (the
// request's Host header). "null" and anything unparsable are not.
bool SameOrigin(std::string_view origin, std::string_view host) {
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string authority(origin.substr(scheme_end + 3));
  return !authority.empty() && AsciiLower(authority) == AsciiLower(host);
}

bool IsJson(const std::string* content_type) {
  if (content_type == nullptr) return false;
  const std::string media = AsciiLower(TrimSpace(content_type->substr(0, content_type->find(';'))));
  return media == "application/json";
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpServerDeps deps;
  const Clock& clock;
  std::vector<ApiRoute> routes;
  std::unique_ptr<HttpTransport> transport;
  int port = 0;
  // Whether only this machine can connect: from the bound socket once started.
  bool loopback_only = false;

  Impl(HttpServerOptions o, HttpServerDeps d, const Clock& c)
      : options(std::move(o)), deps(std::move(d)), clock(c) {
    loopback_only = IsLoopbackHost(options.host) && AsciiLower(options.host) != "localhost";
  }

  // Refuses what no route may see: a foreign Host on a loopback listener (a page that
  // rebinds its own name to 127.0.0.1 must not read the API). Nothing when it may go on.
  std::optional<ApiResponse> RefuseHost(const HttpRequestData& request) const {
    if (!loopback_only) return std::nullopt;
    const std::string* host = Header(request, "host");
    if (host == nullptr || IsLoopbackHost(HostName(*host))) return std::nullopt;
    return ApiResponse::Error(
        421, "this listener is on a loopback address: use localhost or 127.0.0.1 in the URL");
  }

  // The checks of a write route: a JSON body, the same origin, and the bearer token.
  std::optional<ApiResponse> RefuseWrite(const HttpRequestData& request) const {
    if (!IsJson(Header(request, "content-type"))) {
      return ApiResponse::Error(415, "write requests need Content-Type: application/json");
    }
    if (const std::string* site = Header(request, "sec-fetch-site");
        site != nullptr && AsciiLower(*site) == "cross-site") {
      return ApiResponse::Error(403, "cross-site requests may not write");
    }
    if (const std::string* origin = Header(request, "origin"); origin != nullptr) {
      const std::string* host = Header(request, "host");
      if (host == nullptr || !SameOrigin(*origin, *host)) {
        return ApiResponse::Error(403, "cross-site requests may not write (Origin " +
                                           std::string(origin->substr(0, 200)) +
                                           " is not this server)");
      }
    }
    return Unauthorized(request);
  }

  // Nothing when the request may write; otherwise the answer that refuses it.
  std::optional<ApiResponse> Unauthorized(const HttpRequestData& req) const {
    if (!options.api_token) {
      if (loopback_only) return std::nullopt;
      return ApiResponse::Error(403,
                                "write endpoints are disabled: configure server.api_token_env or "
                                "server.api_token_file, or listen on loopback only");
    }
    auto it = req.headers.find("authorization");
    const std::string header = it == req.headers.end() ? "" : it->second;
    // The scheme is case-insensitive (RFC 7235 §2.1).
    const std::string_view trimmed = TrimSpace(header);
    const size_t space = trimmed.find(' ');
    const bool bearer =
        space != std::string_view::npos && AsciiLower(trimmed.substr(0, space)) == "bearer";
    if (!bearer ||
        !SameSecret(std::string(TrimSpace(trimmed.substr(space + 1))), *options.api_token)) {
      auto refusal =
          ApiResponse::Error(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
      refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refusal;
    }
    return std::nullopt;
  }

  void Add(ApiRoute::Method method, std::string pattern, bool write,
           std::function<ApiResponse(const ApiRequest&)> handler) {
    AddRoute(ApiRoute{method, std::move(pattern), write, std::move(handler)});
  }

  void AddRoute(const ApiRoute& route) { routes.push_back(route); }

  // The gate, then the route for the request: 404 when no pattern matches the path, 405
  // when only another method's does. HEAD is answered as GET (the transport drops the body).
  HttpReply Dispatch(HttpRequestData& request) const {
    if (auto refusal = RefuseHost(request)) return ToReply(std::move(*refusal));
    const std::string method = request.method == "HEAD" ? "GET" : request.method;
    std::string allowed;
    std::vector<std::string> captures;
    for (const auto& route : routes) {
      if (!MatchPathPattern(route.pattern, request.path, &captures)) continue;
      if (method != MethodName(route.method)) {
        if (allowed.find(MethodName(route.method)) == std::string::npos) {
          allowed += allowed.empty() ? "" : ", ";
          allowed += MethodName(route.method);
        }
        continue;
      }
      if (route.write) {
        if (auto refusal = RefuseWrite(request)) return ToReply(std::move(*refusal));
      }
      ApiRequest api;
      api.path = request.path;
      api.matches = std::move(captures);
      api.params = std::move(request.query);
      api.body = std::move(request.body);  // up to max_body_bytes: not copied
      api.headers = request.headers;
      return ToReply(route.handler(api));  // the transport turns exceptions into a 500
    }
    if (allowed.empty()) return ToReply(ApiResponse::Error(404, "not found"));
    auto refusal = ApiResponse::Error(405, "method not allowed");
    refusal.headers.emplace_back("Allow", allowed);
    return ToReply(std::move(refusal));
  }

  void Routes() {
    using M = ApiRoute::Method;
    Add(M::kGet, "/healthz", false, [](const ApiRequest&) { return ApiResponse::Text("ok\n"); });
    Add(M::kGet, "/readyz", false, [this](const ApiRequest&) {
      std::string reason = deps.not_ready_reason ? deps.not_ready_reason() : "";
      if (reason.empty()) return ApiResponse::Text("ready\n");
      return ApiResponse::Text("not ready: " + reason + "\n", 503);
    });
    for (const auto& route : deps.routes) AddRoute(route);
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpServerDeps deps, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(deps), clock)) {
  impl_->Routes();
}

HttpServer::~HttpServer() { Stop(); }

// Answered on the listener's I/O threads: what monitoring polls must never wait behind a
// report or a large export.
static bool IsInlinePath(std::string_view path) {
  return path == "/metrics" || path == "/healthz" || path == "/readyz" ||
         path == "/api/v1/steady-state";
}

Status HttpServer::Start() {
  HttpTransportOptions transport;
  transport.host = impl_->options.host;
  transport.port = impl_->options.port;
  transport.threads = impl_->options.threads;
  transport.max_body_bytes = impl_->options.max_body_bytes;
  transport.max_connections = impl_->options.max_connections;
  transport.max_connections_per_client = impl_->options.max_connections_per_client;
  transport.inline_path = &IsInlinePath;
  impl_->transport = std::make_unique<HttpTransport>(
      transport, [this](HttpRequestData& request) { return impl_->Dispatch(request); },
      impl_->clock);
  auto port = impl_->transport->Start();
  if (!port.ok()) return port.error();
  impl_->loopback_only = impl_->transport->loopback_only();
  impl_->port = *port;
  return OkStatus();
}

HttpReply HttpServer::Handle(HttpRequestData& request) const { return impl_->Dispatch(request); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (impl_->transport) impl_->transport->Stop();
}

}  // namespace steadystate::http
