// The company-wide SLA dashboard (DESIGN.md §6, docs/dashboard.md): GET / and
// GET /services/{name} as ApiRoutes of the daemon's one HTTP port. Handlers build the view
// model (dashboard/model.h) and render it (html.h) on each request; they run on
// the HTTP thread pool and are thread-safe.
#pragma once

#include <functional>
#include <vector>

#include "common/clock.h"
#include "dashboard/model.h"
#include "http/server.h"

namespace steadystate::dashboard {

struct Dashboard {
  std::vector<http::ApiRoute> routes;
  // Builds the overview once and drops it: reads the completed days of every 90-day strip
  // into the cache, the cost of a first view (~0.3 s of CPU for 200 services x 90 days),
  // so that it is not paid by a viewer. Run it off the request path after the first SLO
  // round, and then now and again (a new day per service after midnight). Thread-safe.
  std::function<void()> warm;
};

// `sources` (and the clock) must outlive the server the routes are added to.
Dashboard MakeDashboard(DashboardSources sources, const Clock& clock);

}  // namespace steadystate::dashboard
