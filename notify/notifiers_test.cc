#include "notify/notifiers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "notify/notification.h"
#include "notify/payloads.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/notify_alerts.h"

namespace steadystate::notify {
namespace {

using ::steadystate::notify::test_support::FiringAlert;
using ::steadystate::notify::test_support::LogCapture;
using ::steadystate::notify::test_support::Resolved;
using ::steadystate::test_support::FakeReceiver;
using ::steadystate::test_support::FakeResponse;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kRoutingKey[] = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY32";

class NotifierTest : public ::testing::Test {
 protected:
  Notification Trigger() const {
    return {Notification::Kind::kTrigger, "n", FiringAlert(clock_.Now())};
  }
  Notification Resolve() const {
    return {Notification::Kind::kResolve, "n",
            Resolved(FiringAlert(clock_.Now()), clock_.Now() + std::chrono::minutes(9))};
  }
  NotifierOptions Options() const {
    NotifierOptions o;
    o.hostname = "web-1.example.com";
    o.external_url = "http://127.0.0.1:9470";
    return o;
  }
  Json Body(size_t i) const { return Json::parse(receiver_.Requests().at(i).body); }

  FakeClock clock_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  FakeReceiver receiver_;
};

// --- PagerDuty Events v2 -------------------------------------------------------------

class PagerDutyTest : public NotifierTest {
 protected:
  PagerDutyTest() { receiver_.SetDefault(FakeResponse::PagerDutyAccepted()); }
  PagerDutyNotifier pd_{"pd-oncall", receiver_.url() + "/v2/enqueue", config::Secret(kRoutingKey),
                        *http_, Options()};
};

TEST_F(PagerDutyTest, TriggerCarriesTheEventsV2Payload) {
  const Notification n = Trigger();
  DeliveryResult result = pd_.Deliver(n);
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.message;

  ASSERT_EQ(receiver_.RequestCount(), 1u);
  const auto request = receiver_.Requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v2/enqueue");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("authorization"), "");  // the Events API takes no auth header
  const Json body = Json::parse(request.body);
  EXPECT_EQ(body["routing_key"], kRoutingKey);
  EXPECT_EQ(body["event_action"], "trigger");
  EXPECT_EQ(body["dedup_key"], n.alert.InstanceKey());
  const Json& payload = body["payload"];
  EXPECT_EQ(payload["summary"], n.alert.Summary());
  EXPECT_EQ(payload["source"], "web-1.example.com");
  EXPECT_EQ(payload["severity"], "critical");
  EXPECT_EQ(payload["timestamp"], FormatRfc3339(*n.alert.fired_at));
  EXPECT_EQ(payload["class"], "HostCpuHigh");
  EXPECT_EQ(payload["component"], "host");
  EXPECT_EQ(payload["group"], "steadystate");
  const Json& details = payload["custom_details"];
  EXPECT_DOUBLE_EQ(details["value"].get<double>(), 0.93);
  EXPECT_DOUBLE_EQ(details["threshold"].get<double>(), 0.8);
  EXPECT_EQ(details["labels"]["instance"], "web-1");
  ASSERT_EQ(details["attacks"].size(), 1u);
  EXPECT_EQ(details["attacks"][0]["id"], "atk-1");
  EXPECT_EQ(details["attacks"][0]["type"], "cpu");
  EXPECT_EQ(details["attacks"][0]["created_by"], "alice");
  EXPECT_THAT(payload["summary"].get<std::string>(), HasSubstr("during chaos attack atk-1"));
}

TEST_F(PagerDutyTest, ResolveSendsOnlyKeyActionAndTheTriggersDedupKey) {
  ASSERT_EQ(pd_.Deliver(Trigger()).outcome, DeliveryResult::Outcome::kSent);
  ASSERT_EQ(pd_.Deliver(Resolve()).outcome, DeliveryResult::Outcome::kSent);
  ASSERT_EQ(receiver_.RequestCount(), 2u);
  const Json trigger = Body(0);
  const Json resolve = Body(1);
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["routing_key"], kRoutingKey);
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);
  EXPECT_EQ(resolve.size(), 3u) << resolve.dump();
}

