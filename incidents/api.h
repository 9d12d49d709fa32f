// The incident routes of the HTTP API (DESIGN.md §6), added to the daemon's server:
//   GET  /api/v1/incidents?since&until&service&format=json|csv&limit&cursor
//   POST /api/v1/import/pagerduty?since&until   (write: bearer token) runs an import now
//        and answers its summary; 400 when pagerduty: is not configured.
//   GET  /api/v1/metrics/incidents, /api/v1/reports/before-after,
//        /api/v1/reports/attacks/{id}: the metrics and reports of incidents/report_sources.h
#pragma once

#include <vector>

#include "http/server.h"
#include "incidents/incident_sync.h"
#include "incidents/report_sources.h"

namespace steadystate::incidents {

// The incident list carries the correlation fields computed from `sources`; it pages
// (limit, cursor: http/list_paging.h) over the incidents of `store`, which must
// outlive the routes, as must the store of `sources`. `sync` may be null (no pagerduty:
// section).
std::vector<http::ApiRoute> IncidentRoutes(const IncidentReportSources& sources,
                                           store::Store& store, IncidentSync* sync);

// The three report GET routes; each keeps its own copy of `sources`. HTML answers carry
// the CSP with a fresh nonce, the others X-Content-Type-Options: nosniff.
std::vector<http::ApiRoute> IncidentReportRoutes(const IncidentReportSources& sources);

}  // namespace steadystate::incidents
