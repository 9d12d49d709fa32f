// The incident metrics and reports on the real binary: the correlation fields of
// /api/v1/incidents, steadystate_incidents_total on /metrics, /api/v1/metrics/incidents,
// the reports API, `metrics` (with --push to the real prometheus-pushgateway), `report
// before-after` and `report attack` through the daemon and on the store directly, and the
// open incidents on the dashboard. PagerDuty is the fake REST API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include "common/time.h"
#include "tests/support/daemon.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/ports.h"
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

constexpr const char* kToken = "pd-metrics-secret-2b7e41";

ProcessResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args), {{"PD_TOKEN", kToken}});
}

// The sum of every steadystate_incidents_total sample whose labels contain `label`.
double IncidentsTotal(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind("steadystate_incidents_total{", 0) != 0) continue;
    if (line.find(label) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(IncidentMetricsIntegration, CorrelatesServesExportsAndReports) {
  FakePagerDuty fake(kToken);
  const Timestamp now = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now());  // NOLINT(real-time): the daemon's clock is real
  const Timestamp attack_start = now - days(2);
  // Five minutes into the attack: chaos-induced, TTD 5m, resolved 30 minutes later.
  FakePdIncident chaos;
  chaos.id = "QMET0001";
  chaos.number = 1;
  chaos.title = "Checkout latency";
  chaos.priority = "P2";
  chaos.created_at = attack_start + minutes(5);
  chaos.acknowledged_at = chaos.created_at + minutes(2);
  chaos.resolved_at = chaos.created_at + minutes(30);
  fake.Add(chaos);
  // A day later, no attack near it, still open.
  FakePdIncident open;
  open.id = "QMET0002";
  open.number = 2;
  open.title = "Checkout payments failing";
  open.priority = "P2";
  open.created_at = now - days(1);
  fake.Add(open);

  TempDir dir;
  const std::string config = "pagerduty: {api_token_env: PD_TOKEN, base_url: \"" + fake.url() +
                             "\", sync_interval: 1h, lookback: 30d}\n"
                             "services:\n"
                             "  - name: checkout\n"
                             "    critical: true\n"
                             "    pagerduty_service_ids: [PSVC001]\n";
  RunningDaemon daemon(dir, TestConfig(config), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();

  // The attack window, recorded after the fact.
  auto started = client.Post("/api/v1/attacks",
                             json{{"type", "latency"},
                                  {"services", {"checkout"}},
                                  {"name", "checkout latency game day"},
                                  {"start", FormatRfc3339(attack_start)}}
                                 .dump(),
                             "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 201) << started->body;
  const std::string attack_id = json::parse(started->body)["id"];
  auto ended = client.Post("/api/v1/attacks/" + attack_id + "/end",
                           json{{"outcome", "completed"},
                                {"steady_state", "broken"},
                                {"end", FormatRfc3339(attack_start + minutes(10))}}
                               .dump(),
                           "application/json");
  ASSERT_TRUE(ended);
  ASSERT_EQ(ended->status, 200) << ended->body;

  // An import now (the first sync may have run before the attack was recorded) refreshes
  // the metrics on /metrics.
  auto imported = client.Post("/api/v1/import/pagerduty", "", "application/json");
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;

  // 2. The incident list carries the correlation.
  auto listed = client.Get("/api/v1/incidents");
  ASSERT_TRUE(listed);
  const json list = json::parse(listed->body);
  ASSERT_EQ(list.size(), 2u) << listed->body;
  EXPECT_EQ(list[0]["id"], "pagerduty:QMET0001");
  EXPECT_EQ(list[0]["attack_id"], attack_id);
  EXPECT_EQ(list[0]["onset_at"], FormatRfc3339(attack_start));
  EXPECT_EQ(list[0]["onset_source"], "attack");
  EXPECT_EQ(list[0]["ttd_seconds"], 300.0);
  EXPECT_EQ(list[0]["tta_seconds"], 120.0);
  EXPECT_EQ(list[0]["ttr_seconds"], 1800.0);
  EXPECT_EQ(list[0]["impact_seconds"], 2100.0);
  EXPECT_TRUE(list[1]["attack_id"].is_null());
  EXPECT_EQ(list[1]["onset_source"], "unknown");
  EXPECT_TRUE(list[1]["ttr_seconds"].is_null());
  auto csv = client.Get("/api/v1/incidents?format=csv");
  ASSERT_TRUE(csv);
  EXPECT_THAT(csv->body, HasSubstr("," + attack_id + "," + FormatRfc3339(attack_start) +
                                   ",attack,300,120,1800,2100\n"));

  // 1. /metrics and the metrics and report APIs.
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(IncidentsTotal(metrics->body, "chaos=\"true\""), 1) << metrics->body;
  EXPECT_EQ(IncidentsTotal(metrics->body, "chaos=\"false\""), 1) << metrics->body;
  EXPECT_THAT(metrics->body, HasSubstr("steadystate_incident_ttd_seconds_count{"));
  auto rows = client.Get("/api/v1/metrics/incidents?group_by=service");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->status, 200) << rows->body;
  const json row = json::parse(rows->body).at(0);
  EXPECT_EQ(row["group"], "checkout");
  EXPECT_EQ(row["incidents"], 2);
  EXPECT_EQ(row["chaos_incidents"], 1);
  EXPECT_EQ(row["mttd_seconds"], 300.0);
  auto report = client.Get("/api/v1/reports/attacks/" + attack_id + "?format=json");
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 200) << report->body;
  EXPECT_THAT(report->body, HasSubstr("pagerduty:QMET0001"));
  auto unknown = client.Get("/api/v1/reports/attacks/no-such-attack");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto before_after =
      client.Get("/api/v1/reports/before-after?cutover=" + FormatRfc3339(now - hours(36)) +
                 "&window=7d&format=md");
  ASSERT_TRUE(before_after);
  EXPECT_EQ(before_after->status, 200) << before_after->body;

  // 4. The dashboard lists the open incident.
  auto dashboard = client.Get("/");
  ASSERT_TRUE(dashboard);
  EXPECT_THAT(dashboard->body, HasSubstr("Checkout payments failing"));
  EXPECT_THAT(dashboard->body, ::testing::Not(HasSubstr("Checkout latency<")));

  // 3. The CLI through the daemon.
  const std::vector<std::string> at{"--server", daemon.url(), "--config", daemon.config_path()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), at.begin(), at.end());
    return Cli(std::move(args));
  };
  auto table = with({"metrics", "--group-by", "service"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("MTTD"));
  EXPECT_THAT(table.out, HasSubstr("checkout"));
  auto metrics_csv = with({"metrics", "--format", "csv"});
  ASSERT_EQ(metrics_csv.exit_code, 0) << metrics_csv.err;
  EXPECT_THAT(metrics_csv.out, HasSubstr("group,incidents,chaos_incidents,mttd_seconds"));
  EXPECT_THAT(metrics_csv.out, HasSubstr("all,2,1,300,"));
  auto incidents_table = with({"incidents", "list"});
  ASSERT_EQ(incidents_table.exit_code, 0) << incidents_table.err;
  EXPECT_THAT(incidents_table.out, HasSubstr(attack_id));
  const std::string html_path = dir / "report.html";
  auto attack_html = with({"report", "attack", attack_id, "-o", html_path});
  ASSERT_EQ(attack_html.exit_code, 0) << attack_html.err;
  EXPECT_THAT(ReadFile(html_path), HasSubstr("<svg"));
  auto attack_unknown = with({"report", "attack", "no-such-attack"});
  EXPECT_EQ(attack_unknown.exit_code, 2);
  EXPECT_THAT(attack_unknown.err, HasSubstr("no-such-attack"));
  auto bad_cutover = with({"report", "before-after", "--cutover", "last spring"});
  EXPECT_EQ(bad_cutover.exit_code, 2);
  EXPECT_THAT(bad_cutover.err, HasSubstr("--cutover"));
  auto ba_json = with({"report", "before-after", "--cutover", FormatRfc3339(now - hours(36)),
                       "--window", "7d", "--format", "json"});
  ASSERT_EQ(ba_json.exit_code, 0) << ba_json.err;
  EXPECT_FALSE(json::parse(ba_json.out, nullptr, false).is_discarded()) << ba_json.out;

  daemon.process().Signal(SIGTERM);
  ASSERT_TRUE(daemon.process().Wait(std::chrono::seconds(20)).has_value());

  // 3. The CLI on the store directly (no daemon answers), and --push to a real Pushgateway.
  const std::vector<std::string> local{
      "--server", "http://127.0.0.1:1", "--config", daemon.config_path(), "--data", dir / "data"};
  auto direct = [&](std::vector<std::string> args) {
    args.insert(args.end(), local.begin(), local.end());
    return Cli(std::move(args));
  };
  auto local_list = direct({"incidents", "list", "--format", "json"});
  ASSERT_EQ(local_list.exit_code, 0) << local_list.err;
  EXPECT_EQ(json::parse(local_list.out)[0]["attack_id"], attack_id);
  auto local_md = direct({"report", "attack", attack_id, "--format", "md"});
  ASSERT_EQ(local_md.exit_code, 0) << local_md.err;
  EXPECT_THAT(local_md.out, HasSubstr(attack_id));
  auto local_unknown = direct({"report", "attack", "no-such-attack"});
  EXPECT_EQ(local_unknown.exit_code, 2);
  EXPECT_THAT(local_unknown.err, HasSubstr("no-such-attack"));

  ASSERT_EQ(access("/usr/bin/prometheus-pushgateway", X_OK), 0)
      << "run scripts/install-deps test to install prometheus-pushgateway";
  const int port = FreePort();
  const std::string gateway_url = "http://127.0.0.1:" + std::to_string(port);
  Process gateway(
      {"/usr/bin/prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(port)},
      dir.path().string());
  httplib::Client gateway_client("127.0.0.1", port);
  auto scrape = [&]() -> std::string {
    auto r = gateway_client.Get("/metrics");
    return r && r->status == 200 ? r->body : "";
  };
  ASSERT_TRUE(WaitFor([&] { return !scrape().empty(); })) << gateway.Stderr();
  auto pushed = direct({"metrics", "--format", "json", "--push", gateway_url});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_THAT(pushed.err, HasSubstr("pushed the metrics of 2 incident(s)"));
  EXPECT_EQ(json::parse(pushed.out)[0]["incidents"], 2);
  const std::string text = scrape();
  EXPECT_EQ(IncidentsTotal(text, "chaos=\"true\""), 1) << text;
  EXPECT_THAT(text, HasSubstr("job=\"steadystate\""));
}

}  // namespace
}  // namespace steadystate::test_support
