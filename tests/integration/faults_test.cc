// The fault suite: the real daemon killed with -9 during concurrent writes, a PagerDuty
// outage across a restart, a real full disk (a small tmpfs) across a restart, and
// `attack run` whose daemon goes away while the command runs. Each waits on conditions
// with generous deadlines; none measures time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/ports.h"
#include "tests/support/small_tmpfs.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr auto kDeadline = std::chrono::seconds(60);
constexpr char kRoutingKey[] = "0123456789abcdef0123456789abcdef";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A /proc the test controls: the host's load average is whatever SetLoad wrote.
class FakeProc {
 public:
  explicit FakeProc(const TempDir& dir) : root_(dir / "proc") {
    std::filesystem::create_directories(root_);
    const std::string data = SourceDir() + "/tests/data/proc/";
    std::filesystem::copy_file(data + "stat-6.1", root_ + "/stat");
    std::filesystem::copy_file(data + "meminfo-6.1", root_ + "/meminfo");
    SetLoad(0.5);
  }
  const std::string& root() const { return root_; }
  // Written whole and renamed, so the sampler never reads half a file.
  void SetLoad(double load1) const {
    const std::string tmp = root_ + "/loadavg.tmp";
    std::ofstream(tmp, std::ios::trunc) << load1 << " 0.50 0.50 1/100 4242\n";
    std::filesystem::rename(tmp, root_ + "/loadavg");
  }

 private:
  std::string root_;
};

// A daemon on a fixed port (so a restart answers where clients already point) that pages
// PagerDuty when the host's load1 goes above 5.
std::string PagingConfig(int port, const FakeProc& proc, const FakeReceiver& pagerduty) {
  return "server: {listen: \"127.0.0.1:" + std::to_string(port) +
         "\"}\n"
         "log: {level: info}\n"
         "host: {interval: 1s, procfs: \"" +
         proc.root() +
         "\"}\n"
         "alerts:\n"
         "  - {name: HostLoadHigh, metric: load1, above: 5, for: 0s, recover_below: 4,\n"
         "     severity: critical, notify: [pd]}\n"
         "notifiers:\n"
         "  - {name: pd, pagerduty_events: {routing_key_env: TEST_PD_KEY, url: \"" +
         pagerduty.url() + "/v2/enqueue\"}}\n";
}

struct PdEvent {
  std::string action;
  std::string dedup_key;
};

std::vector<PdEvent> Events(const FakeReceiver& pagerduty, size_t from = 0) {
  std::vector<PdEvent> out;
  const auto requests = pagerduty.Requests();
  for (size_t i = from; i < requests.size(); ++i) {
    const json body = json::parse(requests[i].body);
    out.push_back({body.value("event_action", ""), body.value("dedup_key", "")});
  }
  return out;
}

std::unique_ptr<RunningDaemon> StartDaemon(const TempDir& dir, const std::string& config,
                                           const std::string& data_dir = "") {
  auto daemon = std::make_unique<RunningDaemon>(
      dir, config, std::map<std::string, std::string>{{"TEST_PD_KEY", kRoutingKey}}, data_dir);
  EXPECT_TRUE(daemon->WaitReady()) << daemon->process().Stderr();
  return daemon;
}

void Kill(RunningDaemon& daemon) {
  daemon.process().Signal(SIGKILL);
  ASSERT_TRUE(daemon.process().Wait(kDeadline).has_value());
}

// The alert the daemon shows for HostLoadHigh, in `state`, or null.
bool AlertIs(const RunningDaemon& daemon, const std::string& state) {
  auto res = daemon.Client().Get("/api/v1/alerts");
  if (!res || res->status != 200) return false;
  for (const auto& a : json::parse(res->body)) {
    if (a.value("name", "") == "HostLoadHigh" && a.value("state", "") == state) return true;
  }
  return false;
}

