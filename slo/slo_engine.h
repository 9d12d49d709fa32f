// SloEngine: evaluates every service x SLO from the store's minute rollups (series
// store::SeriesName::Probe(service)) and keeps the latest results for readers: the API
// (/api/v1/services, /api/v1/steady-state), the Prometheus collectable and the burn-rate alert
// rules.
//
// One Evaluate() per round (the daemon calls it on its scheduler, e.g. every 10s). Occurrence
// SLOs read summed counts with Store::SumRollups (hourly sums for whole hours), one read per
// distinct range per service, so 50 services x 30-day windows take a few milliseconds.
// Timeslice SLOs scan the minute rollups of their window (and of the 3d lookback).
//
// Thread safety: Evaluate() runs on one thread at a time (the scheduler); Latest() may be
// called from any thread and returns an immutable snapshot.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "slo/alert_engine.h"
#include "slo/burn_rate.h"
#include "slo/sli.h"
#include "slo/steady_state.h"
#include "slo/window.h"
#include "store/store.h"

namespace steadystate::slo {

struct SloStatus {
  config::SloConfig config;
  double objective = 0;  // ratio, 0.999
  Window window;
  Counts counts;              // over [window.start, min(now, window.end))
  std::optional<double> sli;  // nullopt = no data
  Budget budget;
  // Burn rate per lookback (StandardLookbacks() plus every tier window); nullopt = no data.
  std::map<Duration, std::optional<double>> burn_rates;
  bool met = false;  // sli >= objective; false with no data
  // Over the steady-state window (steady_state.window, default 5m), judged by the one
  // steady-state judge (slo/steady_state.h): steady_met is steady_state == kHeld.
  Counts steady_counts;
  std::optional<double> steady_sli;
  SteadyState steady_state = SteadyState::kUnknown;
  bool steady_met = false;
  std::optional<std::string> error;  // a store read failed; the numbers above are empty

  bool no_data() const { return !sli.has_value(); }
};

struct ServiceStatus {
  std::string name;
  bool critical = false;
  std::vector<SloStatus> slos;
};

struct SloSnapshot {
  Timestamp evaluated_at;  // unset (the epoch) before the engine's first round
  bool evaluated() const { return evaluated_at != Timestamp{}; }
  Duration steady_window{0};            // steady_state.window at evaluation
  std::vector<ServiceStatus> services;  // in config order
  const ServiceStatus* Find(std::string_view name) const;
};

// The last probe of a service, as the prober knows it (the API passes it in).
struct LastProbe {
  Timestamp time;
  bool success = false;
  std::string error_class;  // empty on success
  double duration_seconds = 0;
};
using LastProbeLookup = std::function<std::optional<LastProbe>(std::string_view service)>;

class SloEngine {
 public:
  // `store` and `clock` must outlive the engine. Only services with SLOs are evaluated.
  SloEngine(std::vector<config::ServiceConfig> services, config::SteadyStateConfig steady_state,
            store::Store& store, const Clock& clock,
            std::vector<BurnRateTier> tiers = DefaultBurnRateTiers());

  // Evaluates every SLO at clock.Now() and publishes the snapshot. A failed store read marks
  // that SLO's `error` (and returns the first such error) but the round completes.
  Status Evaluate();

  // The latest snapshot (empty, evaluated_at = epoch, before the first Evaluate).
  std::shared_ptr<const SloSnapshot> Latest() const;

  // The burn-rate rules and, for the latest snapshot, their series: one AlertEngine::Evaluate
  // per rule after each Evaluate().
  const std::vector<BurnRateTier>& tiers() const { return tiers_; }
  void EvaluateAlerts(AlertEngine& alerts) const;

 private:
  Status PrefetchSums(const config::ServiceConfig& service, uint64_t series, Timestamp now,
                      std::map<std::pair<Timestamp, Timestamp>, store::Rollup>& sums);
  SloStatus EvaluateSlo(const config::SloConfig& slo, uint64_t series, Timestamp now,
                        std::map<std::pair<Timestamp, Timestamp>, store::Rollup>& sums,
                        Status& first_error);

  std::vector<config::ServiceConfig> services_;
  config::SteadyStateConfig steady_state_;
  store::Store& store_;
  const Clock& clock_;
  std::vector<BurnRateTier> tiers_;
  std::vector<Duration> lookbacks_;
  std::map<std::string, uint64_t> series_ids_;  // Evaluate thread only

  mutable std::mutex mu_;
  std::shared_ptr<const SloSnapshot> latest_;
};

// Burn-rate series of `tier` for every SLO in `snapshot` (no data -> nullopt value).
std::vector<RuleSeries> BurnRateSeries(const BurnRateTier& tier, const SloSnapshot& snapshot);

// JSON body of /api/v1/services.
std::string ServicesJson(const SloSnapshot& snapshot, const LastProbeLookup& last_probe);

struct SteadyStateService {
  std::string name;
  bool ok = false;
  std::vector<std::string> reasons;  // why not ok
};
struct SteadyStateReport {
  bool ok = false;  // every chosen service ok (true when none is chosen)
  std::vector<SteadyStateService> services;
  std::vector<std::string> reasons;  // why not ok, beyond the services' own
};

// /api/v1/steady-state: `services_param` is the comma-separated `service` query value; empty
// means every critical service. A service holds steady state when every SLO is met over the
// steady-state window (no data is not met) and its last probe succeeded. An unknown name is
// kInvalidInput (HTTP 400) naming it. Before the SLO engine's first round (the snapshot's
// evaluated_at unset) nothing can be vouched for: not ok, whatever the services, with a
// reason that says so.
Result<SteadyStateReport> SteadyState(const SloSnapshot& snapshot, std::string_view services_param,
                                      const LastProbeLookup& last_probe);
// {"ok": bool, "services": [{"name", "ok", "reasons": [...]}]}, and "reasons": [...] at the
// top when the report has its own; HTTP 200 if ok else 503.
std::string SteadyStateJson(const SteadyStateReport& report);

// "5m", "30m", "1h", "6h", "1d", "3d": the window label of a lookback.
std::string LookbackLabel(Duration lookback);

}  // namespace steadystate::slo
