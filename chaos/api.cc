#include "chaos/api.h"

#include <spdlog/spdlog.h>

#include <string>

#include "common/text.h"
#include "common/time.h"
#include "http/list_paging.h"

namespace steadystate::chaos {
namespace {

using http::ApiRequest;
using http::ApiResponse;
using http::ApiRoute;

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ';';
    out += item;
  }
  return out;
}

std::string AttacksCsv(const std::vector<Attack>& attacks) {
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

std::string AttacksJson(const std::vector<Attack>& attacks) {
  std::string out = "[";
  for (size_t i = 0; i < attacks.size(); ++i) {
    if (i > 0) out += ',';
    out += AttackToJson(attacks[i]);
  }
  return out + "]";
}

}  // namespace

std::vector<ApiRoute> AttackRoutes(AttackLog& attacks) {
  using M = ApiRoute::Method;
  std::vector<ApiRoute> routes;
  routes.push_back({M::kGet, "/api/v1/attacks", false, [&attacks](const ApiRequest& request) {
                      auto since = http::TimeParam(request, "since");
                      auto until = http::TimeParam(request, "until");
                      if (!since.ok()) return ApiResponse::Error(400, since.error().message);
                      if (!until.ok()) return ApiResponse::Error(400, until.error().message);
                      const std::string format = request.Param("format", "json");
                      if (format != "json" && format != "csv") {
                        return ApiResponse::Error(
                            400, "format: \"" + format + "\" is not one of: json, csv");
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
                    }});
  routes.push_back({M::kGet, "/api/v1/attacks/{}", false, [&attacks](const ApiRequest& request) {
                      auto attack = attacks.Get(request.matches[0]);
                      if (!attack.ok()) return ApiResponse::FromError(attack.error());
                      if (!attack->has_value()) {
                        return ApiResponse::Error(
                            404, "no attack with id \"" + request.matches[0] + "\"");
                      }
                      return ApiResponse::Json(200, AttackToJson(**attack));
                    }});
  routes.push_back({M::kPost, "/api/v1/attacks", true, [&attacks](const ApiRequest& request) {
                      auto attack = ParseAttackStart(request.body);
                      if (!attack.ok()) return ApiResponse::Error(400, attack.error().message);
                      auto started = attacks.Start(std::move(*attack));
                      if (!started.ok()) return ApiResponse::FromError(started.error());
                      spdlog::info("attack {} started: type={} name=\"{}\"", started->id,
                                   started->type, started->name);
                      return ApiResponse::Json(201, AttackToJson(*started));
                    }});
  routes.push_back(
      {M::kPost, "/api/v1/attacks/{}/end", true, [&attacks](const ApiRequest& request) {
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
       }});
  return routes;
}

}  // namespace steadystate::chaos
