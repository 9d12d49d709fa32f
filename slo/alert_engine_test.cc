#include "slo/alert_engine.h"

#include <gtest/gtest.h>

#include "slo/burn_rate.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

class AlertEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    engine_.reset();
    store_.reset();
    store_ = steadystate::test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    engine_ = std::make_unique<AlertEngine>(
        *store_, clock_,
        [this](const Alert& a, TransitionKind k) { transitions_.emplace_back(a, k); },
        [this] { return attacks_; });
    ASSERT_TRUE(engine_->Load().ok());
  }

  void Cpu(std::optional<double> value) { engine_->Evaluate(rule_, {{{}, value}}); }

  // For a breach pending `pending_for` (monotonic) so far: evaluates it 1 s before its
  // `for` ends, when it must not fire, and when it ends, when it must.
  void ExpectFiresWhenForEnds(Duration pending_for) {
    clock_.Advance(rule_.for_duration - pending_for - seconds(1));
    Cpu(0.9);
    EXPECT_TRUE(transitions_.empty()) << "fired early";
    clock_.Advance(seconds(1));
    Cpu(0.9);
    ASSERT_EQ(transitions_.size(), 1u) << "not fired when `for` ended";
    EXPECT_EQ(transitions_[0].second, TransitionKind::kFired);
  }

  steadystate::test_support::TempDir dir_;
  FakeClock clock_;
  ThresholdRule rule_{"HostCpuHigh", "cpu_utilisation", 0.8, 0.75, minutes(2), "warning"};
  std::vector<AttackContext> attacks_;
  std::vector<std::pair<Alert, TransitionKind>> transitions_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AlertEngine> engine_;
};

TEST_F(AlertEngineTest, FiresOnceAfterForAndResolvesWithTheSameKey) {
  Cpu(0.9);
  clock_.Advance(minutes(1));
  Cpu(0.9);
  EXPECT_TRUE(transitions_.empty());
  ASSERT_EQ(engine_->Snapshot().size(), 1u);
  EXPECT_EQ(engine_->Snapshot()[0].state, AlertState::kPending);
  clock_.Advance(minutes(1));
  Cpu(0.95);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].second, TransitionKind::kFired);
  clock_.Advance(seconds(5));
  Cpu(0.95);
  EXPECT_EQ(transitions_.size(), 1u);
  Cpu(0.5);
  ASSERT_EQ(transitions_.size(), 2u);
  EXPECT_EQ(transitions_[1].second, TransitionKind::kResolved);
  EXPECT_EQ(transitions_[1].first.InstanceKey(), transitions_[0].first.InstanceKey());
}

TEST_F(AlertEngineTest, RecordsTheChaosAttackRunningAtFiring) {
  attacks_ = {{"01JATTACK", "cpu", "ana", "burn"}};
  rule_.for_duration = seconds(0);
  Cpu(0.99);
  ASSERT_EQ(transitions_.size(), 1u);
  ASSERT_EQ(transitions_[0].first.attacks.size(), 1u);
  EXPECT_EQ(transitions_[0].first.attacks[0].id, "01JATTACK");
}

TEST_F(AlertEngineTest, RestartKeepsAFiringAlertWithoutPagingAgain) {
  rule_.for_duration = seconds(0);
  Cpu(0.99);
  ASSERT_EQ(transitions_.size(), 1u);
  Open();  // a restart: new engine over the same data
  ASSERT_EQ(engine_->Snapshot().size(), 1u);
  EXPECT_EQ(engine_->Snapshot()[0].state, AlertState::kFiring);
  Cpu(0.99);
  EXPECT_EQ(transitions_.size(), 1u);
  Cpu(0.1);
  ASSERT_EQ(transitions_.size(), 2u);
  EXPECT_EQ(transitions_[1].second, TransitionKind::kResolved);
}

TEST_F(AlertEngineTest, RestartKeepsThePendingClock) {
  Cpu(0.9);
  clock_.Advance(minutes(1));
  Open();
  clock_.Advance(minutes(1));
  Cpu(0.9);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].second, TransitionKind::kFired);
}

// `for` runs on the monotonic clock: a wall-clock step of a day either way neither fires a
// pending alert early nor keeps it pending (a missed page).
TEST_F(AlertEngineTest, AWallClockStepForwardDoesNotFireAPendingAlert) {
  Cpu(0.9);
  clock_.SetWall(clock_.Now() + days(1));
  clock_.Advance(seconds(1));
  Cpu(0.9);
  EXPECT_TRUE(transitions_.empty());
  ExpectFiresWhenForEnds(seconds(1));
}

TEST_F(AlertEngineTest, AWallClockStepBackDoesNotDelayAPendingAlert) {
  Cpu(0.9);
  clock_.SetWall(clock_.Now() - days(1));
  ExpectFiresWhenForEnds(Duration{0});
}

