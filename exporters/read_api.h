// The routes monitoring systems poll (docs/api.md):
//
//   GET /metrics                         the Prometheus text exposition of `metrics`
//   GET /api/v1/alerts                   the current alerts
//   GET /api/v1/services                 every service's SLOs, budgets and last probe
//   GET /api/v1/steady-state?service=a,b 200 when the services are in steady state, else 503
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "exporters/metrics.h"
#include "http/server.h"
#include "slo/alert.h"

namespace steadystate::exporters {

struct ReadApiSources {
  const Metrics* metrics = nullptr;  // must outlive the routes
  // Current alerts; empty function = none.
  std::function<std::vector<slo::Alert>()> alerts;
  // The /api/v1/services body. Empty function = no services configured.
  std::function<std::string()> services_json;
  // {status, body} for the services named (comma-separated, empty = all), or an error (400)
  // naming a bad service. Empty function = 503 "no services are configured".
  std::function<Result<std::pair<int, std::string>>(std::string_view services)> steady_state;
};

std::vector<http::ApiRoute> ReadApiRoutes(ReadApiSources sources);

}  // namespace steadystate::exporters
