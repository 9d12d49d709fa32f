#include "slo/alert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using ::testing::HasSubstr;

ThresholdRule CpuRule(Duration for_duration) {
  return ThresholdRule{"HostCpuHigh", "cpu_utilisation", 0.80, 0.75, for_duration, "warning"};
}

// One evaluation at `t` on both clocks (they move together unless a test steps one).
TransitionKind StepAt(Alert& alert, const ThresholdRule& rule, std::optional<double> value,
                      Timestamp t) {
  return Step(alert, rule, value, t, MonotonicTime{t.time_since_epoch()});
}

Alert NewAlert() {
  Alert a;
  a.name = "HostCpuHigh";
  a.labels = {{"alertname", "HostCpuHigh"}, {"severity", "warning"}};
  return a;
}

TEST(AlertStep, GoesPendingThenFiringAfterFor) {
  const auto rule = CpuRule(seconds(120));
  Alert a = NewAlert();
  Timestamp t{seconds(1000)};
  EXPECT_EQ(StepAt(a, rule, 0.5, t), TransitionKind::kNone);
  EXPECT_EQ(StepAt(a, rule, 0.9, t + seconds(5)), TransitionKind::kPending);
  EXPECT_EQ(a.active_at, t + seconds(5));
  EXPECT_EQ(StepAt(a, rule, 0.95, t + seconds(60)), TransitionKind::kNone);
  EXPECT_EQ(a.state, AlertState::kPending);
  EXPECT_EQ(StepAt(a, rule, 0.91, t + seconds(125)), TransitionKind::kFired);
  EXPECT_EQ(a.state, AlertState::kFiring);
  EXPECT_EQ(*a.fired_at, t + seconds(125));
  EXPECT_DOUBLE_EQ(a.value, 0.91);
}

TEST(AlertStep, ForZeroFiresAtOnce) {
  Alert a = NewAlert();
  EXPECT_EQ(StepAt(a, CpuRule(seconds(0)), 0.81, Timestamp{seconds(5)}), TransitionKind::kFired);
  EXPECT_EQ(a.state, AlertState::kFiring);
}

TEST(AlertStep, PendingIsCancelledWithoutNotifying) {
  const auto rule = CpuRule(seconds(120));
  Alert a = NewAlert();
  ASSERT_EQ(StepAt(a, rule, 0.9, Timestamp{seconds(0)}), TransitionKind::kPending);
  EXPECT_EQ(StepAt(a, rule, 0.79, Timestamp{seconds(10)}), TransitionKind::kCancelled);
  EXPECT_EQ(a.state, AlertState::kInactive);
  ASSERT_EQ(StepAt(a, rule, 0.9, Timestamp{seconds(20)}), TransitionKind::kPending);
  EXPECT_EQ(StepAt(a, rule, std::nullopt, Timestamp{seconds(30)}), TransitionKind::kCancelled);
}

TEST(AlertStep, FiringResolvesOnlyBelowRecoverThreshold) {
  const auto rule = CpuRule(seconds(0));
  Alert a = NewAlert();
  ASSERT_EQ(StepAt(a, rule, 0.9, Timestamp{seconds(0)}), TransitionKind::kFired);
  EXPECT_EQ(StepAt(a, rule, 0.78, Timestamp{seconds(5)}), TransitionKind::kNone);  // hysteresis
  EXPECT_EQ(StepAt(a, rule, std::nullopt, Timestamp{seconds(10)}), TransitionKind::kNone);
  EXPECT_EQ(a.state, AlertState::kFiring);
  EXPECT_EQ(StepAt(a, rule, 0.74, Timestamp{seconds(15)}), TransitionKind::kResolved);
  EXPECT_EQ(a.state, AlertState::kResolved);
  EXPECT_EQ(*a.resolved_at, Timestamp{seconds(15)});
}

