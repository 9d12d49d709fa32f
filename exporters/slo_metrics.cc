#include "exporters/slo_metrics.h"

#include <optional>
#include <string>

namespace steadystate::exporters {
namespace {

using slo::LookbackLabel;
using slo::ServiceStatus;
using slo::SloSnapshot;
using slo::SloStatus;

prometheus::MetricFamily Gauge(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

void Add(prometheus::MetricFamily& family, std::vector<prometheus::ClientMetric::Label> labels,
         std::optional<double> value) {
  if (!value) return;
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = *value;
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> SloMetricFamilies(const SloSnapshot& snapshot) {
  auto objective =
      Gauge("steadystate_slo_objective_ratio", "The SLO's objective as a ratio (0.999).");
  auto sli = Gauge("steadystate_sli_ratio",
                   "Good events over total events in the window; absent without data.");
  auto budget = Gauge("steadystate_error_budget_remaining_ratio",
                      "Share of the error budget left in the SLO window; negative when "
                      "overspent.");
  auto burn = Gauge("steadystate_burn_rate",
                    "Error ratio over the lookback window divided by the error budget.");
  auto met = Gauge("steadystate_slo_met", "1 when the SLI meets the objective, else 0.");
  for (const ServiceStatus& service : snapshot.services) {
    for (const SloStatus& slo : service.slos) {
      const std::string& name = slo.config.name;
      Add(objective, {{"service", service.name}, {"slo", name}}, slo.objective);
      Add(sli, {{"service", service.name}, {"slo", name}, {"window", "slo"}}, slo.sli);
      Add(sli, {{"service", service.name}, {"slo", name}, {"window", "steady_state"}},
          slo.steady_sli);
      Add(budget, {{"service", service.name}, {"slo", name}}, slo.budget.remaining_ratio);
      for (const auto& [lookback, rate] : slo.burn_rates) {
        Add(burn, {{"service", service.name}, {"slo", name}, {"window", LookbackLabel(lookback)}},
            rate);
      }
      Add(met, {{"service", service.name}, {"slo", name}}, slo.met ? 1.0 : 0.0);
    }
  }
  return {std::move(objective), std::move(sli), std::move(budget), std::move(burn), std::move(met)};
}

std::vector<prometheus::MetricFamily> SloCollectable::Collect() const {
  return SloMetricFamilies(*engine_.Latest());
}

}  // namespace steadystate::exporters
