#include "exporters/read_api.h"

#include <memory>

#include "exporters/alert_metrics.h"

namespace steadystate::exporters {

std::vector<http::ApiRoute> ReadApiRoutes(ReadApiSources sources) {
  using http::ApiRequest;
  using http::ApiResponse;
  using M = http::ApiRoute::Method;
  auto s = std::make_shared<const ReadApiSources>(std::move(sources));
  std::vector<http::ApiRoute> routes;
  routes.push_back({M::kGet, "/metrics", false, [s](const ApiRequest&) {
                      auto out = ApiResponse::Text(s->metrics->Serialize());
                      out.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      return out;
                    }});
  routes.push_back({M::kGet, "/api/v1/alerts", false, [s](const ApiRequest&) {
                      return ApiResponse::Json(
                          200, AlertsJson(s->alerts ? s->alerts() : std::vector<slo::Alert>{}));
                    }});
  routes.push_back({M::kGet, "/api/v1/services", false, [s](const ApiRequest&) {
                      return ApiResponse::Json(
                          200, s->services_json ? s->services_json() : "{\"services\":[]}");
                    }});
  routes.push_back({M::kGet, "/api/v1/steady-state", false, [s](const ApiRequest& request) {
                      if (!s->steady_state)
                        return ApiResponse::Error(503, "no services are configured");
                      auto answer = s->steady_state(request.Param("service"));
                      if (!answer.ok()) return ApiResponse::Error(400, answer.error().message);
                      return ApiResponse::Json(answer->first, answer->second);
                    }});
  return routes;
}

}  // namespace steadystate::exporters
