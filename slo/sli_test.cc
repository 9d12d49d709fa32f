#include "slo/sli.h"

#include <gtest/gtest.h>

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

config::SloConfig Slo(double objective) {
  config::SloConfig slo;
  slo.name = "availability";
  slo.objective_percent = objective;
  return slo;
}

store::Rollup R(uint64_t total, uint64_t good, uint64_t latency_good = 0) {
  store::Rollup r;
  r.total = total;
  r.good = good;
  r.latency_good = latency_good;
  return r;
}

TEST(Sli, AvailabilityCountsGoodLatencyCountsLatencyGood) {
  config::SloConfig availability = Slo(99);
  config::SloConfig latency = Slo(99);
  latency.threshold = std::chrono::milliseconds(300);
  EXPECT_EQ(ProbeCounts(availability, R(10, 9, 7)), (Counts{9, 10}));
  EXPECT_EQ(ProbeCounts(latency, R(10, 9, 7)), (Counts{7, 10}));
}

TEST(Sli, NoDataIsNeitherZeroNorOne) {
  EXPECT_FALSE(Ratio({0, 0}).has_value());
  EXPECT_FALSE(BurnRate(Slo(99.9), {0, 0}).has_value());
  Budget budget = ErrorBudgetRemaining(Slo(99.9), {0, 0}, days(30));
  EXPECT_FALSE(budget.remaining_ratio.has_value());
  EXPECT_FALSE(budget.remaining.has_value());
  EXPECT_FALSE(budget.exhausted);
}

TEST(Sli, RatioOfSumsNotAverageOfRatios) {
  // Minute 1: 1/1 good; minute 2: 0/99. Averaging the ratios would say 50%.
  Counts sum = ProbeCounts(Slo(99), R(1, 1));
  sum += ProbeCounts(Slo(99), R(99, 0));
  EXPECT_DOUBLE_EQ(*Ratio(sum), 0.01);
}

TEST(ErrorBudget, HalfSpent) {
  // 99.9% over 30d: budget 43.2 min. 5 bad of 10000 spends half of the 10 allowed.
  Budget budget = ErrorBudgetRemaining(Slo(99.9), {9995, 10000}, days(30));
  ASSERT_TRUE(budget.remaining_ratio.has_value());
  EXPECT_NEAR(*budget.remaining_ratio, 0.5, 1e-9);
  EXPECT_NEAR(ToSeconds(*budget.remaining), 1296, 1e-3);
  EXPECT_FALSE(budget.exhausted);
}

TEST(ErrorBudget, OverspentGoesNegativeAndIsFlagged) {
  Budget budget = ErrorBudgetRemaining(Slo(99.9), {9970, 10000}, days(30));
  EXPECT_NEAR(*budget.remaining_ratio, -2.0, 1e-9);
  EXPECT_NEAR(ToSeconds(*budget.remaining), -5184, 1e-3);
  EXPECT_TRUE(budget.exhausted);
}

TEST(BurnRate, ErrorRatioOverBudget) {
  EXPECT_NEAR(*BurnRate(Slo(99.9), {9856, 10000}), 14.4, 1e-9);
  EXPECT_NEAR(*BurnRate(Slo(99.9), {10000, 10000}), 0.0, 1e-12);
  EXPECT_NEAR(*BurnRate(Slo(99), {0, 10}), 100.0, 1e-9);
}

TEST(Timeslices, GoodSlicesOverSlicesWithData) {
  config::SloConfig slo = Slo(99);
  slo.budgeting = config::SloBudgeting::kTimeslices;
  slo.timeslice = minutes(5);
  slo.timeslice_objective_percent = 95;
  const Timestamp t0{days(20000)};  // a multiple of 5 minutes
  TimesliceBuilder builder(slo);
  // Slice 0: 60+60+60+60+60 probes, 14 bad -> 286/300 = 95.33% good.
  for (int m = 0; m < 5; ++m) builder.Add(t0 + minutes(m), R(60, m == 0 ? 46 : 60));
  // Slice 1: no data at all (excluded). Slice 2: 16 bad of 300 -> 94.67% bad.
  builder.Add(t0 + minutes(5), R(0, 0));
  builder.Add(t0 + minutes(10), R(300, 284));
  // Slice 3: exactly 95%: good.
  builder.Add(t0 + minutes(19), R(20, 19));
  ASSERT_EQ(builder.slices().size(), 3u);
  EXPECT_EQ(builder.slices()[1].start, t0 + minutes(10));
  EXPECT_EQ(TimesliceCounts(slo, builder.slices(), t0, t0 + minutes(20)), (Counts{2, 3}));
  EXPECT_EQ(TimesliceCounts(slo, builder.slices(), t0 + minutes(5), t0 + minutes(15)),
            (Counts{0, 1}));
  EXPECT_EQ(TimesliceCounts(slo, builder.slices(), t0 + minutes(20), t0 + minutes(40)),
            (Counts{0, 0}));
}

}  // namespace
}  // namespace steadystate::slo