TEST(AlertStep, ANewEpisodeGetsANewInstanceKey) {
  const auto rule = CpuRule(seconds(0));
  Alert a = NewAlert();
  ASSERT_EQ(StepAt(a, rule, 0.9, Timestamp{seconds(0)}), TransitionKind::kFired);
  const std::string first = a.InstanceKey();
  ASSERT_EQ(StepAt(a, rule, 0.1, Timestamp{seconds(5)}), TransitionKind::kResolved);
  ASSERT_EQ(StepAt(a, rule, 0.9, Timestamp{seconds(10)}), TransitionKind::kFired);
  EXPECT_NE(a.InstanceKey(), first);
  EXPECT_EQ(a.Fingerprint(), NewAlert().Fingerprint());
}

// A day's wall-clock step (NTP, a VM resume, a time-travel attack) 1 s into a 30 s `for`
// neither fires the alert early (+1 d) nor keeps it pending for a day (-1 d, a missed page).
// The stamps are wall time, step included.
TEST(AlertStep, AWallClockStepNeitherShortensNorStretchesFor) {
  const auto rule = CpuRule(seconds(30));
  for (const Duration step : {Duration{days(1)}, -Duration{days(1)}}) {
    SCOPED_TRACE(FormatDuration(step));
    Alert a = NewAlert();
    const Timestamp wall{days(400)};
    const MonotonicTime mono{seconds(50)};
    ASSERT_EQ(Step(a, rule, 0.9, wall, mono), TransitionKind::kPending);
    EXPECT_EQ(Step(a, rule, 0.9, wall + step, mono + seconds(1)), TransitionKind::kNone);
    EXPECT_EQ(Step(a, rule, 0.9, wall + step + seconds(28), mono + seconds(29)),
              TransitionKind::kNone);
    EXPECT_EQ(a.state, AlertState::kPending);
    EXPECT_EQ(Step(a, rule, 0.9, wall + step + seconds(29), mono + seconds(30)),
              TransitionKind::kFired);
    EXPECT_EQ(a.active_at, wall);
    EXPECT_EQ(*a.fired_at, wall + step + seconds(29));
  }
}

// Time that passes while the wall clock stands still (or is held back) still counts.
TEST(AlertStep, ForRunsOnMonotonicTimeAlone) {
  const auto rule = CpuRule(seconds(30));
  Alert a = NewAlert();
  const Timestamp wall{seconds(1000)};
  ASSERT_EQ(Step(a, rule, 0.9, wall, MonotonicTime{}), TransitionKind::kPending);
  EXPECT_EQ(Step(a, rule, 0.9, wall, MonotonicTime{seconds(30)}), TransitionKind::kFired);
  EXPECT_EQ(Step(a, rule, 0.1, wall, MonotonicTime{seconds(31)}), TransitionKind::kResolved);
  EXPECT_EQ(a.resolved_monotonic, MonotonicTime{seconds(31)});
}

TEST(Alert, SummaryNamesTheChaosAttack) {
  Alert a = NewAlert();
  a.value = 0.93;
  a.threshold = 0.8;
  EXPECT_EQ(a.Summary(), "HostCpuHigh: 0.93 above 0.80");
  a.attacks.push_back({"01JATTACK", "cpu", "ana", "burn web-1"});
  EXPECT_THAT(a.Summary(),
              HasSubstr("during chaos attack 01JATTACK (cpu \"burn web-1\", started by ana)"));
}

TEST(Alert, JsonRoundTrips) {
  Alert a = NewAlert();
  a.labels["mountpoint"] = "/srv";
  a.state = AlertState::kFiring;
  a.active_at = Timestamp{seconds(100)};
  a.fired_at = Timestamp{seconds(220)};
  a.value = 0.9;
  a.attacks.push_back({"01J", "cpu", "ana", "burn"});
  auto back = AlertFromJson(AlertToJson(a));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(AlertToJson(*back), AlertToJson(a));
  EXPECT_FALSE(AlertFromJson("[]").ok());
  EXPECT_FALSE(AlertFromJson(R"({"name":1})").ok());
}

}  // namespace
}  // namespace steadystate::slo