TEST_F(PagerDutyTest, SummaryIsTruncatedTo1024Characters) {
  Notification n = Trigger();
  n.alert.labels["note"] = std::string(3000, 'x') + "\xc3\xa9";
  ASSERT_EQ(pd_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  const std::string summary = Body(0)["payload"]["summary"];
  EXPECT_LE(summary.size(), kPagerDutyMaxSummary);
  EXPECT_GE(summary.size(), kPagerDutyMaxSummary - 4);
  EXPECT_TRUE(summary.starts_with("HostCpuHigh: 0.93 above 0.80"));
  EXPECT_TRUE(summary.ends_with("..."));
}

TEST_F(PagerDutyTest, SeverityComesFromTheSeverityLabel) {
  for (const auto& [label, expected] :
       std::vector<std::pair<std::string, std::string>>{{"critical", "critical"},
                                                        {"error", "error"},
                                                        {"warning", "warning"},
                                                        {"info", "info"},
                                                        {"page", "critical"},
                                                        {"WARNING", "warning"},
                                                        {"", "warning"}}) {
    Notification n = Trigger();
    n.alert.labels["severity"] = label;
    EXPECT_EQ(PagerDutySeverity(n.alert), expected) << label;
  }
  Notification n = Trigger();
  n.alert.labels["severity"] = "info";
  ASSERT_EQ(pd_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(Body(0)["payload"]["severity"], "info");
}

TEST_F(PagerDutyTest, InvalidEventIsRejectedWithPagerDutysErrors) {
  receiver_.Script(FakeResponse::PagerDutyInvalid());
  DeliveryResult result = pd_.Deliver(Trigger());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kRejected);
  EXPECT_THAT(result.message, HasSubstr("Event object is invalid"));
  EXPECT_THAT(result.message, HasSubstr("Length of 'routing_key' is incorrect"));
  EXPECT_THAT(result.message, Not(HasSubstr(kRoutingKey)));
}

TEST_F(PagerDutyTest, RateLimitsAndServerErrorsAreRetried) {
  receiver_.Script(FakeResponse::Status(429, R"({"status":"throttled"})"));
  receiver_.Script(FakeResponse::Status(500));
  receiver_.Script(FakeResponse::Status(503));
  for (int i = 0; i < 3; ++i) {
    DeliveryResult result = pd_.Deliver(Trigger());
    EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kRetry) << result.message;
  }
}