// Fills the daemon's disk: the filler takes what is free, then big windows use up the WAL
// space RocksDB preallocated, until the store refuses a write.
void FillDisk(SmallTmpfs& disk, httplib::Client& client) {
  ASSERT_TRUE(disk.Fill());
  json targets = json::array();  // 100 targets of 250 bytes: about 25 KiB a write
  for (int t = 0; t < 100; ++t) targets.push_back(std::to_string(t) + std::string(247, 't'));
  const std::string big = json{{"type", "disk"}, {"targets", targets}}.dump();
  int status = 201;
  for (int i = 0; i < 2000 && status == 201; ++i) {
    auto res = client.Post("/api/v1/attacks", big, "application/json");
    ASSERT_TRUE(res);
    status = res->status;
    ASSERT_NE(status, 400) << res->body;
  }
  ASSERT_GE(status, 500) << "the full disk never refused a write";
}

// (a) No acknowledged write is lost to kill -9: two clients start windows as fast as the
// daemon takes them while it is killed ten times.
TEST(Faults, TenKillNinesDuringConcurrentWritesLoseNoAcknowledgedWrite) {
  TempDir dir;
  const int port = FreePort();
  const std::string config = "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n";
  std::mutex mu;
  std::set<std::string> acknowledged;
  for (int round = 0; round < 10; ++round) {
    auto daemon = StartDaemon(dir, config);
    ASSERT_NE(daemon->port(), 0);
    std::atomic<int> written{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(2);
        client.set_read_timeout(5);
        for (int i = 0; !stop; ++i) {
          const json body = {{"type", "cpu"},
                             {"targets", {"web-" + std::to_string(w)}},
                             {"name", "round " + std::to_string(round) + " #" + std::to_string(i)}};
          auto res = client.Post("/api/v1/attacks", body.dump(), "application/json");
          if (!res) continue;  // killed mid-request: not acknowledged
          if (res->status == 201) {
            std::lock_guard lock(mu);
            acknowledged.insert(json::parse(res->body)["id"].get<std::string>());
            ++written;
          }
        }
      });
    }
    // Kill while the writers are busy: after some writes went through.
    EXPECT_TRUE(WaitFor([&] { return written >= 20; }, kDeadline));
    Kill(*daemon);
    stop = true;
    for (auto& t : writers) t.join();
  }
  auto daemon = StartDaemon(dir, config);
  auto client = daemon->Client();
  ASSERT_GE(acknowledged.size(), 200u);
  for (const auto& id : acknowledged) {
    auto res = client.Get("/api/v1/attacks/" + id);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << "acknowledged attack " << id << " is lost";
  }
}

// (b) PagerDuty refuses every event while the alert fires; the daemon is killed, the load
// drops while it is down, PagerDuty comes back: one trigger and its resolve arrive.
TEST(Faults, APagerDutyOutageAcrossARestartDeliversOneTriggerAndOneResolve) {
  TempDir dir;
  FakeProc proc(dir);
  FakeReceiver pagerduty(FakeResponse::Status(503));
  const std::string config = PagingConfig(FreePort(), proc, pagerduty);
  auto daemon = StartDaemon(dir, config);
  proc.SetLoad(9);
  ASSERT_TRUE(pagerduty.WaitForRequests(2, kDeadline)) << daemon->process().Stderr();
  Kill(*daemon);

  proc.SetLoad(0.5);
  pagerduty.SetDefault(FakeResponse::PagerDutyAccepted());
  const size_t refused = pagerduty.RequestCount();
  daemon = StartDaemon(dir, config);
  ASSERT_TRUE(WaitFor([&] { return pagerduty.RequestCount() >= refused + 2; }, kDeadline))
      << daemon->process().Stderr();
  const auto delivered = Events(pagerduty, refused);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].action, "trigger");
  EXPECT_EQ(delivered[1].action, "resolve");
  EXPECT_EQ(delivered[0].dedup_key, delivered[1].dedup_key);
  for (const auto& e : Events(pagerduty)) EXPECT_EQ(e.dedup_key, delivered[0].dedup_key);
}

