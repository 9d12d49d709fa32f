#include "app/incident_api.h"

#include "app/incident_sync.h"
#include "exporters/csv.h"
#include "incidents/incident.h"
#include "incidents/incident_store.h"

namespace steadystate::app {
namespace {

using exporters::ApiRequest;
using exporters::ApiResponse;
using exporters::ApiRoute;

ApiResponse ListIncidents(store::Store& store, const ApiRequest& request) {
  auto since = exporters::TimeParam(request, "since");
  if (!since.ok()) return ApiResponse::Error(400, since.error().message);
  auto until = exporters::TimeParam(request, "until");
  if (!until.ok()) return ApiResponse::Error(400, until.error().message);
  const std::string format = request.Param("format", "json");
  if (format != "json" && format != "csv") {
    return ApiResponse::Error(400, "format: \"" + format + "\" is not one of: json, csv");
  }
  incidents::IncidentStore incidents(store);
  auto list = incidents.List({*since, *until, request.Param("service")});
  if (!list.ok()) return ApiResponse::FromError(list.error());
  ApiResponse response;
  if (format == "csv") {
    response.content_type = "text/csv";
    exporters::AppendCsvRow(response.body, incidents::IncidentFieldNames());
    for (const auto& incident : *list) {
      exporters::AppendCsvRow(response.body, incidents::IncidentCsvFields(incident));
    }
    return response;
  }
  response.body = "[";
  for (size_t i = 0; i < list->size(); ++i) {
    if (i > 0) response.body += ',';
    response.body += incidents::IncidentToJson((*list)[i]);
  }
  response.body += "]";
  return response;
}

ApiResponse ImportPagerDuty(IncidentSync* sync, const ApiRequest& request) {
  if (sync == nullptr) {
    return ApiResponse::Error(400, "pagerduty: is not configured on this daemon");
  }
  auto since = exporters::TimeParam(request, "since");
  if (!since.ok()) return ApiResponse::Error(400, since.error().message);
  auto until = exporters::TimeParam(request, "until");
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

std::vector<ApiRoute> IncidentRoutes(store::Store& store, IncidentSync* sync) {
  std::vector<ApiRoute> routes;
  routes.push_back({ApiRoute::Method::kGet, "/api/v1/incidents", false,
                    [&store](const ApiRequest& r) { return ListIncidents(store, r); }});
  routes.push_back({ApiRoute::Method::kPost, "/api/v1/import/pagerduty", true,
                    [sync](const ApiRequest& r) { return ImportPagerDuty(sync, r); }});
  return routes;
}

}  // namespace steadystate::app
