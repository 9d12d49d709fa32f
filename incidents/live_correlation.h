// LiveCorrelation: the daemon's correlation of every stored incident (what /metrics
// shows), kept current by IncrementalCorrelation instead of correlated again every minute.
//
// Refresh reads what the full pass (CorrelateRange over all incidents) would read, but
// only what can have changed: the incidents when the store's incidents RecordsVersion
// moved, the attacks when the attacks' version moved or a stored attack's start was
// reached, and the alerts and failing stretches (not records: read each time, cheap next
// to the incidents). It passes the differences to IncrementalCorrelation, so the result
// equals CorrelateRange(sources, nullopt, nullopt) at the same instant. Reading a changed
// incidents family still lists it (the store keeps no log of changed keys); the
// correlation itself costs only what changed. When the span the inputs are read over
// moves (an incident older than every other arrives), it correlates everything again.
//
// Thread-safe: Refresh and Read may be called from any thread; they serialise.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "incidents/incremental_correlation.h"
#include "incidents/report_sources.h"

namespace steadystate::incidents {

class LiveCorrelation {
 public:
  // `sources` as for CorrelateRange; its store and clock must outlive this.
  explicit LiveCorrelation(IncidentReportSources sources);
  ~LiveCorrelation();

  // Brings the correlation up to date. True when something other than open incidents'
  // ages changed (the first call, changed inputs, a running attack whose window grew).
  Result<bool> Refresh();
  // Calls `fn` with the correlation of the last Refresh (none before the first one).
  void Read(const std::function<void(const Correlation&)>& fn) const;

 private:
  struct Versions {
    uint64_t incidents = 0;
    uint64_t attacks = 0;
    friend bool operator==(const Versions&, const Versions&) = default;
  };
  Versions Current() const;
  Result<bool> Rebuild(Timestamp now, Versions versions);
  Timestamp From(Timestamp first_created, Timestamp now) const;
  // Stored attacks overlapping [from, now), and those starting at or after now.
  Status ReadAttacks(Timestamp from, Timestamp now, std::vector<chaos::Attack>& current);
  Result<FailingStretches> ReadStretches(Timestamp from, Timestamp now) const;

  IncidentReportSources sources_;
  mutable std::mutex mu_;
  std::unique_ptr<IncrementalCorrelation> engine_;  // guarded by mu_
  Versions versions_;                               // guarded by mu_
  Timestamp from_;                                  // guarded by mu_
  std::vector<chaos::Attack> future_;  // guarded by mu_; by start, not yet begun at the last read
};

}  // namespace steadystate::incidents