// (c) The alert fires while the disk is full; the disk recovers; the daemon restarts while
// the alert still fires: PagerDuty sees one trigger and, when the load drops, its resolve.
TEST(Faults, ADiskFullEpisodeAndARestartLeaveOneTriggerAndOneResolve) {
  SmallTmpfs disk("32m");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  TempDir dir;
  FakeProc proc(dir);
  FakeReceiver pagerduty(FakeResponse::PagerDutyAccepted());
  const std::string config = PagingConfig(FreePort(), proc, pagerduty);
  const std::string data = disk / "data";
  auto daemon = StartDaemon(dir, config, data);
  auto client = daemon->Client();

  ASSERT_NO_FATAL_FAILURE(FillDisk(disk, client));

  proc.SetLoad(9);
  ASSERT_TRUE(pagerduty.WaitForRequests(1, kDeadline)) << daemon->process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return AlertIs(*daemon, "firing"); }));

  disk.Free();
  // The alert state and the outbox catch up with the store once it takes writes again.
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string log = daemon->process().Stderr();
        return log.find("state saved after the store recovered") != std::string::npos &&
               log.find("delivered records the store kept") != std::string::npos;
      },
      kDeadline))
      << daemon->process().Stderr();
  Kill(*daemon);

  daemon = StartDaemon(dir, config, data);
  ASSERT_TRUE(WaitFor([&] { return AlertIs(*daemon, "firing"); })) << daemon->process().Stderr();
  proc.SetLoad(0.5);
  ASSERT_TRUE(pagerduty.WaitForRequests(2, kDeadline)) << daemon->process().Stderr();
  const auto events = Events(pagerduty);
  // A second trigger (a new dedup key after the restart) would come before the resolve.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "trigger");
  EXPECT_EQ(events[1].action, "resolve");
  EXPECT_EQ(events[0].dedup_key, events[1].dedup_key);
}

// `steadystate attack run` in `cwd` (where no data directory may appear).
std::unique_ptr<Process> AttackRun(const TempDir& dir, const std::string& cwd,
                                   const std::vector<std::string>& args) {
  std::string command = "cd '" + cwd + "' && exec '" + SteadystateBinary() + "'";
  for (const auto& a : args) command += " '" + a + "'";
  return std::make_unique<Process>(std::vector<std::string>{"/bin/sh", "-c", command},
                                   dir.path().string());
}

json Attack(const RunningDaemon& daemon, const std::string& id) {
  auto res = daemon.Client().Get("/api/v1/attacks/" + id);
  if (!res || res->status != 200) return json();
  return json::parse(res->body);
}

std::string AttackIdFrom(const std::string& stderr_text) {
  const auto at = stderr_text.find("attack ");
  const auto started = stderr_text.find(" started");
  if (at == std::string::npos || started == std::string::npos) return "";
  return stderr_text.substr(at + 7, started - at - 7);
}

// (d) The daemon is killed while the command runs and is back before the retries end:
// the end goes to the new daemon, the window is completed, the exit status the command's.
TEST(Faults, AttackRunRecordsItsEndWithADaemonThatCameBack) {
  TempDir dir;
  TempDir cwd;
  const int port = FreePort();
  const std::string config = "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n";
  auto daemon = StartDaemon(dir, config);
  auto run =
      AttackRun(dir, cwd.path().string(),
                {"--server", daemon->url(), "attack", "run", "--type", "cpu", "--", "sh", "-c",
                 "while [ ! -e '" + (dir / "go") + "' ]; do sleep 0.05; done; exit 3"});
  ASSERT_TRUE(WaitFor([&] { return !AttackIdFrom(run->Stderr()).empty(); })) << run->Stderr();
  const std::string id = AttackIdFrom(run->Stderr());
  Kill(*daemon);
  dir.Write("go", "");  // the command ends while no daemon answers
  ASSERT_TRUE(WaitFor([&] { return run->Stderr().find("retrying") != std::string::npos; }))
      << run->Stderr();
  daemon = StartDaemon(dir, config);
  auto result = run->Wait(kDeadline);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 3) << result->err;
  const json attack = Attack(*daemon, id);
  EXPECT_EQ(attack["outcome"], "failed") << attack.dump();
  EXPECT_EQ(attack["exit_status"], 3);
  EXPECT_FALSE(std::filesystem::exists(cwd / "steadystate-data"));
}

