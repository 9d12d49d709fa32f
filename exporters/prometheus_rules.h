// `steadystate rules prometheus`: Prometheus recording and alerting rules for a fleet of
// steadystate agents (DESIGN.md §8), generated from a config so the fleet's alerts match
// what each agent alerts on locally:
//
//   - recording rules for per-host CPU, memory and filesystem utilisation from the
//     node_exporter-compatible series (so hosts running node_exporter are covered too);
//   - one alerting rule per `alerts:` entry, with the same threshold, `for`, hysteresis
//     (recover_below, through ALERTS) and severity;
//   - HostCpuOutlier: a host far above the fleet's CPU average (needs 3+ hosts);
//   - the SLO burn-rate tiers over every configured service and SLO, on
//     steadystate_burn_rate, with each SLO's scaled threshold.
//
// The output is a rules file `promtool check rules` accepts. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "slo/burn_rate.h"

namespace steadystate::exporters {

std::string PrometheusRules(const config::Config& config,
                            const std::vector<slo::BurnRateTier>& tiers);

}  // namespace steadystate::exporters
