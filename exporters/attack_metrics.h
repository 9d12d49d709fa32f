// AttackMetrics: chaos attack windows for Grafana annotations and alert inhibition, built
// at scrape time from the attack log (windows are few):
//   steadystate_attack_active{type,target}   1 per running window and target (target=""
//                                             for a window that names none)
//   steadystate_attacks_total{type,outcome}  windows that ended, by outcome
// Thread-safe if the source is.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <vector>

#include "chaos/attack.h"
#include "common/result.h"

namespace steadystate::exporters {

class AttackMetrics final : public prometheus::Collectable {
 public:
  using Source = std::function<Result<std::vector<chaos::Attack>>()>;
  explicit AttackMetrics(Source source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Source source_;
};

}  // namespace steadystate::exporters
