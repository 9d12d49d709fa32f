// HostMetrics: exposes the latest host snapshot under node_exporter's metric names and
// meanings (so its PromQL and Grafana dashboards work unchanged), plus steadystate's
// utilisation ratios. Built at scrape time from the last snapshot: a scrape never reads
// /proc itself. Thread-safe: Update from the sampler, Collect from HTTP threads.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>

#include "collector/host/sampler.h"

namespace steadystate::exporters {

class HostMetrics final : public prometheus::Collectable {
 public:
  void Update(collector::HostSnapshot snapshot, collector::HostUtilisation utilisation);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const collector::HostSnapshot> snapshot_;
  std::shared_ptr<const collector::HostUtilisation> utilisation_;
};

}  // namespace steadystate::exporters
