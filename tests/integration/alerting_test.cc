// The "done when", end to end: the real daemon samples a host that stress-ng
// burns, HostCpuHigh goes pending then firing, PagerDuty / Slack / webhook fakes and the
// real prometheus-alertmanager receive it with the chaos attack that was running, and it
// resolves (same dedup_key) when the burn stops. Runs alone (RUN_SERIAL): other tests'
// CPU use would blur the spike.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/ports.h"
#include "tests/support/prom_text.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr auto kDeadline = std::chrono::seconds(60);

std::string Hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// Alerts Alertmanager holds (active, not yet resolved) named `name`.
int AlertmanagerAlerts(int port, const std::string& name) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/api/v2/alerts");
  if (!res || res->status != 200) return -1;
  int n = 0;
  for (const auto& a : json::parse(res->body)) {
    if (a["labels"].value("alertname", "") == name) ++n;
  }
  return n;
}

TEST(CpuSpike, PagesDuringAChaosAttackAndResolvesWhenTheBurnStops) {
  ASSERT_EQ(access("/usr/bin/stress-ng", X_OK), 0) << "scripts/install-deps installs it";
  ASSERT_EQ(access("/usr/bin/prometheus-alertmanager", X_OK), 0);
  TempDir dir;
  FakeReceiver pagerduty(FakeResponse::PagerDutyAccepted());
  FakeReceiver slack(FakeResponse::SlackOk());
  FakeReceiver webhook(FakeResponse::Status(200));

  const int am_port = FreePort();
  dir.Write("am.yml",
            "route: {receiver: blackhole, group_wait: 0s}\nreceivers: [{name: blackhole}]\n");
  Process alertmanager(
      {"/usr/bin/prometheus-alertmanager", "--config.file=" + (dir / "am.yml"),
       "--storage.path=" + (dir / "am-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
      dir.path().string());
  ASSERT_TRUE(WaitFor([&] { return AlertmanagerAlerts(am_port, "x") == 0; }))
      << alertmanager.Stderr();

  const std::string config = TestConfig(
      "host: {interval: 1s}\n"
      "alerts:\n"
      "  - {name: HostCpuHigh, metric: cpu_utilisation, above: 0.80, for: 3s,\n"
      "     recover_below: 0.75, severity: critical, notify: [pd, slack, hook, am]}\n"
      "notifiers:\n"
      "  - {name: pd, pagerduty_events: {routing_key_env: TEST_PD_KEY, url: \"" +
      pagerduty.url() +
      "/v2/enqueue\"}}\n"
      "  - {name: slack, slack: {webhook_url_env: TEST_SLACK_URL}}\n"
      "  - {name: hook, webhook: {url: \"" +
      webhook.url() +
      "/hook\", format: alertmanager}}\n"
      "  - {name: am, alertmanager: {url: \"http://127.0.0.1:" +
      std::to_string(am_port) + "\"}}\n");
  const std::string routing_key = "0123456789abcdef0123456789abcdef";
  RunningDaemon daemon(dir, config,
                       {{"TEST_PD_KEY", routing_key},
                        {"TEST_SLACK_URL", slack.url() + "/services/T0/B0/secretpath"}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();

  // A chaos attack on this host is running when the spike starts.
  auto attack = client.Post("/api/v1/attacks",
                            json{{"type", "cpu"},
                                 {"name", "burn both cores"},
                                 {"targets", {Hostname()}},
                                 {"created_by", "gameday"}}
                                .dump(),
                            "application/json");
  ASSERT_TRUE(attack);
  ASSERT_EQ(attack->status, 201) << attack->body;
  const std::string attack_id = json::parse(attack->body)["id"];

  Process burn({"/usr/bin/stress-ng", "--cpu", "0", "--timeout", "90s", "--quiet"},
               dir.path().string());
  bool saw_pending = false;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto m = client.Get("/metrics");
        if (m && SampleValue(m->body,
                             "steadystate_alerts{alertname=\"HostCpuHigh\","
                             "alertstate=\"pending\",severity=\"critical\"}")) {
          saw_pending = true;
        }
        return pagerduty.RequestCount() >= 1;
      },
      kDeadline))
      << daemon.process().Stderr();
  EXPECT_TRUE(saw_pending);

  auto alerts = client.Get("/api/v1/alerts");
  ASSERT_TRUE(alerts);
  auto firing = json::parse(alerts->body);
  ASSERT_EQ(firing.size(), 1u) << alerts->body;
  EXPECT_EQ(firing[0]["state"], "firing");
  EXPECT_EQ(firing[0]["attacks"][0]["id"], attack_id);

  const json trigger = json::parse(pagerduty.Requests()[0].body);
  EXPECT_EQ(trigger["routing_key"], routing_key);
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["payload"]["severity"], "critical");
  EXPECT_THAT(trigger["payload"]["summary"].get<std::string>(),
              HasSubstr("during chaos attack " + attack_id));
  ASSERT_TRUE(slack.WaitForRequests(1));
  EXPECT_THAT(slack.Requests()[0].path, "/services/T0/B0/secretpath");
  EXPECT_THAT(slack.Requests()[0].body, HasSubstr("during chaos attack"));
  ASSERT_TRUE(webhook.WaitForRequests(1));
  const json hook = json::parse(webhook.Requests()[0].body);
  EXPECT_EQ(hook["version"], "4");
  EXPECT_EQ(hook["status"], "firing");
  EXPECT_TRUE(WaitFor([&] { return AlertmanagerAlerts(am_port, "HostCpuHigh") == 1; }));

  burn.Signal(SIGTERM);
  ASSERT_TRUE(burn.Wait(std::chrono::seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return pagerduty.RequestCount() >= 2; }, kDeadline))
      << daemon.process().Stderr();
  const json resolve = json::parse(pagerduty.Requests()[1].body);
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);
  ASSERT_TRUE(webhook.WaitForRequests(2));
  EXPECT_EQ(json::parse(webhook.Requests()[1].body)["status"], "resolved");
  ASSERT_TRUE(slack.WaitForRequests(2));
  EXPECT_TRUE(WaitFor([&] { return AlertmanagerAlerts(am_port, "HostCpuHigh") == 0; }));
  // The routing key and the Slack URL are secrets: never logged.
  EXPECT_THAT(daemon.process().Stderr(), ::testing::Not(HasSubstr(routing_key)));
  EXPECT_THAT(daemon.process().Stderr(), ::testing::Not(HasSubstr("secretpath")));
}

}  // namespace
}  // namespace steadystate::test_support
