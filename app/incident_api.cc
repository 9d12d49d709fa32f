#include "app/incident_api.h"

#include "app/incident_sources.h"
#include "app/incident_sync.h"
#include "http/list_paging.h"

namespace steadystate::app {
namespace {

using http::ApiRequest;
using http::ApiResponse;
using http::ApiRoute;

ApiResponse ListIncidents(const exporters::IncidentReportSources& sources, store::Store& store,
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
  return ApiResponse::Json(200, incidents::pagerduty::ImportSummaryToJson(*summary));
}

}  // namespace

std::vector<ApiRoute> IncidentRoutes(const exporters::IncidentReportSources& sources,
                                     store::Store& store, IncidentSync* sync) {
  std::vector<ApiRoute> routes;
  routes.push_back(
      {ApiRoute::Method::kGet, "/api/v1/incidents", false,
       [sources, &store](const ApiRequest& r) { return ListIncidents(sources, store, r); }});
  routes.push_back({ApiRoute::Method::kPost, "/api/v1/import/pagerduty", true,
                    [sync](const ApiRequest& r) { return ImportPagerDuty(sync, r); }});
  return routes;
}

}  // namespace steadystate::app
