// Chaos announcements (Notification::Kind::kAnnounce) through each notifier.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "notify/notification.h"
#include "notify/notifiers.h"
#include "notify/payloads.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_receiver.h"

namespace steadystate::notify {
namespace {

using nlohmann::json;
using steadystate::test_support::FakeReceiver;
using steadystate::test_support::FakeResponse;
using ::testing::HasSubstr;

Notification Announcement() {
  Notification n;
  n.kind = Notification::Kind::kAnnounce;
  n.notifier = "chaos";
  n.alert.name = "ChaosAttack";
  n.alert.labels = {{"attack_id", "01JABC"}};
  n.alert.active_at = *ParseRfc3339("2026-11-25T17:00:00Z");
  n.text = "cpu attack on web-1 started by alice, expected 5m [01JABC]";
  n.details = R"({"id":"01JABC","type":"cpu"})";
  return n;
}

TEST(Announcement, SurvivesTheOutboxRecord) {
  auto back = NotificationFromJson(NotificationToJson(Announcement()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, Notification::Kind::kAnnounce);
  EXPECT_EQ(back->text, Announcement().text);
  EXPECT_EQ(json::parse(back->details)["id"], "01JABC");
  EXPECT_EQ(back->alert.labels.at("attack_id"), "01JABC");
  EXPECT_EQ(ToString(Notification::Kind::kAnnounce), "announce");
}

TEST(Announcement, SlackGetsTheLine) {
  FakeReceiver slack(FakeResponse::SlackOk());
  auto http = NewCurlHttpClient();
  SlackNotifier notifier("chaos", config::Secret(slack.url() + "/services/T/B/x"), *http);
  auto result = notifier.Deliver(Announcement());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.message;
  ASSERT_EQ(slack.RequestCount(), 1u);
  auto body = json::parse(slack.Requests()[0].body);
  EXPECT_EQ(body["text"], ":test_tube: cpu attack on web-1 started by alice, expected 5m [01JABC]");
}

TEST(Announcement, WebhookGetsTheLineAndTheAttackInEitherFormat) {
  FakeReceiver hook(FakeResponse::Status(200));
  auto http = NewCurlHttpClient();
  FakeClock clock;
  for (auto format : {config::WebhookFormat::kAlertmanager, config::WebhookFormat::kJson}) {
    WebhookNotifier notifier("hook", hook.url() + "/x", format, *http, clock, {});
    EXPECT_EQ(notifier.Deliver(Announcement()).outcome, DeliveryResult::Outcome::kSent);
  }
  ASSERT_EQ(hook.RequestCount(), 2u);
  for (const auto& request : hook.Requests()) {
    auto body = json::parse(request.body);
    EXPECT_EQ(body["kind"], "chaos_announcement");
    EXPECT_EQ(body["attack"]["type"], "cpu");
    EXPECT_THAT(body["text"].get<std::string>(), HasSubstr("started by alice"));
  }
}

TEST(Announcement, PagerDutyGetsAChangeEventThatPagesNobody) {
  FakeReceiver pd(FakeResponse::Status(202, R"({"message":"Change event processed"})"));
  auto http = NewCurlHttpClient();
  NotifierOptions options;
  options.hostname = "web-1";
  PagerDutyNotifier notifier("pd", pd.url() + "/v2/enqueue",
                             config::Secret("0123456789abcdef0123456789abcdef"), *http, options);
  auto result = notifier.Deliver(Announcement());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.message;
  ASSERT_EQ(pd.RequestCount(), 1u);
  EXPECT_EQ(pd.Requests()[0].path, "/v2/change/enqueue");
  auto body = json::parse(pd.Requests()[0].body);
  EXPECT_EQ(body["routing_key"], "0123456789abcdef0123456789abcdef");
  EXPECT_FALSE(body.contains("event_action"));
  EXPECT_EQ(body["payload"]["summary"], Announcement().text);
  EXPECT_EQ(body["payload"]["timestamp"], "2026-11-25T17:00:00.000Z");
  EXPECT_EQ(body["payload"]["source"], "web-1");
}

TEST(Announcement, AlertmanagerIsSkippedWithoutARequest) {
  FakeReceiver am(FakeResponse::Status(200));
  auto http = NewCurlHttpClient();
  FakeClock clock;
  AlertmanagerNotifier notifier("am", am.url(), *http, clock, {});
  EXPECT_EQ(notifier.Deliver(Announcement()).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(am.RequestCount(), 0u);
}

TEST(Announcement, ChangeUrlSitsNextToTheEventsUrl) {
  EXPECT_EQ(PagerDutyChangeUrl("https://events.pagerduty.com/v2/enqueue"),
            "https://events.pagerduty.com/v2/change/enqueue");
  EXPECT_EQ(PagerDutyChangeUrl("http://127.0.0.1:9/custom"), "http://127.0.0.1:9/custom");
}

}  // namespace
}  // namespace steadystate::notify
