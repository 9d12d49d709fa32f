// Chaos attack windows end to end: `steadystate attack run` around real commands
// (sleep, stress-ng) against the real daemon, --halt-on-breach against a probe target that
// starts failing, a daemon crash mid-attack, announcements to Slack and webhook fakes,
// Chaos Toolkit and Gremlin imports, and the attack metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/daemon.h"
#include "tests/support/fake_gremlin.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/process.h"
#include "tests/support/prom_text.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr auto kDeadline = std::chrono::seconds(40);

ProcessResult Steadystate(std::vector<std::string> args,
                          std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args), std::move(env));
}

json Attacks(const RunningDaemon& daemon) {
  auto res = daemon.Client().Get("/api/v1/attacks");
  if (!res || res->status != 200) return json::array();
  return json::parse(res->body);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Milliseconds since the epoch, as `date +%s%3N` wrote them.
int64_t MsFromFile(const std::string& path) {
  const std::string text = ReadFile(path);
  return text.empty() ? -1 : std::stoll(text);
}

int64_t MsOf(const json& rfc3339) {
  // The API writes "2026-11-25T17:20:23.123Z"; GNU date parses it.
  auto r = Run({"/bin/date", "-u", "-d", rfc3339.get<std::string>(), "+%s%3N"});
  return std::stoll(r.out);
}

// The command runs inside `sh`, which stamps its own start and end: the window must match
// them to within 100 ms (what a TTD measured from it can be trusted to).
void ExpectWindowMatchesCommand(const json& attack, const TempDir& dir) {
  const int64_t child_start = MsFromFile(dir / "start");
  const int64_t child_end = MsFromFile(dir / "end");
  ASSERT_GT(child_start, 0);
  ASSERT_GT(child_end, 0);
  EXPECT_LE(std::llabs(MsOf(attack["start"]) - child_start), 100) << attack.dump();
  EXPECT_LE(std::llabs(MsOf(attack["end"]) - child_end), 100) << attack.dump();
}

std::string Stamped(const TempDir& dir, const std::string& command) {
  return "date +%s%3N > " + (dir / "start") + "; " + command + "; status=$?; date +%s%3N > " +
         (dir / "end") + "; exit $status";
}

TEST(AttackRun, SleepWindowMatchesTheCommandAndIsCompleted) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto r = Steadystate({"--server", daemon.url(), "attack", "run", "--type", "cpu", "--target",
                        "web-1", "--name", "nap", "--", "sh", "-c", Stamped(dir, "sleep 1")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto attacks = Attacks(daemon);
  ASSERT_EQ(attacks.size(), 1u);
  const json& a = attacks[0];
  EXPECT_EQ(a["source"], "cli");
  EXPECT_EQ(a["type"], "cpu");
  EXPECT_EQ(a["targets"], json::array({"web-1"}));
  EXPECT_EQ(a["name"], "nap");
  EXPECT_EQ(a["outcome"], "completed");
  EXPECT_EQ(a["exit_status"], 0);
  EXPECT_EQ(a["steady_state"], "unknown");  // no services named
  ExpectWindowMatchesCommand(a, dir);
}

TEST(AttackRun, StressNgWindowMatchesTheCommand) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto r = Steadystate({"--server", daemon.url(), "attack", "run", "--type", "cpu", "--", "sh",
                        "-c", Stamped(dir, "stress-ng --cpu 1 --timeout 3s --quiet")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto attacks = Attacks(daemon);
  ASSERT_EQ(attacks.size(), 1u);
  EXPECT_EQ(attacks[0]["outcome"], "completed");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(attacks[0]["targets"], json::array({std::string(host)}));  // the default target
  ExpectWindowMatchesCommand(attacks[0], dir);
}

TEST(AttackRun, FailingCommandIsFailedAndItsExitStatusPassesThrough) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto r = Steadystate(
      {"--server", daemon.url(), "attack", "run", "--type", "io", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  auto attacks = Attacks(daemon);
  ASSERT_EQ(attacks.size(), 1u);
  EXPECT_EQ(attacks[0]["outcome"], "failed");
  EXPECT_EQ(attacks[0]["exit_status"], 7);
}

TEST(AttackRun, WithoutADaemonTheWindowGoesToTheStore) {
  TempDir dir;
  const std::string data = dir / "data";
  auto r = Steadystate({"--server", "http://127.0.0.1:1", "--data", data, "attack", "run", "--type",
                        "memory", "--", "sh", "-c", "exit 0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = Steadystate(
      {"--server", "http://127.0.0.1:1", "--data", data, "attacks", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto attacks = json::parse(list.out);
  ASSERT_EQ(attacks.size(), 1u);
  EXPECT_EQ(attacks[0]["type"], "memory");
  EXPECT_EQ(attacks[0]["outcome"], "completed");
  auto csv = Steadystate(
      {"--server", "http://127.0.0.1:1", "--data", data, "attacks", "list", "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("id,source,source_id,type,targets,services,start,end"));
  EXPECT_THAT(csv.out, HasSubstr(",memory,"));
}

TEST(AttackRun, BadTypeIsAUsageErrorAndRunsNothing) {
  TempDir dir;
  auto r = Steadystate({"--server", "http://127.0.0.1:1", "--data", dir / "data", "attack", "run",
                        "--type", "nuke", "--", "sh", "-c", "touch " + (dir / "ran")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--type: \"nuke\""));
  EXPECT_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST(AttackRun, HaltOnBreachKillsTheWholeProcessGroupAndRecordsWhy) {
  TempDir dir;
  FakeReceiver target(FakeResponse::Status(200, "ok"));
  const std::string config = TestConfig(
      "steady_state: {window: 1m}\n"
      "services:\n"
      "  - name: www\n"
      "    critical: true\n"
      "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
      target.url() +
      "/health\", body_regex: ok}}\n"
      "    slos:\n"
      "      - {name: availability, objective: 50, window: 30d}\n");
  RunningDaemon daemon(dir, config);
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto res = client.Get("/api/v1/steady-state?service=www");
        return res && res->status == 200;
      },
      kDeadline));

  // The attack: a shell that starts a grandchild and waits for it.
  Process run({SteadystateBinary(), "--server", daemon.url(), "attack", "run", "--type", "latency",
               "--service", "www", "--halt-on-breach", "--grace", "2s", "--", "sh", "-c",
               "sleep 300 & echo $! > " + (dir / "grandchild") + "; wait"},
              dir.path().string());
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir / "grandchild").empty(); })) << run.Stderr();
  const pid_t grandchild = std::stoi(ReadFile(dir / "grandchild"));
  ASSERT_EQ(kill(grandchild, 0), 0);

  target.SetDefault(FakeResponse::Status(503, "down"));
  auto result = run.Wait(kDeadline);
  ASSERT_TRUE(result.has_value()) << run.Stderr();
  EXPECT_EQ(result->exit_code, 128 + SIGTERM) << result->err;
  EXPECT_TRUE(WaitFor([&] { return kill(grandchild, 0) != 0; }));

  auto attacks = Attacks(daemon);
  ASSERT_EQ(attacks.size(), 1u);
  EXPECT_EQ(attacks[0]["outcome"], "halted");
  EXPECT_EQ(attacks[0]["steady_state"], "broken");
  EXPECT_THAT(attacks[0]["halted_reason"].get<std::string>(), HasSubstr("www: "));
  EXPECT_THAT(attacks[0]["halted_reason"].get<std::string>(), HasSubstr("failed"));
}

TEST(AttackRun, SigintEndsTheAttackCleanlyAsInterrupted) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  Process run({SteadystateBinary(), "--server", daemon.url(), "attack", "run", "--type", "cpu",
               "--", "sh", "-c", "echo go > " + (dir / "started") + "; sleep 300"},
              dir.path().string());
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir / "started").empty(); })) << run.Stderr();
  run.Signal(SIGINT);
  auto result = run.Wait(kDeadline);
  ASSERT_TRUE(result.has_value());
  auto attacks = Attacks(daemon);
  ASSERT_EQ(attacks.size(), 1u);
  EXPECT_EQ(attacks[0]["outcome"], "halted");
  EXPECT_EQ(attacks[0]["halted_reason"], "interrupted");
  EXPECT_FALSE(attacks[0]["end"].is_null());
}

