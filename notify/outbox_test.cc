#include "notify/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "notify/notifiers.h"
#include "store/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/notify_alerts.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::notify {
namespace {

using ::steadystate::notify::test_support::FiringAlert;
using ::steadystate::notify::test_support::LogCapture;
using ::steadystate::notify::test_support::NotificationCount;
using ::steadystate::notify::test_support::Resolved;
using ::steadystate::test_support::FakeReceiver;
using ::steadystate::test_support::FakeResponse;
using ::steadystate::test_support::TempDir;
using ::testing::HasSubstr;
using Json = nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kRoutingKey[] = "0123456789abcdef0123456789abcdef";

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest() {
    pd_.SetDefault(FakeResponse::PagerDutyAccepted());
    slack_.SetDefault(FakeResponse::SlackOk());
    OpenAll();
  }

  // Builds the notifiers, opens the store and the outbox: what the daemon does at start.
  void OpenAll(bool with_pagerduty = true) {
    NotifierOptions options;
    options.hostname = "web-1";
    options.timeout = milliseconds(300);
    notifiers_.clear();
    if (with_pagerduty) {
      notifiers_.push_back(std::make_unique<PagerDutyNotifier>(
          "pd", pd_.url() + "/v2/enqueue", config::Secret(kRoutingKey), *http_, options));
    }
    notifiers_.push_back(std::make_unique<SlackNotifier>(
        "slack", config::Secret(slack_.url() + "/services/T0/B0/x"), *http_, options));
    store::Options store_options;
    store_options.path = dir_ / "data";
    auto store = store::Store::Open(store_options, clock_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    OutboxOptions outbox_options;
    outbox_options.seed = 42;
    auto outbox = Outbox::Open(*store_, clock_, registry_, notifiers_, outbox_options);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(outbox).value();
  }

  // Destroys the outbox and closes the store, as a daemon restart does.
  void CloseAll() {
    outbox_.reset();
    store_.reset();
  }

  Notification Trigger(const std::string& notifier = "pd") const {
    return {Notification::Kind::kTrigger, notifier, FiringAlert(alert_start_)};
  }
  Notification Resolve(const std::string& notifier = "pd") const {
    return {Notification::Kind::kResolve, notifier,
            Resolved(FiringAlert(alert_start_), alert_start_ + minutes(10))};
  }

  std::vector<Json> PagerDutyBodies() const {
    std::vector<Json> out;
    for (const auto& r : pd_.Requests()) out.push_back(Json::parse(r.body));
    return out;
  }
  double Count(const std::string& notifier, const std::string& result) {
    return NotificationCount(registry_, notifier, result);
  }

  TempDir dir_;
  FakeClock clock_;
  const Timestamp alert_start_ = clock_.Now() - minutes(3);
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  FakeReceiver pd_;
  FakeReceiver slack_;
  prometheus::Registry registry_;
  std::vector<std::unique_ptr<Notifier>> notifiers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(OutboxTest, RetriesWithBackoffUntilPagerDutyAccepts) {
  pd_.Script(FakeResponse::Status(429, R"({"status":"throttle event"})"));
  pd_.Script(FakeResponse::Status(500, "oops"));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());

  EXPECT_EQ(outbox_->RunOnce().retried, 1);
  EXPECT_EQ(pd_.RequestCount(), 1u);
  EXPECT_EQ(outbox_->RunOnce().waiting, 1);  // the 1s backoff has not passed
  EXPECT_EQ(pd_.RequestCount(), 1u);

  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce().retried, 1);
  EXPECT_EQ(pd_.RequestCount(), 2u);
  clock_.Advance(seconds(1));  // the second backoff is up to 2s
  outbox_->RunOnce();
  clock_.Advance(seconds(1));
  outbox_->RunOnce();
  ASSERT_EQ(pd_.RequestCount(), 3u);
  EXPECT_EQ(outbox_->size(), 0u);

  clock_.Advance(minutes(10));
  EXPECT_EQ(outbox_->RunOnce().sent, 0);
  EXPECT_EQ(pd_.RequestCount(), 3u);  // accepted once, never sent again

  const auto bodies = PagerDutyBodies();
  for (const auto& body : bodies) {
    EXPECT_EQ(body["event_action"], "trigger");
    EXPECT_EQ(body["dedup_key"], Trigger().alert.InstanceKey());
  }
  EXPECT_EQ(Count("pd", "retry"), 2);
  EXPECT_EQ(Count("pd", "sent"), 1);
  EXPECT_EQ(Count("pd", "rejected"), 0);
}

