#include "incidents/api.h"

#include "http/csp.h"
#include "http/list_paging.h"
#include "incidents/incident_sources.h"
#include "incidents/incident_sync.h"
#include "incidents/summary.h"

namespace steadystate::incidents {
namespace {

using http::ApiRequest;
using http::ApiResponse;
using http::ApiRoute;

ApiResponse ListIncidents(const IncidentReportSources& sources, store::Store& store,
                          const ApiRequest& request) {
  auto since = http::TimeParam(request, "since");
  if (!since.ok()) return ApiResponse::Error(400, since.error().message);
  auto until = http::TimeParam(request, "until");
  if (!until.ok()) return ApiResponse::Error(400, until.error().message);
  auto paging = http::ParsePageParams(request, http::kIncidentCursor);
  if (!paging.ok()) return ApiResponse::Error(400, paging.error().message);
  const std::string format = request.Param("format", "json");
  auto page = CorrelatedIncidentPage(sources, store, *since, *until, request.Param("service"),
                                     format, paging->after, paging->limit);
  if (!page.ok()) return ApiResponse::FromError(page.error());
  ApiResponse response;
  if (format == "csv") response.content_type = "text/csv";
  response.body = std::move(page->body);
  http::AddNextPageHeaders(response, request, http::kIncidentCursor, page->next);
  return response;
}

ApiResponse ImportPagerDuty(IncidentSync* sync, const ApiRequest& request) {
  if (sync == nullptr) {
    return ApiResponse::Error(400, "pagerduty: is not configured on this daemon");
  }
  auto since = http::TimeParam(request, "since");
  if (!since.ok()) return ApiResponse::Error(400, since.error().message);
  auto until = http::TimeParam(request, "until");
  if (!until.ok()) return ApiResponse::Error(400, until.error().message);
  if (*until && !*since) return ApiResponse::Error(400, "until: needs since");
  auto summary = sync->Import(*since, *until);
  if (!summary.ok()) {
    // PagerDuty's own refusal (401, bad input) is the caller's to fix; the rest is ours.
    const bool upstream = summary.error().code == ErrorCode::kUnavailable;
    return upstream ? ApiResponse::Error(502, summary.error().message)
                    : ApiResponse::FromError(summary.error());
  }
  return ApiResponse::Json(200, pagerduty::ImportSummaryToJson(*summary));
}

ApiResponse ToResponse(const Result<RenderedReport>& r) {
  if (!r.ok()) return ApiResponse::FromError(r.error());
  ApiResponse out;
  out.content_type = r->content_type;
  out.body = r->body;
  if (out.content_type.starts_with("text/html")) {
    http::ApplyContentSecurityPolicy(out, {}, http::NewCspNonce());
  } else {
    out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  return out;
}

}  // namespace

std::vector<ApiRoute> IncidentRoutes(const IncidentReportSources& sources, store::Store& store,
                                     IncidentSync* sync) {
  std::vector<ApiRoute> routes;
  routes.push_back(
      {ApiRoute::Method::kGet, "/api/v1/incidents", false,
       [sources, &store](const ApiRequest& r) { return ListIncidents(sources, store, r); }});
  routes.push_back({ApiRoute::Method::kPost, "/api/v1/import/pagerduty", true,
                    [sync](const ApiRequest& r) { return ImportPagerDuty(sync, r); }});
  return routes;
}

std::vector<ApiRoute> IncidentReportRoutes(const IncidentReportSources& sources) {
  std::vector<ApiRoute> routes;
  routes.push_back({ApiRoute::Method::kGet, "/api/v1/metrics/incidents", false,
                    [sources](const ApiRequest& request) {
                      auto since = http::TimeParam(request, "since");
                      if (!since.ok()) return ApiResponse::FromError(since.error());
                      auto until = http::TimeParam(request, "until");
                      if (!until.ok()) return ApiResponse::FromError(until.error());
                      auto group_by = ParseGroupBy(request.Param("group_by", "none"));
                      if (!group_by.ok()) return ApiResponse::FromError(group_by.error());
                      return ToResponse(IncidentMetricsExport(sources, *since, *until, *group_by,
                                                              request.Param("format", "json")));
                    }});
  routes.push_back({ApiRoute::Method::kGet, "/api/v1/reports/before-after", false,
                    [sources](const ApiRequest& request) {
                      if (!request.HasParam("cutover")) {
                        return ApiResponse::Error(400, "cutover: required (RFC 3339)");
                      }
                      auto cutover = http::TimeParam(request, "cutover");
                      if (!cutover.ok()) return ApiResponse::FromError(cutover.error());
                      auto window = ParseDuration(request.Param("window", "90d"));
                      if (!window.ok())
                        return ApiResponse::Error(400, "window: " + window.error().message);
                      return ToResponse(BeforeAfterReportFor(sources, **cutover, *window,
                                                             request.Param("format", "html"),
                                                             request.Param("time_zone")));
                    }});
  routes.push_back({ApiRoute::Method::kGet, "/api/v1/reports/attacks/{}", false,
                    [sources](const ApiRequest& request) {
                      return ToResponse(AttackReportFor(sources, request.matches.at(0),
                                                        request.Param("format", "html"),
                                                        request.Param("time_zone")));
                    }});
  return routes;
}

}  // namespace steadystate::incidents
