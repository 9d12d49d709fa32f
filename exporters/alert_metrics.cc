#include "exporters/alert_metrics.h"

#include <prometheus/metric_family.h>

namespace steadystate::exporters {

std::vector<prometheus::MetricFamily> AlertMetrics::Collect() const {
  prometheus::MetricFamily family{
      "steadystate_alerts",
      "Pending and firing alerts (1 per alert), labelled like Prometheus' ALERTS.",
      prometheus::MetricType::Gauge,
      {}};
  for (const auto& alert : source_()) {
    if (alert.state != slo::AlertState::kPending && alert.state != slo::AlertState::kFiring) {
      continue;
    }
    prometheus::ClientMetric m;
    // Sorted names, as Prometheus writes ALERTS: alertname, alertstate, then the rest.
    m.label.push_back({"alertname", alert.name});
    m.label.push_back({"alertstate", std::string(slo::ToString(alert.state))});
    for (const auto& [k, v] : alert.labels) {
      if (k != "alertname" && k != "alertstate") m.label.push_back({k, v});
    }
    m.gauge.value = 1;
    family.metric.push_back(std::move(m));
  }
  return {family};
}

std::string AlertsJson(const std::vector<slo::Alert>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) out += ',';
    out += slo::AlertToJson(alerts[i]);
  }
  return out + "]";
}

}  // namespace steadystate::exporters