TEST_F(OutboxTest, BackoffDoublesAndIsCappedAtFiveMinutes) {
  pd_.SetDefault(FakeResponse::Status(503));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);
  // Attempt n waits between 0.8 and 1 times min(2^(n-1) s, 5m).
  for (int attempt = 2; attempt <= 14; ++attempt) {
    const auto ceiling = std::min<milliseconds>(seconds(1 << (attempt - 2)), minutes(5));
    const auto floor = ceiling * 8 / 10;
    clock_.Advance(floor - milliseconds(1));
    ASSERT_EQ(outbox_->RunOnce().retried, 0) << "attempt " << attempt << " came early";
    clock_.Advance(ceiling - floor + milliseconds(1));
    ASSERT_EQ(outbox_->RunOnce().retried, 1) << "attempt " << attempt << " came late";
  }
  EXPECT_EQ(pd_.RequestCount(), 14u);
}

TEST_F(OutboxTest, RestartBetweenAttemptsLosesNothingAndDeliversOnce) {
  pd_.Script(FakeResponse::Status(502));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);

  CloseAll();
  OpenAll();
  EXPECT_EQ(outbox_->size(), 1u);
  EXPECT_EQ(outbox_->RunOnce().waiting, 1);  // the backoff survives the restart
  EXPECT_EQ(pd_.RequestCount(), 1u);
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce().sent, 1);
  EXPECT_EQ(outbox_->size(), 0u);

  CloseAll();
  OpenAll();
  EXPECT_EQ(outbox_->size(), 0u);
  clock_.Advance(minutes(10));
  outbox_->RunOnce();
  ASSERT_EQ(pd_.RequestCount(), 2u);
  const auto bodies = PagerDutyBodies();
  EXPECT_EQ(bodies[0]["dedup_key"], bodies[1]["dedup_key"]);
  // The registry outlived the restart, so the counts carry on.
  EXPECT_EQ(Count("pd", "retry"), 1);
  EXPECT_EQ(Count("pd", "sent"), 1);
}

TEST_F(OutboxTest, EnqueuedNotificationIsDurableBeforeAnyDelivery) {
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_TRUE(outbox_->Enqueue(Resolve()).ok());
  CloseAll();  // "crash" before the first RunOnce
  OpenAll();
  ASSERT_EQ(outbox_->size(), 2u);
  EXPECT_EQ(outbox_->RunOnce().sent, 2);
  const auto bodies = PagerDutyBodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]["event_action"], "trigger");
  EXPECT_EQ(bodies[1]["event_action"], "resolve");
}

TEST_F(OutboxTest, RejectedNotificationIsDroppedAndCounted) {
  pd_.Script(FakeResponse::PagerDutyInvalid());
  LogCapture capture;
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  EXPECT_EQ(outbox_->RunOnce().rejected, 1);
  EXPECT_EQ(outbox_->size(), 0u);
  clock_.Advance(minutes(10));
  outbox_->RunOnce();
  EXPECT_EQ(pd_.RequestCount(), 1u);
  EXPECT_EQ(Count("pd", "rejected"), 1);
  EXPECT_EQ(Count("pd", "retry"), 0);
  EXPECT_THAT(capture.text(), HasSubstr("Length of 'routing_key' is incorrect"));
  EXPECT_THAT(capture.text(), ::testing::Not(HasSubstr(kRoutingKey)));

  CloseAll();
  OpenAll();
  EXPECT_EQ(outbox_->size(), 0u);
}

TEST_F(OutboxTest, SlackRetryAfterIsHonoured) {
  slack_.Script(FakeResponse::RateLimited(30, "rate_limited"));
  ASSERT_TRUE(outbox_->Enqueue(Trigger("slack")).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);
  for (int s = 0; s < 29; ++s) {
    clock_.Advance(seconds(1));
    outbox_->RunOnce();
  }
  EXPECT_EQ(slack_.RequestCount(), 1u) << "retried before Retry-After";
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce().sent, 1);
  EXPECT_EQ(slack_.RequestCount(), 2u);
  EXPECT_EQ(Count("slack", "retry"), 1);
  EXPECT_EQ(Count("slack", "sent"), 1);
}

