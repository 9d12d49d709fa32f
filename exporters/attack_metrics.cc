#include "exporters/attack_metrics.h"

#include <prometheus/metric_family.h>

#include <map>
#include <utility>

namespace steadystate::exporters {

std::vector<prometheus::MetricFamily> AttackMetrics::Collect() const {
  prometheus::MetricFamily active{"steadystate_attack_active",
                                  "1 for each running chaos attack window and target.",
                                  prometheus::MetricType::Gauge,
                                  {}};
  prometheus::MetricFamily total{"steadystate_attacks_total",
                                 "Chaos attack windows that ended, by type and outcome.",
                                 prometheus::MetricType::Counter,
                                 {}};
  auto attacks = source_();
  if (!attacks.ok()) return {active, total};  // the store's own metrics say why
  std::map<std::pair<std::string, std::string>, double> active_pairs;
  std::map<std::pair<std::string, std::string>, double> totals;
  for (const auto& a : *attacks) {
    if (a.outcome == "running") {
      if (a.targets.empty()) active_pairs[{a.type, ""}] = 1;
      for (const auto& t : a.targets) active_pairs[{a.type, t}] = 1;
    } else {
      totals[{a.type, a.outcome}] += 1;
    }
  }
  for (const auto& [key, value] : active_pairs) {
    prometheus::ClientMetric m;
    m.label = {{"target", key.second}, {"type", key.first}};
    m.gauge.value = value;
    active.metric.push_back(std::move(m));
  }
  for (const auto& [key, value] : totals) {
    prometheus::ClientMetric m;
    m.label = {{"outcome", key.second}, {"type", key.first}};
    m.counter.value = value;
    total.metric.push_back(std::move(m));
  }
  return {active, total};
}

}  // namespace steadystate::exporters
