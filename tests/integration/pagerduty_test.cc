// PagerDuty import on the real binary against the fake PagerDuty REST API:
// the daemon's periodic sync, the import and incidents APIs, the CLI through the daemon
// and on the store directly, resuming a failed import, and the token kept out of logs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <set>

#include "common/time.h"
#include "tests/support/daemon.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "pd-integration-secret-7f3a9c";

FakePdIncident Make(int i, Timestamp created) {
  FakePdIncident in;
  in.id = "QINT" + std::to_string(1000 + i);
  in.number = i;
  in.title = "Checkout errors " + std::to_string(i);
  in.priority = "P2";
  in.created_at = created;
  return in;
}

std::string PagerDutyConfig(const FakePagerDuty& fake, const std::string& data_dir = "") {
  std::string out = "pagerduty: {api_token_env: PD_TOKEN, base_url: \"" + fake.url() +
                    "\", sync_interval: 1h, lookback: 30d}\n"
                    "services:\n"
                    "  - name: checkout\n"
                    "    pagerduty_service_ids: [PSVC001]\n";
  if (!data_dir.empty()) out += "storage: {path: \"" + data_dir + "\"}\n";
  return out;
}

json Incidents(RunningDaemon& daemon) {
  auto res = daemon.Client().Get("/api/v1/incidents");
  if (!res || res->status != 200) return json::array();
  return json::parse(res->body);
}

ProcessResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args), {{"PD_TOKEN", kToken}});
}