TEST_F(OutboxTest, RetryAfterPausesTheWholeNotifier) {
  slack_.Script(FakeResponse::RateLimited(30));
  ASSERT_TRUE(outbox_->Enqueue(Trigger("slack")).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);
  Notification other = Trigger("slack");
  other.alert.labels["instance"] = "web-2";  // a different alert: not held by ordering
  ASSERT_TRUE(outbox_->Enqueue(other).ok());
  clock_.Advance(seconds(10));
  outbox_->RunOnce();
  EXPECT_EQ(slack_.RequestCount(), 1u);
  clock_.Advance(seconds(20));
  EXPECT_EQ(outbox_->RunOnce().sent, 2);
}

TEST_F(OutboxTest, TimeoutIsRetried) {
  FakeResponse slow = FakeResponse::PagerDutyAccepted();
  slow.delay = seconds(3);  // the notifiers time out after 300ms
  pd_.Script(slow);
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  EXPECT_EQ(outbox_->RunOnce().retried, 1);
  EXPECT_EQ(outbox_->size(), 1u);
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce().sent, 1);
  EXPECT_EQ(Count("pd", "retry"), 1);
  EXPECT_EQ(Count("pd", "sent"), 1);
}

TEST_F(OutboxTest, ReceiverThatCutsTheResponseShortIsRetried) {
  FakeResponse cut = FakeResponse::PagerDutyAccepted();
  cut.fault = FakeResponse::Fault::kTruncateBody;
  pd_.Script(cut);
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  EXPECT_EQ(outbox_->RunOnce().retried, 1);
  clock_.Advance(seconds(1));
  EXPECT_EQ(outbox_->RunOnce().sent, 1);
}

TEST_F(OutboxTest, ResolveWaitsForItsTriggerThatNeedsRetries) {
  pd_.Script(FakeResponse::Status(500));
  pd_.Script(FakeResponse::Status(503));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_TRUE(outbox_->Enqueue(Resolve()).ok());

  auto stats = outbox_->RunOnce();
  EXPECT_EQ(stats.retried, 1);
  EXPECT_EQ(stats.waiting, 1);  // the resolve is held behind its trigger
  clock_.Advance(seconds(1));
  outbox_->RunOnce();
  clock_.Advance(seconds(2));
  stats = outbox_->RunOnce();
  EXPECT_EQ(stats.sent, 2);

  std::vector<std::string> actions;
  for (const auto& body : PagerDutyBodies()) actions.push_back(body["event_action"]);
  EXPECT_THAT(actions, ::testing::ElementsAre("trigger", "trigger", "trigger", "resolve"));
  EXPECT_EQ(PagerDutyBodies().back()["dedup_key"], PagerDutyBodies().front()["dedup_key"]);
}

TEST_F(OutboxTest, OrderSurvivesAWallClockStepBackAndARestart) {
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  clock_.SetWall(clock_.Now() - hours(1));  // NTP step or a time-travel attack
  ASSERT_TRUE(outbox_->Enqueue(Resolve()).ok());
  CloseAll();
  OpenAll();
  EXPECT_EQ(outbox_->RunOnce().sent, 2);
  const auto bodies = PagerDutyBodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]["event_action"], "trigger");
  EXPECT_EQ(bodies[1]["event_action"], "resolve");
}

TEST_F(OutboxTest, AWallClockJumpDoesNotExpireQueuedNotifications) {
  pd_.Script(FakeResponse::Status(500));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);
  clock_.SetWall(clock_.Now() + hours(48));
  clock_.Advance(seconds(1));
  auto stats = outbox_->RunOnce();
  EXPECT_EQ(stats.expired, 0);
  EXPECT_EQ(stats.sent, 1);
}

// Backoff waits are monotonic: a day's wall-clock step either way neither brings a retry
// forward nor holds it back, and time that passes with the wall clock standing still counts.
TEST_F(OutboxTest, BackoffIgnoresWallClockSteps) {
  pd_.SetDefault(FakeResponse::Status(503));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);  // the next try is 0.8 to 1 s later
  clock_.SetWall(clock_.Now() + hours(24));
  EXPECT_EQ(outbox_->RunOnce().retried, 0) << "a step forward brought the retry forward";
  clock_.AdvanceMonotonic(seconds(1));
  ASSERT_EQ(outbox_->RunOnce().retried, 1);  // the next try is 1.6 to 2 s later
  clock_.SetWall(clock_.Now() - hours(48));
  clock_.AdvanceMonotonic(milliseconds(1500));
  EXPECT_EQ(outbox_->RunOnce().retried, 0);
  clock_.AdvanceMonotonic(milliseconds(500));
  EXPECT_EQ(outbox_->RunOnce().retried, 1) << "a step back held the retry back";
  EXPECT_EQ(pd_.RequestCount(), 3u);
}