TEST(AttackWindows, ACrashMidAttackLeavesAnAbandonedWindowAfterRestart) {
  TempDir dir;
  auto daemon = std::make_unique<RunningDaemon>(dir, TestConfig());
  ASSERT_TRUE(daemon->WaitReady()) << daemon->process().Stderr();
  auto started = Steadystate(
      {"--server", daemon->url(), "attack", "start", "--type", "cpu", "--target", "web-1"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(id.size(), 26u);

  daemon->process().Signal(SIGKILL);
  ASSERT_TRUE(daemon->process().Wait(kDeadline).has_value());
  daemon = std::make_unique<RunningDaemon>(dir, TestConfig());
  ASSERT_TRUE(daemon->WaitReady()) << daemon->process().Stderr();
  auto res = daemon->Client().Get("/api/v1/attacks/" + id);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto a = json::parse(res->body);
  EXPECT_EQ(a["outcome"], "abandoned");
  EXPECT_FALSE(a["end"].is_null());
  // Ending it now is a conflict, not a second end.
  auto end = Steadystate({"--server", daemon->url(), "attack", "end", id});
  EXPECT_NE(end.exit_code, 0);
  EXPECT_THAT(end.err, HasSubstr("already ended"));
}

TEST(AttackWindows, CleanRestartKeepsRunningWindows) {
  TempDir dir;
  auto daemon = std::make_unique<RunningDaemon>(dir, TestConfig());
  ASSERT_TRUE(daemon->WaitReady()) << daemon->process().Stderr();
  auto started = Steadystate({"--server", daemon->url(), "attack", "start", "--type", "cpu"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = started.out.substr(0, started.out.find('\n'));
  daemon->process().Signal(SIGTERM);
  ASSERT_TRUE(daemon->process().Wait(kDeadline).has_value());
  daemon = std::make_unique<RunningDaemon>(dir, TestConfig());
  ASSERT_TRUE(daemon->WaitReady()) << daemon->process().Stderr();
  auto res = daemon->Client().Get("/api/v1/attacks/" + id);
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["outcome"], "running");
  auto end =
      Steadystate({"--server", daemon->url(), "attack", "end", id, "--outcome", "completed"});
  EXPECT_EQ(end.exit_code, 0) << end.err;
}

TEST(AttackWindows, AnnouncementsReachSlackAndTheWebhook) {
  TempDir dir;
  FakeReceiver slack(FakeResponse::SlackOk());
  FakeReceiver webhook(FakeResponse::Status(200));
  const std::string config = TestConfig(
      "notifiers:\n"
      "  - {name: chaos-slack, slack: {webhook_url_env: TEST_SLACK_URL}}\n"
      "  - {name: hook, webhook: {url: \"" +
      webhook.url() +
      "/hook\"}}\n"
      "chaos: {announce: [chaos-slack, hook]}\n");
  RunningDaemon daemon(dir, config, {{"TEST_SLACK_URL", slack.url() + "/services/T0/B0/secret"}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto started = Steadystate({"--server", daemon.url(), "attack", "start", "--type", "cpu",
                              "--target", "web-1", "--expected", "5m"},
                             {{"USER", "alice"}, {"SUDO_USER", ""}});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_TRUE(slack.WaitForRequests(1));
  ASSERT_TRUE(webhook.WaitForRequests(1));
  auto end = Steadystate({"--server", daemon.url(), "attack", "end", id, "--outcome", "halted",
                          "--reason", "www availability 97.2% < 99.9%"});
  ASSERT_EQ(end.exit_code, 0) << end.err;
  ASSERT_TRUE(slack.WaitForRequests(2));
  ASSERT_TRUE(webhook.WaitForRequests(2));

  auto slack_text = [&](size_t i) {
    return json::parse(slack.Requests()[i].body)["text"].get<std::string>();
  };
  EXPECT_THAT(slack_text(0), HasSubstr("cpu attack on web-1 started by alice, expected 5m"));
  EXPECT_THAT(slack_text(1),
              HasSubstr("cpu attack on web-1 halted: www availability 97.2% < 99.9%"));
  auto hook = json::parse(webhook.Requests()[0].body);
  EXPECT_EQ(hook["kind"], "chaos_announcement");
  EXPECT_EQ(hook["attack"]["id"], id);
  EXPECT_THAT(json::parse(webhook.Requests()[1].body)["text"].get<std::string>(),
              HasSubstr("halted"));
  EXPECT_EQ(webhook.Requests()[0].path, "/hook");
}

TEST(AttackWindows, MetricsShowActiveAndEndedWindows) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto started = Steadystate(
      {"--server", daemon.url(), "attack", "start", "--type", "dns", "--target", "web-1"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  auto metrics = daemon.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(SampleValue(metrics->body, "steadystate_attack_active{target=\"web-1\",type=\"dns\"}"),
            1.0);
  const std::string id = started.out.substr(0, started.out.find('\n'));
  ASSERT_EQ(Steadystate({"--server", daemon.url(), "attack", "end", id}).exit_code, 0);
  metrics = daemon.Client().Get("/metrics");
  EXPECT_EQ(
      SampleValue(metrics->body, "steadystate_attacks_total{outcome=\"completed\",type=\"dns\"}"),
      1.0);
  EXPECT_FALSE(
      SampleValue(metrics->body, "steadystate_attack_active{target=\"web-1\",type=\"dns\"}"));
}

TEST(ChaosToolkitImport, CliApiAndJournalDirImportEachJournalOnce) {
  TempDir dir;
  const std::string journals = SourceDir() + "/tests/data/chaostoolkit/";
  std::filesystem::create_directories(dir / "journals");
  const std::string config = TestConfig("chaos: {sources: [{chaostoolkit: {journal_dir: \"" +
                                        (dir / "journals") + "\"}}]}\n");
  RunningDaemon daemon(dir, config);
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();

  auto r = Steadystate({"--server", daemon.url(), "import", "chaostoolkit",
                        journals + "netem-latency.json", journals + "stress-cpu-old.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("imported"));
  r = Steadystate(
      {"--server", daemon.url(), "import", "chaostoolkit", journals + "netem-latency.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("unchanged"));
  EXPECT_EQ(Attacks(daemon).size(), 2u);

  // The API, as a `chaos run` wrapper would post it.
  auto client = daemon.Client();
  auto res = client.Post("/api/v1/import/chaostoolkit", ReadFile(journals + "interrupted.json"),
                         "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
  res = client.Post("/api/v1/import/chaostoolkit", "{\"experiment\":", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("not valid JSON"));

  // The watched directory: a journal dropped there is imported; the same one again is not.
  std::filesystem::copy_file(journals + "iptables-aborted.json", dir / "journals/j1.json");
  ASSERT_TRUE(WaitFor([&] { return Attacks(daemon).size() == 4u; }, kDeadline))
      << daemon.process().Stderr();
  std::filesystem::copy_file(journals + "iptables-aborted.json", dir / "journals/copy.json");
  std::filesystem::copy_file(journals + "interrupted.json", dir / "journals/j2.json");
  std::filesystem::copy_file(journals + "probes-only.json", dir / "journals/j3.json");
  ASSERT_TRUE(WaitFor([&] { return Attacks(daemon).size() == 5u; }, kDeadline));
  auto all = Attacks(daemon);
  int blackholes = 0;
  for (const auto& a : all) blackholes += a["type"] == "blackhole" ? 1 : 0;
  EXPECT_EQ(blackholes, 1);
}

TEST(GremlinImport, DaemonSyncsAndTheCliImportsIdempotently) {
  TempDir dir;
  FakeGremlin gremlin;
  gremlin.SetSnakeCase(true);
  FakeGremlinAttack done;
  done.guid = "g-done";
  // The daemon reads Gremlin's range around "now": the attack ended 10 minutes ago.
  auto ten_minutes_ago = [] {
    auto r = steadystate::test_support::Run(
        {"/bin/date", "-u", "+%Y-%m-%dT%H:%M:%S.000Z", "-d", "-10 min"});
    return r.out.substr(0, r.out.find('\n'));
  };
  done.start_time = ten_minutes_ago();
  done.end_time = done.start_time;
  done.type = "Latency";
  gremlin.Add(done);
  gremlin.ScriptFailure(429, 1);
  gremlin.ScriptFailure(502);
  const std::string config = TestConfig(
      "chaos:\n"
      "  sources:\n"
      "    - gremlin: {api_key_env: TEST_GREMLIN_KEY, team_id: team-1, sync_interval: 1s,\n"
      "                base_url: \"" +
      gremlin.url() + "\"}\n");
  RunningDaemon daemon(dir, config, {{"TEST_GREMLIN_KEY", "gremlin-secret"}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return Attacks(daemon).size() == 1u; }, kDeadline))
      << daemon.process().Stderr();
  auto a = Attacks(daemon)[0];
  EXPECT_EQ(a["source"], "gremlin");
  EXPECT_EQ(a["source_id"], "g-done");
  EXPECT_EQ(a["type"], "latency");
  EXPECT_EQ(a["outcome"], "completed");
  EXPECT_THAT(daemon.process().Stderr(), ::testing::Not(HasSubstr("gremlin-secret")));

  auto r =
      Steadystate({"--server", daemon.url(), "--config", daemon.config_path(), "import", "gremlin"},
                  {{"TEST_GREMLIN_KEY", "gremlin-secret"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 new"));
  EXPECT_EQ(Attacks(daemon).size(), 1u);
}

TEST(AttackWindows, CsvNeutralisesFormulasAndOverLongFieldsAreRefused) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto res = client.Post("/api/v1/attacks",
                         R"j({"type":"cpu","name":"=cmd|' /C calc'!A0","created_by":"@SUM(A1)",)j"
                         R"j("targets":["-2+3"]})j",
                         "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  auto csv = client.Get("/api/v1/attacks?format=csv");
  ASSERT_TRUE(csv);
  EXPECT_THAT(csv->body, HasSubstr(",api,,cpu,\"'-2+3\",,"));
  EXPECT_THAT(csv->body, HasSubstr(",\"'@SUM(A1)\",\"'=cmd|' /C calc'!A0\",running,"));

  res =
      client.Post("/api/v1/attacks", R"({"type":"cpu","name":")" + std::string(300, 'n') + R"("})",
                  "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("name: 300 bytes, over the limit of 256"));
  EXPECT_EQ(Attacks(daemon).size(), 1u);
}

TEST(ChaosToolkitImport, AJournalOverTheConfiguredCapIsRefusedNamingTheFileAndTheLimit) {
  TempDir dir;
  const std::string config = dir / "steadystate.yaml";
  std::ofstream(config) << TestConfig("chaos: {max_journal_bytes: 1KiB}\n");
  const std::string big = dir / "big.json";
  std::ofstream(big) << std::string(1025, ' ');
  const std::string zero = dir / "zero.json";
  std::filesystem::create_symlink("/dev/zero", zero);
  for (const std::string& journal : {big, zero}) {
    auto r = Steadystate({"--server", "http://127.0.0.1:1", "--config", config, "--data",
                          dir / "data", "import", "chaostoolkit", journal});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(journal + ": larger than chaos.max_journal_bytes (1024 bytes)"));
  }
}

}  // namespace
}  // namespace steadystate::test_support
