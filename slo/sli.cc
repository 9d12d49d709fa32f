#include "slo/sli.h"

#include <algorithm>
#include <chrono>

namespace steadystate::slo {

Counts ProbeCounts(const config::SloConfig& slo, const store::Rollup& rollup) {
  return {slo.threshold ? rollup.latency_good : rollup.good, rollup.total};
}

std::optional<double> Ratio(const Counts& counts) {
  if (counts.total == 0) return std::nullopt;
  return static_cast<double>(counts.good) / static_cast<double>(counts.total);
}

double ObjectiveRatio(const config::SloConfig& slo) { return slo.objective_percent / 100.0; }

double ErrorBudget(const config::SloConfig& slo) { return 1.0 - ObjectiveRatio(slo); }

void TimesliceBuilder::Add(Timestamp minute, const store::Rollup& rollup) {
  if (rollup.total == 0) return;
  const Duration slice = std::max(slo_.timeslice, Duration(std::chrono::minutes(1)));
  const Timestamp start{minute.time_since_epoch() - minute.time_since_epoch() % slice};
  if (slices_.empty() || slices_.back().start != start) slices_.push_back({start, {}});
  slices_.back().probes += ProbeCounts(slo_, rollup);
}

Counts TimesliceCounts(const config::SloConfig& slo, const std::vector<Timeslice>& slices,
                       Timestamp from, Timestamp to) {
  const double target = slo.timeslice_objective_percent / 100.0;
  auto first = std::lower_bound(slices.begin(), slices.end(), from,
                                [](const Timeslice& s, Timestamp t) { return s.start < t; });
  Counts counts;
  for (auto it = first; it != slices.end() && it->start < to; ++it) {
    const std::optional<double> ratio = Ratio(it->probes);
    if (!ratio) continue;
    ++counts.total;
    if (MeetsObjective(*ratio, target)) ++counts.good;
  }
  return counts;
}

Budget ErrorBudgetRemaining(const config::SloConfig& slo, const Counts& counts,
                            Duration window_length) {
  Budget out;
  if (counts.no_data()) return out;
  const double budget = ErrorBudget(slo);
  const double bad = static_cast<double>(counts.total - counts.good);
  const double ratio = 1.0 - bad / (budget * static_cast<double>(counts.total));
  out.remaining_ratio = ratio;
  out.remaining = std::chrono::round<Duration>(std::chrono::duration<double, std::milli>(
      ratio * budget * static_cast<double>(window_length.count())));
  out.exhausted = ratio <= 0;
  return out;
}

std::optional<double> BurnRate(const config::SloConfig& slo, const Counts& counts) {
  const std::optional<double> ratio = Ratio(counts);
  if (!ratio) return std::nullopt;
  return (1.0 - *ratio) / ErrorBudget(slo);
}

}  // namespace steadystate::slo