// An `attack run --end-retry RETRY` through a daemon that is killed while the command
// runs; Begin() returns once the command has ended with no daemon answering.
struct AttackRunWithoutItsDaemon {
  explicit AttackRunWithoutItsDaemon(std::string retry) : end_retry(std::move(retry)) {}
  void Begin() {
    daemon = StartDaemon(dir, config);
    run = AttackRun(
        dir, cwd.path().string(),
        {"--server", daemon->url(), "attack", "run", "--type", "cpu", "--end-retry", end_retry,
         "--", "sh", "-c", "while [ ! -e '" + (dir / "go") + "' ]; do sleep 0.05; done"});
    ASSERT_TRUE(WaitFor([&] { return !AttackIdFrom(run->Stderr()).empty(); })) << run->Stderr();
    id = AttackIdFrom(run->Stderr());
    Kill(*daemon);
    dir.Write("go", "");
  }

  TempDir dir;
  TempDir cwd;
  std::string config = "server: {listen: \"127.0.0.1:" + std::to_string(FreePort()) + "\"}\n";
  std::unique_ptr<RunningDaemon> daemon;
  std::unique_ptr<Process> run;
  std::string id;
  std::string end_retry;
};

// (d) The daemon is killed and stays away: `attack run` exits with the command's status,
// creates no data directory, and prints the command that records the end, which corrects
// the window the restarted daemon closed as abandoned.
TEST(Faults, AttackRunWhoseDaemonStaysAwaySaysHowToRecordTheEnd) {
  AttackRunWithoutItsDaemon t("1s");
  ASSERT_NO_FATAL_FAILURE(t.Begin());
  TempDir& dir = t.dir;
  const TempDir& cwd = t.cwd;
  const std::string& config = t.config;
  auto& daemon = t.daemon;
  auto& run = t.run;
  const std::string& id = t.id;
  auto result = run->Wait(kDeadline);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << result->err;
  EXPECT_FALSE(std::filesystem::exists(cwd / "steadystate-data"));
  const auto at = result->err.find("steadystate --server");
  ASSERT_NE(at, std::string::npos) << result->err;
  const std::string printed = result->err.substr(at, result->err.find('\n', at) - at);
  EXPECT_THAT(printed, HasSubstr("attack end " + id + " --outcome completed --at "));

  daemon = StartDaemon(dir, config);  // after a crash: the window is closed as abandoned
  ASSERT_TRUE(WaitFor([&] { return Attack(*daemon, id).value("outcome", "") == "abandoned"; }));
  auto replay = steadystate::test_support::Run(
      {"/bin/sh", "-c",
       "cd '" + cwd.path().string() + "' && exec '" + SteadystateBinary() + "'" +
           printed.substr(std::string("steadystate").size())});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  const json attack = Attack(*daemon, id);
  EXPECT_EQ(attack["outcome"], "completed") << attack.dump();
  EXPECT_EQ(attack["exit_status"], 0);
}