// A burn-rate tier's `for` is the same state machine on the same clock.
TEST_F(AlertEngineTest, BurnRateForRunsOnTheMonotonicClock) {
  BurnRateTier tier = DefaultBurnRateTiers()[0];
  tier.for_duration = minutes(5);
  const ThresholdRule rule = BurnRateRule(tier);
  const auto burning = [&] {
    engine_->Evaluate(rule, {{BurnRateLabels(tier, "checkout", "availability"), 2.0}});
  };
  burning();
  clock_.SetWall(clock_.Now() + days(1));
  burning();
  EXPECT_TRUE(transitions_.empty());
  clock_.SetWall(clock_.Now() - days(2));
  clock_.AdvanceMonotonic(minutes(5));  // five minutes pass; the wall clock is a day behind
  burning();
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].first.name, "SloBurnRatePage1h5m");
  EXPECT_EQ(transitions_[0].second, TransitionKind::kFired);
}

TEST_F(AlertEngineTest, ResolvedAlertsExpireOnTheMonotonicClock) {
  rule_.for_duration = seconds(0);
  Cpu(0.9);
  Cpu(0.1);
  ASSERT_EQ(engine_->Snapshot().size(), 1u);
  clock_.SetWall(clock_.Now() + days(1));
  Cpu(0.1);
  ASSERT_EQ(engine_->Snapshot().size(), 1u) << "a wall-clock step must not expire it";
  clock_.AdvanceMonotonic(minutes(16));
  Cpu(0.1);
  EXPECT_TRUE(engine_->Snapshot().empty());
}

// After a restart a pending alert's age is read off its wall-clock active_at once. When the
// wall clock went back while the daemon was down, that age is "just now", not negative:
// the alert fires one `for` after the restart, not a day later.
TEST_F(AlertEngineTest, RestartAfterAWallClockStepBackRestartsTheForClock) {
  Cpu(0.9);
  clock_.SetWall(clock_.Now() - days(1));
  Open();
  ExpectFiresWhenForEnds(Duration{0});
}

TEST_F(AlertEngineTest, SeriesAreSeparateAlertsAndResolvedOnesExpire) {
  rule_.for_duration = seconds(0);
  engine_->Evaluate(rule_, {{{{"mountpoint", "/"}}, 0.9}, {{{"mountpoint", "/srv"}}, 0.1}});
  ASSERT_EQ(engine_->Snapshot().size(), 1u);
  EXPECT_EQ(engine_->Snapshot()[0].labels.at("mountpoint"), "/");
  engine_->Evaluate(rule_, {{{{"mountpoint", "/"}}, 0.1}});
  ASSERT_EQ(engine_->Snapshot().size(), 1u);
  EXPECT_EQ(engine_->Snapshot()[0].state, AlertState::kResolved);
  clock_.Advance(minutes(16));
  engine_->Evaluate(rule_, {{{{"mountpoint", "/"}}, 0.1}});
  EXPECT_TRUE(engine_->Snapshot().empty());
  Open();
  EXPECT_TRUE(engine_->Snapshot().empty());
}

TEST_F(AlertEngineTest, HistoryKeepsEveryFiringEpisodeAfterItExpires) {
  rule_.for_duration = seconds(0);
  const Timestamp first = clock_.Now();
  Cpu(0.9);  // fires
  clock_.Advance(minutes(3));
  Cpu(0.1);  // resolves
  clock_.Advance(minutes(20));
  Cpu(0.1);  // the resolved alert expires from the snapshot
  EXPECT_TRUE(engine_->Snapshot().empty());
  const Timestamp second = clock_.Now();
  Cpu(0.95);  // a second episode, still firing
  Open();     // history and the firing alert survive a restart; history is not "active"
  ASSERT_EQ(engine_->Snapshot().size(), 1u);

  auto all = engine_->History(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].fired_at, first);
  EXPECT_EQ((*all)[0].state, AlertState::kResolved);
  EXPECT_EQ((*all)[0].resolved_at, first + minutes(3));
  EXPECT_EQ((*all)[1].fired_at, second);
  EXPECT_EQ((*all)[1].state, AlertState::kFiring);

  auto later = engine_->History(first + minutes(1), std::nullopt);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].fired_at, second);
  auto earlier = engine_->History(std::nullopt, second);
  ASSERT_TRUE(earlier.ok());
  ASSERT_EQ(earlier->size(), 1u);
  EXPECT_EQ((*earlier)[0].fired_at, first);
}

TEST_F(AlertEngineTest, RetainDropsRemovedRules) {
  rule_.for_duration = seconds(0);
  Cpu(0.99);
  engine_->Retain({"SomethingElse"});
  EXPECT_TRUE(engine_->Snapshot().empty());
  Open();
  EXPECT_TRUE(engine_->Snapshot().empty());
}

}  // namespace
}  // namespace steadystate::slo