TEST_F(PagerDutyTest, AVeryLongRuleNameStillGetsAValidDedupKey) {
  Notification n = Trigger();
  n.alert.name = std::string(300, 'A');
  ASSERT_EQ(pd_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  const std::string key = Body(0)["dedup_key"];
  EXPECT_LE(key.size(), kPagerDutyMaxDedupKey);
  EXPECT_EQ(key, PagerDutyDedupKey(n.alert));
}

// --- Slack ---------------------------------------------------------------------------

class SlackTest : public NotifierTest {
 protected:
  SlackTest() { receiver_.SetDefault(FakeResponse::SlackOk()); }
  std::string WebhookUrl() const { return receiver_.url() + "/services/T0001/B0001/SLACKSECRET"; }
  SlackNotifier slack_{"chaos-slack", config::Secret(WebhookUrl()), *http_, Options()};
};

TEST_F(SlackTest, MessageSaysStateValueAndChaosAttack) {
  DeliveryResult result = slack_.Deliver(Trigger());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.message;
  ASSERT_EQ(receiver_.RequestCount(), 1u);
  EXPECT_EQ(receiver_.Requests()[0].path, "/services/T0001/B0001/SLACKSECRET");
  const Json body = Body(0);
  const std::string text = body["text"];
  EXPECT_THAT(text, HasSubstr("FIRING"));
  EXPECT_THAT(text, HasSubstr("HostCpuHigh"));
  EXPECT_THAT(text, HasSubstr("0.93"));
  EXPECT_THAT(text, HasSubstr("during chaos attack atk-1 (cpu, started by alice)"));
  ASSERT_TRUE(body["blocks"].is_array());
  const std::string blocks = body["blocks"].dump();
  EXPECT_THAT(blocks, HasSubstr("FIRING"));
  EXPECT_THAT(blocks, HasSubstr("0.93"));
  EXPECT_THAT(blocks, HasSubstr("during chaos attack atk-1 (cpu, started by alice)"));

  ASSERT_EQ(slack_.Deliver(Resolve()).outcome, DeliveryResult::Outcome::kSent);
  const std::string resolved = Body(1)["text"];
  EXPECT_THAT(resolved, HasSubstr("RESOLVED"));
  EXPECT_THAT(resolved, HasSubstr("0.42"));
  EXPECT_THAT(resolved, HasSubstr("chaos attack atk-1"));
}

TEST_F(SlackTest, NoChaosLineWithoutAnAttack) {
  Notification n = Trigger();
  n.alert.attacks.clear();
  ASSERT_EQ(slack_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_THAT(Body(0).dump(), Not(HasSubstr("chaos")));
}

TEST_F(SlackTest, RateLimitCarriesRetryAfter) {
  receiver_.Script(FakeResponse::RateLimited(30, "rate_limited"));
  DeliveryResult result = slack_.Deliver(Trigger());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kRetry);
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, std::chrono::seconds(30));
}

TEST_F(SlackTest, ArchivedChannelIsRejectedWithoutRevealingTheUrl) {
  receiver_.Script(FakeResponse::Status(410, "channel_is_archived"));
  DeliveryResult result = slack_.Deliver(Trigger());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kRejected);
  EXPECT_THAT(result.message, HasSubstr("channel_is_archived"));
  EXPECT_THAT(result.message, HasSubstr("127.0.0.1"));
  EXPECT_THAT(result.message, Not(HasSubstr("SLACKSECRET")));
  EXPECT_THAT(result.message, Not(HasSubstr("/services")));
}

TEST_F(SlackTest, EscapesSlackControlCharacters) {
  Notification n = Trigger();
  n.alert.labels["path"] = "<a&b>";
  ASSERT_EQ(slack_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  const std::string blocks = Body(0)["blocks"].dump();
  EXPECT_THAT(blocks, HasSubstr("&lt;a&amp;b&gt;"));
  EXPECT_THAT(blocks, Not(HasSubstr("<a&b>")));
}

// --- Alertmanager --------------------------------------------------------------------

class AlertmanagerTest : public NotifierTest {
 protected:
  AlertmanagerNotifier am_{"am", receiver_.url() + "/", *http_, clock_, Options()};
};

TEST_F(AlertmanagerTest, TriggerPostsAnAlertListLikePrometheus) {
  const Notification n = Trigger();
  clock_.Advance(std::chrono::minutes(3));
  DeliveryResult result = am_.Deliver(n);
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.message;
  ASSERT_EQ(receiver_.RequestCount(), 1u);
  EXPECT_EQ(receiver_.Requests()[0].path, "/api/v2/alerts");
  const Json body = Body(0);
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 1u);
  const Json& a = body[0];
  EXPECT_EQ(a["labels"]["alertname"], "HostCpuHigh");
  EXPECT_EQ(a["labels"]["severity"], "critical");
  EXPECT_EQ(a["labels"]["instance"], "web-1");
  EXPECT_EQ(a["labels"]["chaos"], "true");
  EXPECT_EQ(a["annotations"]["summary"], n.alert.Summary());
  EXPECT_TRUE(a["annotations"].contains("description"));
  EXPECT_EQ(a["annotations"]["chaos_attack"], "during chaos attack atk-1 (cpu, started by alice)");
  EXPECT_EQ(a["annotations"]["chaos_attack_ids"], "atk-1");
  EXPECT_EQ(a["startsAt"], FormatRfc3339(*n.alert.fired_at));
  EXPECT_EQ(a["endsAt"], FormatRfc3339(clock_.Now() + std::chrono::minutes(4)));
  EXPECT_EQ(a["generatorURL"], "http://127.0.0.1:9470/");
}