TEST_F(OutboxTest, GivesUpAfterTwentyFourHours) {
  pd_.SetDefault(FakeResponse::Status(500));
  LogCapture capture;
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  int expired = 0;
  for (int i = 0; i < 400 && expired == 0; ++i) {
    expired += outbox_->RunOnce().expired;
    clock_.Advance(minutes(5));
  }
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(outbox_->size(), 0u);
  EXPECT_EQ(Count("pd", "expired"), 1);
  // Every 5 minutes once the backoff is capped: about 24h / 5m attempts.
  EXPECT_GT(Count("pd", "retry"), 250);
  EXPECT_LT(Count("pd", "retry"), 300);
  EXPECT_THAT(capture.text(), HasSubstr("giving up"));
}

TEST_F(OutboxTest, DropsNotificationsForANotifierNoLongerConfigured) {
  pd_.SetDefault(FakeResponse::Status(500));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_TRUE(outbox_->Enqueue(Trigger("slack")).ok());
  CloseAll();
  LogCapture capture;
  OpenAll(/*with_pagerduty=*/false);
  auto stats = outbox_->RunOnce();
  EXPECT_EQ(stats.dropped, 1);
  EXPECT_EQ(stats.sent, 1);
  EXPECT_EQ(outbox_->size(), 0u);
  EXPECT_EQ(pd_.RequestCount(), 0u);
  EXPECT_THAT(capture.text(), HasSubstr("notifier pd is no longer configured"));
}

TEST_F(OutboxTest, EnqueueForAnUnknownNotifierFails) {
  Status status = outbox_->Enqueue(Trigger("nope"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(status.error().message, HasSubstr("nope"));
  EXPECT_EQ(outbox_->size(), 0u);
}

TEST_F(OutboxTest, OneFailingNotifierDoesNotHoldUpAnother) {
  pd_.SetDefault(FakeResponse::Status(500));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_TRUE(outbox_->Enqueue(Trigger("slack")).ok());
  auto stats = outbox_->RunOnce();
  EXPECT_EQ(stats.retried, 1);
  EXPECT_EQ(stats.sent, 1);
  EXPECT_EQ(slack_.RequestCount(), 1u);
}

TEST_F(OutboxTest, EnqueueWhileDeliveringLosesAndDuplicatesNothing) {
  constexpr int kAlerts = 40;
  std::thread producer([&] {
    for (int i = 0; i < kAlerts; ++i) {
      Notification n = Trigger();
      n.alert.labels["instance"] = "web-" + std::to_string(i);
      ASSERT_TRUE(outbox_->Enqueue(n).ok());
    }
  });
  int sent = 0;
  const bool all_sent = ::steadystate::test_support::WaitFor([&] {
    sent += outbox_->RunOnce().sent;
    return sent >= kAlerts;
  });
  producer.join();
  ASSERT_TRUE(all_sent) << sent;
  EXPECT_EQ(outbox_->RunOnce().sent, 0);
  std::set<std::string> keys;
  for (const auto& body : PagerDutyBodies()) keys.insert(body["dedup_key"].get<std::string>());
  EXPECT_EQ(pd_.RequestCount(), static_cast<size_t>(kAlerts));
  EXPECT_EQ(keys.size(), static_cast<size_t>(kAlerts));
}

TEST_F(OutboxTest, StoreRecordHoldsAttemptsAndNextAttempt) {
  pd_.Script(FakeResponse::Status(500, "boom"));
  ASSERT_TRUE(outbox_->Enqueue(Trigger()).ok());
  ASSERT_EQ(outbox_->RunOnce().retried, 1);
  std::vector<Json> records;
  ASSERT_TRUE(store_
                  ->ScanRecords(store::Family::kOutbox, "",
                                [&](std::string_view, std::string_view value) {
                                  records.push_back(Json::parse(value));
                                  return true;
                                })
                  .ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["kind"], "trigger");
  EXPECT_EQ(records[0]["notifier"], "pd");
  EXPECT_EQ(records[0]["attempts"], 1);
  EXPECT_THAT(records[0]["last_error"].get<std::string>(), HasSubstr("HTTP 500 boom"));
  auto next = ParseRfc3339(records[0]["next_attempt_at"].get<std::string>());
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, clock_.Now());
  EXPECT_LE(*next, clock_.Now() + seconds(1));
  EXPECT_EQ(records[0]["alert"]["name"], "HostCpuHigh");
}

}  // namespace
}  // namespace steadystate::notify
