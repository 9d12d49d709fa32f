// AlertMetrics: `steadystate_alerts{alertname, alertstate, ...labels} 1` for every pending
// and firing alert, like Prometheus' ALERTS series, built at scrape time. Thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

#include "slo/alert.h"

namespace steadystate::exporters {

class AlertMetrics final : public prometheus::Collectable {
 public:
  using Source = std::function<std::vector<slo::Alert>()>;
  explicit AlertMetrics(Source source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

// The JSON array served at /api/v1/alerts.
std::string AlertsJson(const std::vector<slo::Alert>& alerts);

}  // namespace steadystate::exporters
