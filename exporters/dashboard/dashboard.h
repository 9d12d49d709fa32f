// The company-wide SLA dashboard (DESIGN.md §6, docs/dashboard.md): GET / and
// GET /services/{name} as ApiRoutes of the daemon's one HTTP port. Handlers build the view
// model (exporters/dashboard/model.h) and render it (html.h) on each request; they run on
// the HTTP thread pool and are thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "common/clock.h"
#include "exporters/dashboard/model.h"
#include "exporters/http_server.h"

namespace steadystate::exporters::dashboard {

// The routes; `sources` (and the clock) must outlive the server they are added to.
std::vector<ApiRoute> DashboardRoutes(DashboardSources sources, const Clock& clock);

}  // namespace steadystate::exporters::dashboard