TEST_F(AlertmanagerTest, ResolveEndsAtTheResolveTime) {
  const Notification n = Resolve();
  ASSERT_EQ(am_.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  const Json a = Body(0)[0];
  EXPECT_EQ(a["endsAt"], FormatRfc3339(*n.alert.resolved_at));
  EXPECT_EQ(a["startsAt"], FormatRfc3339(*n.alert.fired_at));
  EXPECT_EQ(a["labels"]["alertname"], "HostCpuHigh");
}

TEST_F(AlertmanagerTest, ResendFiringPostsEveryFiringAlertInOneRequest) {
  std::vector<slo::Alert> firing = {FiringAlert(clock_.Now()), FiringAlert(clock_.Now())};
  firing[1].labels["instance"] = "web-2";
  firing[1].labels["service"] = "www";
  ASSERT_EQ(am_.ResendFiring(firing).outcome, DeliveryResult::Outcome::kSent);
  ASSERT_EQ(receiver_.RequestCount(), 1u);
  const Json body = Body(0);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[1]["labels"]["instance"], "web-2");
  EXPECT_EQ(body[1]["generatorURL"], "http://127.0.0.1:9470/services/www");
  EXPECT_EQ(body[0]["endsAt"], FormatRfc3339(clock_.Now() + std::chrono::minutes(4)));

  ASSERT_EQ(am_.ResendFiring({}).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(receiver_.RequestCount(), 1u);  // nothing firing: nothing to post
}

TEST_F(AlertmanagerTest, BadRequestIsRejectedServerErrorRetried) {
  receiver_.Script(FakeResponse::Status(400, R"({"code":400,"message":"invalid"})"));
  receiver_.Script(FakeResponse::Status(503));
  EXPECT_EQ(am_.Deliver(Trigger()).outcome, DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(am_.Deliver(Trigger()).outcome, DeliveryResult::Outcome::kRetry);
}

TEST(Notifier, OtherNotifiersIgnoreResendFiring) {
  LogNotifier log("log");
  EXPECT_EQ(log.ResendFiring({}).outcome, DeliveryResult::Outcome::kSent);
}

// --- Webhook -------------------------------------------------------------------------

TEST_F(NotifierTest, WebhookAlertmanagerFormatIsWebhookVersion4) {
  WebhookNotifier hook("hook", receiver_.url() + "/hook", config::WebhookFormat::kAlertmanager,
                       *http_, clock_, Options());
  const Notification trigger = Trigger();
  ASSERT_EQ(hook.Deliver(trigger).outcome, DeliveryResult::Outcome::kSent);
  ASSERT_EQ(hook.Deliver(Resolve()).outcome, DeliveryResult::Outcome::kSent);
  ASSERT_EQ(receiver_.RequestCount(), 2u);
  EXPECT_EQ(receiver_.Requests()[0].path, "/hook");

  const Json firing = Body(0);
  EXPECT_EQ(firing["version"], "4");
  EXPECT_EQ(firing["status"], "firing");
  EXPECT_EQ(firing["receiver"], "hook");
  EXPECT_EQ(firing["truncatedAlerts"], 0);
  EXPECT_EQ(firing["groupKey"], "{}:{alertname=\"HostCpuHigh\"}");
  EXPECT_EQ(firing["groupLabels"]["alertname"], "HostCpuHigh");
  EXPECT_EQ(firing["commonLabels"]["instance"], "web-1");
  EXPECT_EQ(firing["commonAnnotations"]["summary"], trigger.alert.Summary());
  EXPECT_EQ(firing["externalURL"], "http://127.0.0.1:9470");
  ASSERT_EQ(firing["alerts"].size(), 1u);
  const Json& alert = firing["alerts"][0];
  EXPECT_EQ(alert["status"], "firing");
  EXPECT_EQ(alert["labels"]["alertname"], "HostCpuHigh");
  EXPECT_EQ(alert["startsAt"], FormatRfc3339(*trigger.alert.fired_at));
  EXPECT_EQ(alert["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(alert["fingerprint"], trigger.alert.Fingerprint());
  EXPECT_EQ(alert["generatorURL"], "http://127.0.0.1:9470/");

  const Json resolved = Body(1);
  EXPECT_EQ(resolved["status"], "resolved");
  EXPECT_EQ(resolved["alerts"][0]["status"], "resolved");
  EXPECT_EQ(resolved["alerts"][0]["endsAt"], FormatRfc3339(*Resolve().alert.resolved_at));
  EXPECT_EQ(resolved["alerts"][0]["fingerprint"], alert["fingerprint"]);
}

TEST_F(NotifierTest, WebhookJsonFormatPostsTheAlertJson) {
  WebhookNotifier hook("hook", receiver_.url() + "/hook", config::WebhookFormat::kJson, *http_,
                       clock_, Options());
  const Notification n = Trigger();
  ASSERT_EQ(hook.Deliver(n).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(Body(0), Json::parse(slo::AlertToJson(n.alert)));
  EXPECT_EQ(Body(0)["state"], "firing");
}

TEST_F(NotifierTest, UnreachableReceiverIsRetried) {
  const int port = [] { return FakeReceiver().port(); }();
  WebhookNotifier hook("hook", "http://127.0.0.1:" + std::to_string(port) + "/x",
                       config::WebhookFormat::kJson, *http_, clock_, Options());
  DeliveryResult result = hook.Deliver(Trigger());
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kRetry);
  EXPECT_THAT(result.message, HasSubstr("connect:"));
}

// --- Log -----------------------------------------------------------------------------

TEST_F(NotifierTest, LogNotifierWarnsOnTriggerAndInformsOnResolve) {
  LogCapture capture;
  LogNotifier log("log");
  EXPECT_EQ(log.Deliver(Trigger()).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(log.Deliver(Resolve()).outcome, DeliveryResult::Outcome::kSent);
  const std::string text = capture.text();
  EXPECT_THAT(text, HasSubstr("warning alert firing: " + Trigger().alert.Summary()));
  EXPECT_THAT(text, HasSubstr("info alert resolved: HostCpuHigh instance=web-1: 0.42"));
}

// --- Building from config ------------------------------------------------------------

config::NotifierConfig PagerDutyConfig(std::string name, std::string env, std::string url) {
  config::NotifierConfig c;
  c.name = std::move(name);
  c.kind = config::NotifierKind::kPagerDutyEvents;
  c.pagerduty_events.routing_key.env = std::move(env);
  c.pagerduty_events.url = std::move(url);
  return c;
}

TEST_F(NotifierTest, BuildNotifiersMakesEveryKindPlusTheLogNotifier) {
  std::vector<config::NotifierConfig> configs;
  configs.push_back(PagerDutyConfig("pd-oncall", "PD_ROUTING_KEY", receiver_.url()));
  config::NotifierConfig slack;
  slack.name = "chaos-slack";
  slack.kind = config::NotifierKind::kSlack;
  slack.slack.webhook_url.env = "SLACK_WEBHOOK_URL";
  configs.push_back(slack);
  config::NotifierConfig am;
  am.name = "am";
  am.kind = config::NotifierKind::kAlertmanager;
  am.alertmanager.url = receiver_.url();
  configs.push_back(am);
  config::NotifierConfig hook;
  hook.name = "hook";
  hook.kind = config::NotifierKind::kWebhook;
  hook.webhook.url = receiver_.url() + "/hook";
  configs.push_back(hook);

  auto getenv = [&](const char* name) -> const char* {
    if (std::string(name) == "PD_ROUTING_KEY") return kRoutingKey;
    if (std::string(name) == "SLACK_WEBHOOK_URL") return "http://127.0.0.1:1/services/x";
    return nullptr;
  };
  auto notifiers = BuildNotifiers(configs, *http_, clock_, getenv);
  ASSERT_TRUE(notifiers.ok()) << notifiers.error().message;
  std::vector<std::string> names;
  for (const auto& n : *notifiers) names.emplace_back(n->name());
  EXPECT_THAT(names, ::testing::ElementsAre("pd-oncall", "chaos-slack", "am", "hook", "log"));

  // The PagerDuty notifier uses the resolved key and the machine's host name.
  receiver_.SetDefault(FakeResponse::PagerDutyAccepted());
  ASSERT_EQ((*notifiers)[0]->Deliver(Trigger()).outcome, DeliveryResult::Outcome::kSent);
  EXPECT_EQ(Body(0)["routing_key"], kRoutingKey);
  EXPECT_FALSE(Body(0)["payload"]["source"].get<std::string>().empty());
}

TEST_F(NotifierTest, AConfiguredLogNotifierReplacesTheBuiltIn) {
  config::NotifierConfig log;
  log.name = "log";
  log.kind = config::NotifierKind::kLog;
  auto notifiers = BuildNotifiers({log}, *http_, clock_, [](const char*) { return nullptr; });
  ASSERT_TRUE(notifiers.ok());
  ASSERT_EQ(notifiers->size(), 1u);
  EXPECT_EQ((*notifiers)[0]->name(), "log");
}

TEST_F(NotifierTest, MissingRoutingKeyVariableIsNamedInTheError) {
  auto notifiers =
      BuildNotifiers({PagerDutyConfig("pd-oncall", "PD_ROUTING_KEY", receiver_.url())}, *http_,
                     clock_, [](const char*) -> const char* { return nullptr; });
  ASSERT_FALSE(notifiers.ok());
  EXPECT_EQ(notifiers.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(notifiers.error().message, HasSubstr("pd-oncall"));
  EXPECT_THAT(notifiers.error().message, HasSubstr("PD_ROUTING_KEY"));
}

TEST_F(NotifierTest, SecretsNeverReachLogsOrMessages) {
  LogCapture capture;
  const std::string slack_url = receiver_.url() + "/services/T9/B9/SLACKTOKENVALUE";
  std::vector<config::NotifierConfig> configs;
  configs.push_back(PagerDutyConfig("pd-oncall", "PD_ROUTING_KEY", receiver_.url()));
  config::NotifierConfig slack;
  slack.name = "chaos-slack";
  slack.kind = config::NotifierKind::kSlack;
  slack.slack.webhook_url.env = "SLACK_WEBHOOK_URL";
  configs.push_back(slack);
  auto getenv = [&](const char* name) -> const char* {
    if (std::string(name) == "PD_ROUTING_KEY") return kRoutingKey;
    if (std::string(name) == "SLACK_WEBHOOK_URL") return slack_url.c_str();
    return nullptr;
  };
  auto notifiers = BuildNotifiers(configs, *http_, clock_, getenv);
  ASSERT_TRUE(notifiers.ok());

  // A receiver that echoes what it got, in an error, and one that cannot be reached.
  std::vector<DeliveryResult> results;
  receiver_.Script(FakeResponse::Status(400, std::string(R"({"message":"bad key )") + kRoutingKey +
                                                 R"(","errors":[")" + kRoutingKey + R"("]})"));
  results.push_back((*notifiers)[0]->Deliver(Trigger()));
  receiver_.Script(FakeResponse::Status(404, "no_service for " + slack_url));
  results.push_back((*notifiers)[1]->Deliver(Trigger()));
  FakeResponse slow = FakeResponse::Status(200);
  slow.delay = std::chrono::seconds(3);
  receiver_.Script(slow);
  NotifierOptions quick = Options();
  quick.timeout = std::chrono::milliseconds(200);
  SlackNotifier impatient("slack2", config::Secret(slack_url), *http_, quick);
  results.push_back(impatient.Deliver(Trigger()));
  for (const auto& r : results) spdlog::error("delivery: {}", r.message);

  // A missing variable: the error names it, not another secret's value.
  auto failed = BuildNotifiers({PagerDutyConfig("pd2", "PD_OTHER_KEY", receiver_.url())}, *http_,
                               clock_, getenv);
  ASSERT_FALSE(failed.ok());

  std::string everything = capture.text() + failed.error().message;
  for (const auto& r : results) everything += "\n" + r.message;
  EXPECT_THAT(everything, Not(HasSubstr(kRoutingKey)));
  EXPECT_THAT(everything, Not(HasSubstr("SLACKTOKENVALUE")));
  EXPECT_THAT(everything, Not(HasSubstr("/services/T9")));
  EXPECT_EQ(results[0].outcome, DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(results[1].outcome, DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(results[2].outcome, DeliveryResult::Outcome::kRetry);
  EXPECT_THAT(results[2].message, HasSubstr("timeout:"));
}

// --- Pure helpers --------------------------------------------------------------------

TEST(DeliveryFromHttp, MapsStatusesToOutcomes) {
  auto outcome = [](int status) {
    return DeliveryFromHttp(HttpResponse{status, {}, ""}, "x").outcome;
  };
  EXPECT_EQ(outcome(200), DeliveryResult::Outcome::kSent);
  EXPECT_EQ(outcome(202), DeliveryResult::Outcome::kSent);
  EXPECT_EQ(outcome(400), DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(outcome(404), DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(outcome(301), DeliveryResult::Outcome::kRejected);
  EXPECT_EQ(outcome(408), DeliveryResult::Outcome::kRetry);
  EXPECT_EQ(outcome(429), DeliveryResult::Outcome::kRetry);
  EXPECT_EQ(outcome(500), DeliveryResult::Outcome::kRetry);
  EXPECT_EQ(outcome(503), DeliveryResult::Outcome::kRetry);
  EXPECT_EQ(DeliveryFromHttp(MakeError(ErrorCode::kUnavailable, "timeout: x"), "x").outcome,
            DeliveryResult::Outcome::kRetry);
  EXPECT_EQ(DeliveryFromHttp(MakeError(ErrorCode::kInvalidInput, "url: x"), "x").outcome,
            DeliveryResult::Outcome::kRejected);
}

TEST(ParseRetryAfter, AcceptsSecondsOnly) {
  EXPECT_EQ(ParseRetryAfter("30"), std::chrono::seconds(30));
  EXPECT_EQ(ParseRetryAfter(" 1.5 "), std::chrono::milliseconds(1500));
  EXPECT_EQ(ParseRetryAfter("0"), std::chrono::seconds(0));
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(ParseRetryAfter("-5").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

TEST(TruncateUtf8, NeverSplitsACodePoint) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdefghij", 8), "abcde...");
  // "é" is two bytes; cutting at byte 5 would split it.
  EXPECT_EQ(TruncateUtf8("abcd\xc3\xa9xyz", 8), "abcd...");
}

TEST(NotificationJson, RoundTrips) {
  FakeClock clock;
  Notification n{Notification::Kind::kResolve, "pd-oncall",
                 Resolved(FiringAlert(clock.Now()), clock.Now() + std::chrono::minutes(5))};
  auto back = NotificationFromJson(NotificationToJson(n));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, Notification::Kind::kResolve);
  EXPECT_EQ(back->notifier, "pd-oncall");
  EXPECT_EQ(back->alert.InstanceKey(), n.alert.InstanceKey());
  EXPECT_EQ(back->alert.resolved_at, n.alert.resolved_at);
  ASSERT_EQ(back->alert.attacks.size(), 1u);
  EXPECT_EQ(back->alert.attacks[0].created_by, "alice");
  EXPECT_FALSE(NotificationFromJson("{\"kind\":\"page\"}").ok());
  EXPECT_FALSE(NotificationFromJson("not json").ok());
}

}  // namespace
}  // namespace steadystate::notify
