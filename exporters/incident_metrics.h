// IncidentMetrics: the incident and chaos numbers of DESIGN.md §6 for Prometheus, from a
// snapshot of the correlation engine's output (incidents/correlation.h):
//
//   steadystate_incidents_total{service,severity,chaos}   counter: incidents in the snapshot
//                                                          ("chaos" is "true" when attributed
//                                                          to an attack)
//   steadystate_incident_ttd_seconds{service,severity}    histograms of TTD, TTA and TTR
//   steadystate_incident_tta_seconds{service,severity}    (TTR of resolved incidents only)
//   steadystate_incident_ttr_seconds{service,severity}
//   steadystate_mtbf_seconds{service}                      gauge, services with >= 2 incidents
//   steadystate_detection_coverage_ratio                   gauge, once an attack broke an SLI
//
// Histogram buckets (seconds) are those an on-call engineer talks in, from "within a
// minute" to "took all day": 1m 2m 5m 10m 15m 30m 1h 2h 4h 8h 1d (+Inf). Negative durations
// (clock skew) count in every bucket and lower the sum, as observed; they are not dropped.
//
// The snapshot is aggregated when it is set, so a scrape costs a few hundred series,
// never a pass over the incidents. Thread-safe: Update from the importer's thread,
// Collect from HTTP threads.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "incidents/correlation.h"
#include "incidents/live_correlation.h"

namespace steadystate::exporters {

inline constexpr std::array<double, 11> kIncidentDurationBucketsSeconds = {
    60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400};

struct DurationHistogram {
  std::array<uint64_t, kIncidentDurationBucketsSeconds.size()> buckets{};  // not cumulative
  uint64_t count = 0;
  double sum = 0;
  void Observe(double seconds);
};

// What IncidentMetrics exposes, aggregated from one correlation.
struct IncidentMetricsSnapshot {
  // (service, severity, chaos) -> incidents
  std::map<std::tuple<std::string, std::string, bool>, uint64_t> incidents;
  struct Durations {
    DurationHistogram ttd, tta, ttr;
  };
  std::map<std::pair<std::string, std::string>, Durations> durations;  // (service, severity)
  std::map<std::string, double> mtbf_seconds;                          // by service
  std::optional<double> detection_coverage;
};

IncidentMetricsSnapshot MakeIncidentMetricsSnapshot(const incidents::Correlation& correlation);

class IncidentMetrics final : public prometheus::Collectable {
 public:
  void Update(IncidentMetricsSnapshot snapshot);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const IncidentMetricsSnapshot> snapshot_;
};

// Brings `live` up to date and, when more than the open incidents' ages changed, sets the
// snapshot /metrics serves from it (steadystate_incidents_total, the TTD/TTA/TTR
// histograms, MTBF, detection coverage).
Status RefreshIncidentMetrics(incidents::LiveCorrelation& live, IncidentMetrics& metrics);

}  // namespace steadystate::exporters
