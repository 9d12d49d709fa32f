// SloCollectable: the SLO gauges of DESIGN.md §6 from the slo::SloEngine's latest snapshot, for
// the exporters' prometheus-cpp registry:
//
//   steadystate_slo_objective_ratio{service,slo}
//   steadystate_sli_ratio{service,slo,window}             window = "slo" (the SLO window)
//                                                        or "steady_state"
//   steadystate_error_budget_remaining_ratio{service,slo}
//   steadystate_burn_rate{service,slo,window}             window = 5m, 30m, 1h, 6h, 1d, 3d
//   steadystate_slo_met{service,slo}
//
// A series without data is omitted (never NaN, never 1). Thread-safe: Collect() only reads
// an immutable snapshot.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "slo/slo_engine.h"

namespace steadystate::exporters {

class SloCollectable final : public prometheus::Collectable {
 public:
  explicit SloCollectable(const slo::SloEngine& engine) : engine_(engine) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const slo::SloEngine& engine_;
};

// The families for one snapshot (what Collect returns), for tests and other exporters.
std::vector<prometheus::MetricFamily> SloMetricFamilies(const slo::SloSnapshot& snapshot);

}  // namespace steadystate::exporters
