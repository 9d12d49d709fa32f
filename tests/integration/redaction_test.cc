// What the daemon and the CLI print is safe to read. Secrets echoed back by a receiver
// never leave the process: a fake PagerDuty whose errors quote the request's Authorization
// header and token, and the real daemon and CLI; the token must appear in no log line, no
// API error body and nothing the CLI prints. And a name from outside cannot forge a log
// line or send terminal escapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "tests/support/daemon.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "pd-echoed-secret-5b1e8d";

std::string PagerDutyConfig(const FakePagerDuty& fake, const std::string& data_dir = "") {
  std::string out = "pagerduty: {api_token_env: PD_TOKEN, base_url: \"" + fake.url() +
                    "\", sync_interval: 1h, lookback: 1d}\n";
  if (!data_dir.empty()) out += "storage: {path: \"" + data_dir + "\"}\n";
  return out;
}

ProcessResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args), {{"PD_TOKEN", kToken}});
}

FakePdFault Echo(int status) {
  FakePdFault fault;
  fault.kind = FakePdFault::Kind::kEchoCredentials;
  fault.status = status;
  return fault;
}

TEST(Redaction, AnEchoedTokenReachesNoLogLineApiErrorOrCliOutput) {
  FakePagerDuty fake(kToken);
  // The first sync at start: a 500 that echoes (a retry line in the log), then a 400 that
  // echoes (the sync fails, and says why in the log).
  fake.Script(Echo(500));
  fake.Script(Echo(400));
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig(PagerDutyConfig(fake)), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  ASSERT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("PagerDuty import failed") != std::string::npos;
  })) << daemon.process().Stderr();

  // The import API: 502 with PagerDuty's reason, without the token.
  fake.Script(Echo(400));
  auto failed = daemon.Client().Post("/api/v1/import/pagerduty", "", "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 502);
  EXPECT_THAT(failed->body, HasSubstr("Invalid Input Provided"));
  EXPECT_THAT(failed->body, HasSubstr("[redacted]"));
  EXPECT_THAT(failed->body, Not(HasSubstr(kToken)));

  // The CLI through the daemon.
  fake.Script(Echo(400));
  auto through =
      Cli({"import", "pagerduty", "--server", daemon.url(), "--config", daemon.config_path()});
  EXPECT_EQ(through.exit_code, 1);
  EXPECT_THAT(through.err, HasSubstr("Invalid Input Provided"));
  EXPECT_THAT(through.err + through.out, Not(HasSubstr(kToken)));

  daemon.process().Signal(SIGTERM);
  ASSERT_TRUE(daemon.process().Wait(std::chrono::seconds(30)).has_value());
  const std::string log = daemon.process().Stderr();
  EXPECT_THAT(log, HasSubstr("retry 1 of 5"));
  EXPECT_THAT(log, HasSubstr("Authorization: Token [redacted]"));
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
  EXPECT_THAT(daemon.process().Stdout(), Not(HasSubstr(kToken)));
  EXPECT_GE(fake.Requests().size(), 4u);
}

TEST(Redaction, TheCliWorkingOnTheStoreKeepsAnEchoedTokenOut) {
  FakePagerDuty fake(kToken);
  fake.Script(Echo(500));
  fake.Script(Echo(400));
  TempDir dir;
  const std::string config = dir.Write("steadystate.yaml", PagerDutyConfig(fake, dir / "data"));
  // No daemon answers at this address: the CLI imports itself.
  auto direct = Cli({"import", "pagerduty", "--server", "http://127.0.0.1:1", "--config", config,
                     "--since", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(direct.exit_code, 1);
  EXPECT_THAT(direct.err, HasSubstr("Invalid Input Provided"));
  EXPECT_THAT(direct.out + direct.err, HasSubstr("retry 1 of 5"));
  EXPECT_THAT(direct.out + direct.err, Not(HasSubstr(kToken)));
}

TEST(LogSafety, AnAttackNameCannotForgeALogLineOrColourTheTerminal) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  // JSON escapes: the daemon's attack name holds a real newline and ESC.
  const std::string name = R"(x\n2026-01-01T00:00:00.000Z info forged\u001b[31m red)";
  auto res = daemon.Client().Post("/api/v1/attacks",
                                  R"({"type":"cpu","name":")" + name + R"(","created_by":"test"})",
                                  "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  ASSERT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("started: type=cpu") != std::string::npos;
  })) << daemon.process().Stderr();
  const std::string log = daemon.process().Stderr();
  EXPECT_THAT(log, HasSubstr(R"(name="x\n2026-01-01T00:00:00.000Z info forged\x1b[31m red")"));
  EXPECT_THAT(log, Not(HasSubstr("\n2026-01-01T00:00:00.000Z info forged")));
  EXPECT_THAT(log, Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace steadystate::test_support
