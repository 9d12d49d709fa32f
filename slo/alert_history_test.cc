#include "slo/alert_history.h"

#include <gtest/gtest.h>

#include "slo/alert_engine.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::slo {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class AlertHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = steadystate::test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
  }

  // Fires an alert at clock_.Now() through an engine, then drops the engine.
  void FireOnce(const std::string& rule_name) {
    AlertEngine engine(
        *store_, clock_, [](const Alert&, TransitionKind) {},
        [] { return std::vector<AttackContext>{}; });
    ASSERT_TRUE(engine.Load().ok());
    const ThresholdRule rule{rule_name, "cpu_utilisation", 0.8, 0.75, seconds(0), "warning"};
    engine.Evaluate(rule, {{{}, 0.9}});
  }

  steadystate::test_support::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AlertHistoryTest, ReadsWhatAnEngineRecordedWithoutAnEngine) {
  const Timestamp first = clock_.Now();
  FireOnce("A");
  clock_.Advance(minutes(5));
  const Timestamp second = clock_.Now();
  FireOnce("B");  // "A" stays firing: a live record beside the history

  auto all = ReadAlertHistory(*store_, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "A");
  EXPECT_EQ((*all)[0].fired_at, first);
  EXPECT_EQ((*all)[1].name, "B");
  EXPECT_EQ((*all)[1].fired_at, second);

  auto later = ReadAlertHistory(*store_, first + minutes(1), std::nullopt);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].name, "B");
  auto earlier = ReadAlertHistory(*store_, std::nullopt, second);
  ASSERT_TRUE(earlier.ok());
  ASSERT_EQ(earlier->size(), 1u);
  EXPECT_EQ((*earlier)[0].name, "A");
}

TEST_F(AlertHistoryTest, SkipsUnreadableRecordsAndReadsOnlyHistoryKeys) {
  Alert alert;
  alert.name = "A";
  alert.state = AlertState::kFiring;
  alert.active_at = clock_.Now();
  alert.fired_at = clock_.Now();
  const std::string key = AlertHistoryKey(alert);
  EXPECT_EQ(key.rfind(kAlertHistoryPrefix, 0), 0u);
  ASSERT_TRUE(store_->PutRecord(store::Family::kAlerts, key, AlertToJson(alert)).ok());
  ASSERT_TRUE(store_->PutRecord(store::Family::kAlerts, "history/0/broken", "{").ok());
  ASSERT_TRUE(store_->PutRecord(store::Family::kAlerts, "live", AlertToJson(alert)).ok());
  auto all = ReadAlertHistory(*store_, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "A");
}

}  // namespace
}  // namespace steadystate::slo