// Ctrl-C while `attack run` retries the end (its daemon gone) stops the retries at once:
// the end is deferred (the printed command records it) and the exit status is still the
// command's. The retry period is far longer than the test waits.
TEST(Faults, AttackRunInterruptedWhileRetryingDefersTheEndAtOnce) {
  AttackRunWithoutItsDaemon t("1h");
  ASSERT_NO_FATAL_FAILURE(t.Begin());
  const TempDir& cwd = t.cwd;
  auto& run = t.run;
  const std::string& id = t.id;
  ASSERT_TRUE(WaitFor([&] { return run->Stderr().find("retrying") != std::string::npos; }))
      << run->Stderr();
  run->Signal(SIGINT);
  auto result = run->Wait(kDeadline);
  ASSERT_TRUE(result.has_value()) << "attack run kept retrying after SIGINT";
  EXPECT_EQ(result->exit_code, 0) << result->err;
  EXPECT_THAT(result->err, HasSubstr("interrupted while retrying"));
  EXPECT_THAT(result->err, HasSubstr("attack end " + id + " --outcome completed --at "));
  EXPECT_FALSE(std::filesystem::exists(cwd / "steadystate-data"));
}

// (d) The daemon cannot answer (stopped) while holding its data: `attack run` keeps the
// end in the data directory's pending-ends journal, and the restarted daemon records it
// before it closes abandoned windows.
TEST(Faults, AttackRunKeepsTheEndInTheJournalTheDaemonRecordsAtStart) {
  TempDir dir;
  const int port = FreePort();
  const std::string config = "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n";
  auto daemon = StartDaemon(dir, config);
  auto run = AttackRun(dir, dir.path().string(),
                       {"--server", daemon->url(), "--data", dir / "data", "attack", "run",
                        "--type", "cpu", "--end-retry", "1s", "--", "sh", "-c",
                        "while [ ! -e '" + (dir / "go") + "' ]; do sleep 0.05; done"});
  ASSERT_TRUE(WaitFor([&] { return !AttackIdFrom(run->Stderr()).empty(); })) << run->Stderr();
  const std::string id = AttackIdFrom(run->Stderr());
  daemon->process().Signal(SIGSTOP);  // holds the store, answers nothing
  dir.Write("go", "");
  auto result = run->Wait(kDeadline);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 0) << result->err;
  EXPECT_THAT(result->err, HasSubstr("pending-attack-ends.jsonl"));
  Kill(*daemon);

  daemon = StartDaemon(dir, config);
  const json attack = Attack(*daemon, id);
  EXPECT_EQ(attack["outcome"], "completed") << attack.dump() << daemon->process().Stderr();
  EXPECT_EQ(attack["exit_status"], 0);
  EXPECT_EQ(ReadFile(dir / "data/pending-attack-ends.jsonl"), "");
}

// A daemon whose data directory is on a small tmpfs (skipped where mounting is not
// permitted), with one running `latency` attack window, `id`.
class FullDiskWindow : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk.mounted()) GTEST_SKIP() << disk.error();
    daemon = StartDaemon(dir, config, data);
    auto client = daemon->Client();
    auto started = client.Post("/api/v1/attacks", R"({"type":"latency"})", "application/json");
    ASSERT_TRUE(started);
    ASSERT_EQ(started->status, 201) << started->body;
    id = json::parse(started->body)["id"];
  }

  SmallTmpfs disk{"32m"};
  TempDir dir;
  const std::string config = TestConfig();
  const std::string data = disk / "data";
  std::unique_ptr<RunningDaemon> daemon;
  std::string id;
};

// A clean stop (SIGTERM) on a full disk cannot clear the running marker; the next start
// must still know the stop was clean and keep the windows running.
TEST_F(FullDiskWindow, ACleanStopOnAFullDiskKeepsRunningWindowsRunning) {
  auto client = daemon->Client();

  ASSERT_NO_FATAL_FAILURE(FillDisk(disk, client));
  daemon->process().Signal(SIGTERM);
  auto stopped = daemon->process().Wait(kDeadline);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_EQ(stopped->exit_code, 0) << daemon->process().Stderr();
  EXPECT_THAT(daemon->process().Stderr(), HasSubstr("recorded the clean stop"));

  disk.Free();
  daemon = StartDaemon(dir, config, data);
  EXPECT_EQ(Attack(*daemon, id).value("outcome", ""), "running") << daemon->process().Stderr();
  EXPECT_THAT(daemon->process().Stderr(), ::testing::Not(HasSubstr("did not stop cleanly")));
}

