// The incident routes of the HTTP API (DESIGN.md §6), added to the daemon's server:
//   GET  /api/v1/incidents?since&until&service&format=json|csv&limit&cursor
//   POST /api/v1/import/pagerduty?since&until   (write: bearer token) runs an import now
//        and answers its summary; 400 when pagerduty: is not configured.
#pragma once

#include <vector>

#include "exporters/incident_reports.h"
#include "http/server.h"

namespace steadystate::app {

class IncidentSync;

// The incident list carries the correlation fields computed from `sources`; it pages
// (limit, cursor: http/list_paging.h) over the incidents of `store`, which must
// outlive the routes, as must the store of `sources`. `sync` may be null (no pagerduty:
// section).
std::vector<http::ApiRoute> IncidentRoutes(const exporters::IncidentReportSources& sources,
                                           store::Store& store, IncidentSync* sync);

}  // namespace steadystate::app
