// SLI and error-budget math (docs/slos.md). Every ratio is a quotient of summed counts, never
// an average of per-minute ratios, and a range without probes is "no data" (nullopt), never
// 100% or 0%.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/time.h"
#include "config/config.h"
#include "store/rollup.h"

namespace steadystate::slo {

// Good and total events of an SLI over some range: probes (Occurrences) or timeslices
// (Timeslices: total = slices that have data, good = slices meeting timeslice_objective).
struct Counts {
  uint64_t good = 0;
  uint64_t total = 0;
  bool no_data() const { return total == 0; }
  Counts& operator+=(const Counts& o) {
    good += o.good;
    total += o.total;
    return *this;
  }
  friend bool operator==(const Counts&, const Counts&) = default;
};

// The probe counts `slo` judges in `rollup`: availability counts successful probes; a
// latency SLO (`threshold` set) counts latency_good, the probes that succeeded within the
// threshold, as the prober classified them against the service's latency threshold.
Counts ProbeCounts(const config::SloConfig& slo, const store::Rollup& rollup);

// good / total, nullopt when total == 0.
std::optional<double> Ratio(const Counts& counts);

// ratio >= objective, forgiving the rounding of decimal objectives (999/1000 meets 99.9%
// although 99.9 / 100 is 0.99900000000000011 in binary).
inline bool MeetsObjective(double ratio, double objective) { return ratio + 1e-12 >= objective; }

// The SLO's objective as a ratio (99.9 -> 0.999) and its error budget (1 - objective).
double ObjectiveRatio(const config::SloConfig& slo);
double ErrorBudget(const config::SloConfig& slo);

// One timeslice: its start and its probe counts.
struct Timeslice {
  Timestamp start;
  Counts probes;
};

// Groups minute rollups (in time order, as ScanRollups reports them) into timeslices of
// `slo.timeslice`, aligned to multiples of the slice length since the Unix epoch. Minutes
// without probes add nothing; a slice with no probes at all is not emitted.
class TimesliceBuilder {
 public:
  explicit TimesliceBuilder(const config::SloConfig& slo) : slo_(slo) {}
  void Add(Timestamp minute, const store::Rollup& rollup);
  const std::vector<Timeslice>& slices() const { return slices_; }

 private:
  const config::SloConfig& slo_;
  std::vector<Timeslice> slices_;
};

// Timeslice counts over the slices that start in [from, to): total = slices with data,
// good = slices whose good/total >= timeslice_objective. Slices without data are excluded.
Counts TimesliceCounts(const config::SloConfig& slo, const std::vector<Timeslice>& slices,
                       Timestamp from, Timestamp to);

struct Budget {
  // 1 - bad / (budget * total). Negative once the budget is overspent (never clamped);
  // nullopt with no data.
  std::optional<double> remaining_ratio;
  // remaining_ratio * budget * window length; negative when overspent.
  std::optional<Duration> remaining;
  bool exhausted = false;  // remaining_ratio <= 0
};

Budget ErrorBudgetRemaining(const config::SloConfig& slo, const Counts& counts,
                            Duration window_length);

// Burn rate: the error ratio (1 - good/total) divided by the error budget. 1 spends the
// budget exactly over the window; nullopt with no data.
std::optional<double> BurnRate(const config::SloConfig& slo, const Counts& counts);

}  // namespace steadystate::slo