// A start on a full disk is refused with exit 1 and a message that says so (every RocksDB
// open writes a new MANIFEST); it once aborted the process inside RocksDB (a failed append
// to its LOG file, asserted on at the next append). A start may still find room (the
// recovery truncates the killed daemon's preallocated WAL): it then runs, is killed, and
// the disk is filled again, until a start finds none. Once space is back the data is there.
TEST_F(FullDiskWindow, AStartOnAFullDiskIsRefusedClearlyAndLosesNothing) {
  Kill(*daemon);

  const std::string config_file = dir.Write("full.yaml", config);
  bool refused = false;
  for (int attempt = 0; attempt < 5 && !refused; ++attempt) {
    ASSERT_TRUE(disk.Fill());
    Process serve({SteadystateBinary(), "serve", "--config", config_file, "--data", data},
                  dir.path().string());
    ASSERT_TRUE(WaitFor(
        [&] {
          return !serve.Running() || serve.Stderr().find("listening on") != std::string::npos;
        },
        kDeadline));
    if (serve.Running()) {  // it found room; take that away too
      serve.Signal(SIGKILL);
      ASSERT_TRUE(serve.Wait(kDeadline).has_value());
      continue;
    }
    auto served = serve.Wait(kDeadline);
    ASSERT_TRUE(served.has_value());
    ASSERT_EQ(served->exit_code, 1) << serve.Stderr();  // not killed by SIGABRT
    EXPECT_THAT(serve.Stderr(), HasSubstr("its file system is full"));
    refused = true;
  }
  EXPECT_TRUE(refused) << "every start found room on the full disk";

  disk.Free();
  daemon = StartDaemon(dir, config, data);
  EXPECT_EQ(Attack(*daemon, id).value("type", ""), "latency") << daemon->process().Stderr();
}

// A config that sends HTTP requests and a libcurl that cannot be loaded: `check-config`
// and `serve` say so and exit 1 at start, instead of running with pages that never go out.
TEST(Faults, AMissingLibcurlStopsAConfigThatNeedsItAtStart) {
  TempDir dir;
  const std::map<std::string, std::string> no_curl = {
      {"STEADYSTATE_LIBCURL", "libsteadystate-no-such-curl.so.4"}};
  const std::string needs_http = dir.Write(
      "hook.yaml",
      TestConfig("notifiers:\n  - {name: hook, webhook: {url: \"http://127.0.0.1:9/x\"}}\n"));
  const std::string no_http = dir.Write("plain.yaml", TestConfig());

  auto valid = steadystate::test_support::Run({SteadystateBinary(), "check-config", needs_http});
  ASSERT_EQ(valid.exit_code, 0) << valid.err;  // the config itself is fine
  auto checked =
      steadystate::test_support::Run({SteadystateBinary(), "check-config", needs_http}, no_curl);
  EXPECT_EQ(checked.exit_code, 1) << checked.err;
  EXPECT_THAT(checked.err, HasSubstr("notifiers[0] needs outbound HTTP"));
  EXPECT_THAT(checked.err, HasSubstr("libsteadystate-no-such-curl.so.4"));
  auto plain =
      steadystate::test_support::Run({SteadystateBinary(), "check-config", no_http}, no_curl);
  EXPECT_EQ(plain.exit_code, 0) << plain.err;

  Process serve({SteadystateBinary(), "serve", "--config", needs_http, "--data", dir / "data"},
                dir.path().string(), no_curl);
  auto served = serve.Wait(kDeadline);
  ASSERT_TRUE(served.has_value()) << "serve kept running without libcurl";
  EXPECT_EQ(served->exit_code, 1);
  EXPECT_THAT(serve.Stderr(), HasSubstr("needs outbound HTTP"));
  EXPECT_THAT(serve.Stderr(), ::testing::Not(HasSubstr("listening on")));
}

}  // namespace
}  // namespace steadystate::test_support