TEST(PagerDutyIntegration, DaemonSyncsServesAndKeepsIncidentsCurrent) {
  FakePagerDuty fake(kToken);
  // Times relative to the real now, as the daemon runs on the real clock; whole seconds,
  // as PagerDuty renders them.
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());  // NOLINT(real-time): the daemon's clock is real
  FakePdIncident open = Make(1, now - days(2));
  FakePdIncident resolved = Make(2, now - days(1));
  resolved.acknowledged_at = resolved.created_at + minutes(4);
  resolved.resolved_at = resolved.created_at + minutes(40);
  fake.Add(open);
  fake.Add(resolved);

  TempDir dir;
  RunningDaemon daemon(dir, TestConfig(PagerDutyConfig(fake)), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  // The first sync runs at start.
  ASSERT_TRUE(WaitFor([&] { return Incidents(daemon).size() == 2; })) << daemon.process().Stderr();

  json list = Incidents(daemon);
  EXPECT_EQ(list[0]["id"], "pagerduty:QINT1001");
  EXPECT_EQ(list[0]["service"], "checkout");
  EXPECT_EQ(list[0]["severity"], "sev1");
  EXPECT_TRUE(list[0]["resolved_at"].is_null());
  EXPECT_EQ(list[1]["resolved_at"], FormatRfc3339(*resolved.resolved_at));
  EXPECT_EQ(list[1]["tta_seconds"], 240.0);
  EXPECT_EQ(list[1]["ttr_seconds"], 2400.0);

  auto csv = daemon.Client().Get("/api/v1/incidents?format=csv&service=checkout");
  ASSERT_TRUE(csv);
  EXPECT_THAT(csv->body, HasSubstr("id,source,number,title,service,severity,urgency,status,"
                                   "created_at,acknowledged_at,resolved_at,alert_count,attack_id,"
                                   "onset_at,onset_source,ttd_seconds,tta_seconds,ttr_seconds,"
                                   "impact_seconds\n"));
  EXPECT_THAT(csv->body, HasSubstr("pagerduty:QINT1002,pagerduty,2,"));

  // Resolved in PagerDuty after the first import: the next sync (here on demand through
  // the CLI, which goes through the daemon) brings resolved_at.
  fake.Resolve(open.id, now - hours(1));
  auto sync =
      Cli({"import", "pagerduty", "--server", daemon.url(), "--config", daemon.config_path()});
  EXPECT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_THAT(sync.out, HasSubstr("0 new, 1 updated"));
  EXPECT_EQ(Incidents(daemon)[0]["resolved_at"], FormatRfc3339(now - hours(1)));

  auto table = Cli({"incidents", "list", "--server", daemon.url(), "--config", daemon.config_path(),
                    "--service", "checkout"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("pagerduty:QINT1001"));
  EXPECT_THAT(table.out, HasSubstr("TTR"));

  auto bad_format = daemon.Client().Get("/api/v1/incidents?format=xml");
  ASSERT_TRUE(bad_format);
  EXPECT_EQ(bad_format->status, 400);
  EXPECT_THAT(bad_format->body, HasSubstr("format"));
  auto bad_flag = Cli({"incidents", "list", "--server", daemon.url(), "--config",
                       daemon.config_path(), "--since", "last tuesday"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("--since"));

  auto metrics = daemon.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body,
              HasSubstr("steadystate_import_last_success_timestamp_seconds{source=\"pagerduty\"}"));
  EXPECT_THAT(metrics->body, HasSubstr("steadystate_import_errors_total{source=\"pagerduty\"} 0"));

  // A failing import is counted and its PagerDuty error surfaced.
  for (int i = 0; i < 3; ++i) fake.Script({FakePdFault::Kind::kMalformed});
  auto failed = daemon.Client().Post("/api/v1/import/pagerduty", "", "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 502);
  EXPECT_THAT(failed->body, HasSubstr("not valid JSON"));
  metrics = daemon.Client().Get("/metrics");
  EXPECT_THAT(metrics->body, HasSubstr("steadystate_import_errors_total{source=\"pagerduty\"} 1"));

  daemon.process().Signal(SIGTERM);
  ASSERT_TRUE(daemon.process().Wait(std::chrono::seconds(20)).has_value());
  // The token is never logged, even with retries and failures in the log.
  EXPECT_THAT(daemon.process().Stderr(), HasSubstr("PagerDuty import failed"));
  EXPECT_THAT(daemon.process().Stderr(), Not(HasSubstr(kToken)));
  EXPECT_THAT(daemon.process().Stdout(), Not(HasSubstr(kToken)));
}

TEST(PagerDutyIntegration, DirectImportResumesAfterAFailureWithoutDuplicates) {
  FakePagerDuty fake(kToken);
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());  // NOLINT(real-time): the CLI's clock is real
  const Timestamp since = now - days(300);
  for (int i = 0; i < 30; ++i) fake.Add(Make(i, since + days(10 * i) + hours(1)));
  TempDir dir;
  const std::string config = dir.Write("steadystate.yaml", PagerDutyConfig(fake, dir / "data"));
  // No daemon answers at this address: the CLI works on the store itself.
  const std::vector<std::string> import{"import",   "pagerduty", "--server", "http://127.0.0.1:1",
                                        "--config", config,      "--since",  FormatRfc3339(since)};
  // The first window (incidents + log entries in two requests) goes through; the second
  // fails for good.
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  for (int i = 0; i < 6; ++i) fake.Script({FakePdFault::Kind::kRateLimited, 0});
  auto first = Cli(import);
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_THAT(first.err, HasSubstr("HTTP 429: Rate Limit Exceeded (code 2020)"));
  EXPECT_THAT(first.err + first.out, Not(HasSubstr(kToken)));

  auto second = Cli(import);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("12 new, 0 updated, 18 unchanged"));

  auto list = Cli({"incidents", "list", "--server", "http://127.0.0.1:1", "--config", config,
                   "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(json::parse(list.out).size(), 30u);
}

TEST(PagerDutyIntegration, DaemonKilledMidImportResumesFromTheCursorWithoutDuplicates) {
  FakePagerDuty fake(kToken);
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());  // NOLINT(real-time): the daemon's clock is real
  const Timestamp since = now - days(300);
  for (int i = 0; i < 30; ++i) fake.Add(Make(i, since + days(10 * i) + hours(1)));
  // The first sync reaches back 300 days: two windows. The first window's three requests
  // go through; the second window's first request hangs, and the daemon is killed then.
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake.Script({FakePdFault::Kind::kSlow, -1, std::chrono::seconds(5)});
  std::string config = PagerDutyConfig(fake);
  const std::string lookback = "lookback: 30d";
  config.replace(config.find(lookback), lookback.size(), "lookback: 300d");

  TempDir dir;
  {
    RunningDaemon daemon(dir, TestConfig(config), {{"PD_TOKEN", kToken}});
    ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
    ASSERT_TRUE(WaitFor([&] { return fake.Requests().size() >= 4; }));
    daemon.process().Signal(SIGKILL);
    ASSERT_TRUE(daemon.process().Wait(std::chrono::seconds(20)).has_value());
  }
  const size_t before_restart = fake.Requests().size();

  RunningDaemon daemon(dir, TestConfig(config), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return Incidents(daemon).size() == 30; })) << daemon.process().Stderr();
  std::set<std::string> ids;
  for (const auto& in : Incidents(daemon)) ids.insert(in["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 30u);
  // The restarted daemon asked only for what followed the first window (minus the
  // one-hour overlap), not the whole 300 days again.
  auto requests = fake.Requests();
  for (size_t i = before_restart; i < requests.size(); ++i) {
    if (requests[i].path != "/incidents") continue;
    const Timestamp asked = ParseRfc3339(requests[i].params.find("since")->second).value();
    EXPECT_GE(asked, since + days(180) - hours(1));
    EXPECT_LT(asked, since + days(180));
    break;
  }
}

TEST(PagerDutyIntegration, BadTokenFailsNamingTheSettingAndNotTheToken) {
  FakePagerDuty fake("the-right-token");
  fake.Add(Make(1, std::chrono::floor<std::chrono::seconds>(
                       std::chrono::system_clock::now()) -  // NOLINT(real-time)
                       days(1)));
  TempDir dir;
  const std::string config = dir.Write("steadystate.yaml", PagerDutyConfig(fake, dir / "data"));
  auto r = Cli({"import", "pagerduty", "--server", "http://127.0.0.1:1", "--config", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("HTTP 401: Unauthorized (code 2006)"));
  EXPECT_THAT(r.err, Not(HasSubstr(kToken)));
}

TEST(PagerDutyIntegration, ImportWithoutPagerDutyConfigExitsTwo) {
  TempDir dir;
  const std::string config =
      dir.Write("steadystate.yaml", "storage: {path: \"" + dir / "data" + "\"}\n");
  auto r = Cli({"import", "pagerduty", "--server", "http://127.0.0.1:1", "--config", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("pagerduty: is not configured"));
}

}  // namespace
}  // namespace steadystate::test_support
