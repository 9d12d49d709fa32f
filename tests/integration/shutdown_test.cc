// SIGTERM stops the real daemon whatever it waits on: an hour-long PagerDuty rate-limit
// wait, or a request PagerDuty never answers. The deadlines are safety nets, not timing
// assertions: without the stop signal the daemon would not exit within them at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "tests/support/daemon.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "pd-shutdown-token-3c9d";

std::string PagerDutyConfig(const FakePagerDuty& fake) {
  return "pagerduty: {api_token_env: PD_TOKEN, base_url: \"" + fake.url() +
         "\", sync_interval: 1h, lookback: 1d}\n";
}

// Sends SIGTERM and expects a clean exit (0, "stopped" logged) well before the wait the
// daemon was in would have ended.
void ExpectStopsOnSigterm(RunningDaemon& daemon) {
  daemon.process().Signal(SIGTERM);
  auto exited = daemon.process().Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exited.has_value()) << "still running 30 s after SIGTERM:\n"
                                  << daemon.process().Stderr();
  EXPECT_EQ(exited->exit_code, 0) << exited->err;
  EXPECT_THAT(exited->err, HasSubstr("SIGTERM received, shutting down"));
  EXPECT_THAT(exited->err, HasSubstr(" stopped\n"));
}

TEST(Shutdown, SigtermEndsAnHourLongRateLimitWait) {
  FakePagerDuty fake(kToken);
  FakePdFault limited;
  limited.kind = FakePdFault::Kind::kRateLimited;
  limited.reset_seconds = 3600;
  fake.Script(limited);
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig(PagerDutyConfig(fake)), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  // The first sync got the 429 and now waits an hour before its retry.
  ASSERT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("retry 1 of 5 in 1h") != std::string::npos;
  })) << daemon.process().Stderr();
  ExpectStopsOnSigterm(daemon);
  EXPECT_EQ(fake.Requests().size(), 1u);  // no retry was sent on the way out
}

TEST(Shutdown, SigintEndsARequestPagerDutyNeverAnswers) {
  FakePagerDuty fake(kToken);
  FakePdFault hang;
  hang.kind = FakePdFault::Kind::kHang;
  fake.Script(hang);
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig(PagerDutyConfig(fake)), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return fake.Hanging() == 1; })) << daemon.process().Stderr();
  daemon.process().Signal(SIGINT);
  auto exited = daemon.process().Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exited.has_value()) << "still running 30 s after SIGINT:\n"
                                  << daemon.process().Stderr();
  EXPECT_EQ(exited->exit_code, 0) << exited->err;
  EXPECT_THAT(exited->err, HasSubstr("SIGINT received, shutting down"));
  EXPECT_THAT(exited->err, HasSubstr(" stopped\n"));
  EXPECT_THAT(exited->err, Not(HasSubstr(kToken)));
}

TEST(Shutdown, SigtermEndsAnImportRequestWaitingOnTheRateLimit) {
  FakePagerDuty fake(kToken);
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig(PagerDutyConfig(fake)), {{"PD_TOKEN", kToken}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  // The first sync at start is done.
  ASSERT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("rate-limited") != std::string::npos;
  })) << daemon.process().Stderr();
  // An import asked through the API meets the hour-long limit; the daemon must not wait for
  // the handler to finish it.
  FakePdFault limited;
  limited.kind = FakePdFault::Kind::kRateLimited;
  limited.reset_seconds = 3600;
  fake.Script(limited);
  std::thread caller([&] {
    auto client = daemon.Client();
    client.set_read_timeout(60);
    (void)client.Post("/api/v1/import/pagerduty", "", "application/json");
  });
  const bool waiting = WaitFor([&] { return fake.CountStatus(429) == 1; });
  ExpectStopsOnSigterm(daemon);
  caller.join();
  ASSERT_TRUE(waiting);
}

}  // namespace
}  // namespace steadystate::test_support
