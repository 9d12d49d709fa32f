#include "chaos/attack_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::chaos {
namespace {

using steadystate::test_support::TempDir;
using steadystate::test_support::WaitFor;
using ::testing::HasSubstr;

// Records what the runner asks for; breaks the steady state after `healthy_checks` checks.
class FakeBackend final : public AttackBackend {
 public:
  Result<Attack> Start(const Attack& attack) override {
    std::lock_guard lock(mu_);
    if (fail_start) return MakeError(ErrorCode::kUnavailable, "store is down");
    started = attack;
    started->id = "A1";
    return *started;
  }
  Result<Attack> End(const std::string& id, const AttackEnd& end, const StopSignal&) override {
    std::lock_guard lock(mu_);
    ended_id = id;
    last_end = end;
    Attack a = *started;
    a.outcome = end.outcome;
    a.end = end.end;
    a.halted_reason = end.halted_reason;
    a.exit_status = end.exit_status;
    if (!end.steady_state.empty()) a.steady_state = end.steady_state;
    return a;
  }
  Result<std::optional<std::string>> Breach(const std::vector<std::string>&) override {
    ++checks;
    if (checks > healthy_checks) return std::optional<std::string>("www: last probe failed");
    return std::optional<std::string>{};
  }

  std::mutex mu_;
  bool fail_start = false;
  int healthy_checks = 1000000;
  std::atomic<int> checks{0};
  std::optional<Attack> started;
  std::string ended_id;
  std::optional<AttackEnd> last_end;
};

AttackRunOptions Options(std::vector<std::string> command) {
  AttackRunOptions options;
  options.attack.type = "cpu";
  options.attack.services = {"www"};
  options.command = std::move(command);
  options.check_interval = std::chrono::milliseconds(50);
  options.grace = std::chrono::seconds(2);
  return options;
}

TEST(AttackRun, SuccessfulCommandCompletes) {
  FakeBackend backend;
  auto result = RunAttack(Options({"true"}), backend, SystemClock());
  EXPECT_EQ(result.exit_status, 0);
  ASSERT_TRUE(backend.last_end.has_value());
  EXPECT_EQ(backend.ended_id, "A1");
  EXPECT_EQ(backend.last_end->outcome, "completed");
  EXPECT_EQ(backend.last_end->exit_status, 0);
  EXPECT_LE(backend.started->start, *backend.last_end->end);
  EXPECT_TRUE(backend.last_end->steady_state.empty());  // left to the daemon's judge
}

TEST(AttackRun, FailingCommandIsFailedAndItsStatusPassesThrough) {
  FakeBackend backend;
  auto result = RunAttack(Options({"sh", "-c", "exit 3"}), backend, SystemClock());
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_EQ(backend.last_end->outcome, "failed");
  EXPECT_EQ(backend.last_end->exit_status, 3);
}

TEST(AttackRun, KilledCommandExitsWith128PlusSignal) {
  FakeBackend backend;
  auto result = RunAttack(Options({"sh", "-c", "kill -KILL $$"}), backend, SystemClock());
  EXPECT_EQ(result.exit_status, 128 + SIGKILL);
  EXPECT_EQ(backend.last_end->outcome, "failed");
}

TEST(AttackRun, MissingProgramIsRecordedAsFailedWith127) {
  FakeBackend backend;
  auto result =
      RunAttack(Options({"/nonexistent/steadystate-no-such-tool"}), backend, SystemClock());
  EXPECT_EQ(result.exit_status, 127);
  ASSERT_TRUE(backend.last_end.has_value());
  EXPECT_EQ(backend.last_end->outcome, "failed");
}

TEST(AttackRun, NothingRunsWhenTheStartCannotBeRecorded) {
  TempDir dir;
  FakeBackend backend;
  backend.fail_start = true;
  auto result = RunAttack(Options({"sh", "-c", "touch " + (dir / "ran")}), backend, SystemClock());
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_FALSE(std::ifstream(dir / "ran").good());
  EXPECT_FALSE(backend.last_end.has_value());
}

TEST(AttackRun, BreachHaltsTheWholeProcessGroup) {
  TempDir dir;
  FakeBackend backend;
  backend.healthy_checks = 3;
  auto options = Options(
      {"sh", "-c", "trap '' TERM; sleep 60 & echo $! > " + (dir / "grandchild") + "; wait"});
  options.halt_on_breach = true;
  options.grace = std::chrono::milliseconds(300);
  auto result = RunAttack(options, backend, SystemClock());
  ASSERT_TRUE(backend.last_end.has_value());
  EXPECT_EQ(backend.last_end->outcome, "halted");
  EXPECT_EQ(backend.last_end->halted_reason, "www: last probe failed");
  EXPECT_EQ(backend.last_end->steady_state, "broken");
  // The shell ignored SIGTERM, so it took the SIGKILL.
  EXPECT_EQ(result.exit_status, 128 + SIGKILL);
  std::ifstream in(dir / "grandchild");
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(WaitFor([&] { return kill(grandchild, 0) != 0; }));
}

TEST(AttackRun, BrokenSteadyStateBeforeTheAttackStartsNothing) {
  FakeBackend backend;
  backend.healthy_checks = 0;
  auto options = Options({"true"});
  options.halt_on_breach = true;
  auto result = RunAttack(options, backend, SystemClock());
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_FALSE(backend.started.has_value());
}

TEST(BreachReason, NamesEveryFailingServiceAndItsReasons) {
  EXPECT_EQ(BreachReason(R"({"ok":false,"services":[{"name":"www","ok":false,"reasons":[
      "slo availability: 97.2% over the last 5m is below the objective 99.9%"]},
      {"name":"db","ok":true,"reasons":[]},{"name":"api","ok":false,"reasons":["a","b"]}]})"),
            "www: slo availability: 97.2% over the last 5m is below the objective 99.9%; "
            "api: a, b");
  EXPECT_EQ(BreachReason("not json"), "steady state broken");
  // The daemon's own reason, before its first SLO round.
  EXPECT_EQ(BreachReason(R"({"ok":false,"reasons":["the SLOs have not been evaluated yet"],)"
                         R"("services":[]})"),
            "the SLOs have not been evaluated yet");
}

}  // namespace
}  // namespace steadystate::chaos
