#include "chaos/api.h"

#include <spdlog/spdlog.h>

#include <string>

#include "common/time.h"
#include "http/list_paging.h"

namespace steadystate::chaos {
namespace {

using http::ApiRequest;
using http::ApiResponse;
using http::ApiRoute;

ApiResponse List(AttackLog& attacks, const ApiRequest& request) {
  auto since = http::TimeParam(request, "since");
  auto until = http::TimeParam(request, "until");
  if (!since.ok()) return ApiResponse::Error(400, since.error().message);
  if (!until.ok()) return ApiResponse::Error(400, until.error().message);
  const std::string format = request.Param("format", "json");
  if (format != "json" && format != "csv") {
    return ApiResponse::Error(400, "format: \"" + format + "\" is not one of: json, csv");
  }
  auto paging = http::ParsePageParams(request, http::kAttackCursor);
  if (!paging.ok()) return ApiResponse::Error(400, paging.error().message);
  auto page = attacks.ListPage(*since, *until, paging->after, paging->limit);
  if (!page.ok()) return ApiResponse::FromError(page.error());
  ApiResponse out = ApiResponse::Json(200, AttacksJson(page->attacks));
  if (format == "csv") {
    out = ApiResponse::Text(AttacksCsv(page->attacks));
    out.content_type = "text/csv";
  }
  http::AddNextPageHeaders(out, request, http::kAttackCursor, page->next);
  return out;
}

ApiResponse Get(AttackLog& attacks, const ApiRequest& request) {
  auto attack = attacks.Get(request.matches[0]);
  if (!attack.ok()) return ApiResponse::FromError(attack.error());
  if (!attack->has_value()) {
    return ApiResponse::Error(404, "no attack with id \"" + request.matches[0] + "\"");
  }
  return ApiResponse::Json(200, AttackToJson(**attack));
}

ApiResponse Start(AttackLog& attacks, const ApiRequest& request) {
  auto attack = ParseAttackStart(request.body);
  if (!attack.ok()) return ApiResponse::Error(400, attack.error().message);
  auto started = attacks.Start(std::move(*attack));
  if (!started.ok()) return ApiResponse::FromError(started.error());
  spdlog::info("attack {} started: type={} name=\"{}\"", started->id, started->type, started->name);
  return ApiResponse::Json(201, AttackToJson(*started));
}

ApiResponse End(AttackLog& attacks, const ApiRequest& request) {
  auto end = ParseAttackEnd(request.body);
  if (!end.ok()) return ApiResponse::Error(400, end.error().message);
  auto ended = attacks.End(request.matches[0], *end);
  if (!ended.ok()) {
    ApiResponse refusal = ApiResponse::FromError(ended.error());
    if (ended.error().code == ErrorCode::kInvalidInput &&
        ended.error().message.find("already ended") != std::string::npos) {
      refusal.status = 409;
    }
    return refusal;
  }
  spdlog::info("attack {} ended: outcome={}", ended->id, ended->outcome);
  return ApiResponse::Json(200, AttackToJson(*ended));
}

}  // namespace

std::vector<ApiRoute> AttackRoutes(AttackLog& attacks) {
  using M = ApiRoute::Method;
  auto bind = [&attacks](ApiResponse (*handler)(AttackLog&, const ApiRequest&)) {
    return [&attacks, handler](const ApiRequest& request) { return handler(attacks, request); };
  };
  return {
      {M::kGet, "/api/v1/attacks", false, bind(&List)},
      {M::kGet, "/api/v1/attacks/{}", false, bind(&Get)},
      {M::kPost, "/api/v1/attacks", true, bind(&Start)},
      {M::kPost, "/api/v1/attacks/{}/end", true, bind(&End)},
  };
}

}  // namespace steadystate::chaos
