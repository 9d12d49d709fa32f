#include "chaos/service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "collector/probe/probe_result.h"
#include "common/time.h"
#include "tests/support/fake_clock.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace steadystate::chaos {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = steadystate::test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
  }
  void Probe(const std::string& service, Timestamp at, bool success) {
    collector::ProbeResult r;
    r.service = service;
    r.time = at;
    r.success = success;
    r.error_class = success ? "" : "status";
    ASSERT_TRUE(collector::WriteProbeResult(*store_, r, std::nullopt).ok());
  }
  Attack Window(std::vector<std::string> services) {
    Attack a;
    a.type = "cpu";
    a.services = std::move(services);
    a.start = clock_.Now();
    a.end = clock_.Now() + minutes(5);
    return a;
  }

  steadystate::test_support::TempDir dir_;
  FakeClock clock_{*ParseRfc3339("2026-11-25T17:00:00Z")};
  std::unique_ptr<store::Store> store_;
};

TEST_F(ChaosTest, SteadyStateHeldWhenEveryProbeInTheWindowSucceeded) {
  Probe("www", clock_.Now() - minutes(1), false);  // before the window: ignored
  Probe("www", clock_.Now() + seconds(10), true);
  Probe("www", clock_.Now() + minutes(5), true);   // the last millisecond counts
  Probe("www", clock_.Now() + minutes(6), false);  // after: ignored
  EXPECT_EQ(JudgeSteadyState(*store_, Window({"www"})), "held");
}

TEST_F(ChaosTest, SteadyStateBrokenByOneFailedProbeOfAnyService) {
  Probe("www", clock_.Now() + seconds(10), true);
  Probe("db", clock_.Now() + seconds(20), false);
  EXPECT_EQ(JudgeSteadyState(*store_, Window({"www", "db"})), "broken");
}

TEST_F(ChaosTest, SteadyStateUnknownWithoutProbesOrServices) {
  EXPECT_EQ(JudgeSteadyState(*store_, Window({"www"})), "unknown");
  Probe("www", clock_.Now() + seconds(10), false);
  EXPECT_EQ(JudgeSteadyState(*store_, Window({})), "unknown");
}

TEST(AnnouncementText, StartEndAndHalt) {
  Attack a;
  a.id = "01JABC";
  a.type = "cpu";
  a.targets = {"web-1"};
  a.created_by = "alice";
  a.expected_duration = minutes(5);
  EXPECT_EQ(AnnouncementText(a, AttackEvent::kStarted),
            "cpu attack on web-1 started by alice, expected 5m [01JABC]");
  a.outcome = "completed";
  a.steady_state = "held";
  EXPECT_EQ(AnnouncementText(a, AttackEvent::kEnded),
            "cpu attack on web-1 completed, steady state held [01JABC]");
  a.outcome = "halted";
  a.steady_state = "broken";
  a.halted_reason = "www: slo availability: 97.2% is below the objective 99.9%";
  a.name = "burn";
  EXPECT_EQ(AnnouncementText(a, AttackEvent::kEnded),
            "cpu attack on web-1 halted: www: slo availability: 97.2% is below the objective "
            "99.9%, steady state broken [01JABC \"burn\"]");
  a.outcome = "failed";
  a.exit_status = 2;
  a.steady_state = "unknown";
  a.name.clear();
  EXPECT_EQ(AnnouncementText(a, AttackEvent::kEnded),
            "cpu attack on web-1 failed (exit status 2) [01JABC]");
}

TEST(OwnerGone, OnlyForLocalProcessesThatExitedNoLonger) {
  Attack a;
  a.owner = std::to_string(getpid()) + "@here";
  EXPECT_FALSE(OwnerGone(a, "here"));       // we are alive
  EXPECT_FALSE(OwnerGone(a, "elsewhere"));  // cannot tell for another host
  // A finished child's pid (reaped) is gone.
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);
  a.owner = std::to_string(child) + "@here";
  EXPECT_TRUE(OwnerGone(a, "here"));
  a.owner = "";
  EXPECT_FALSE(OwnerGone(a, "here"));
}

TEST_F(ChaosTest, ImportJournalFileRefusesAFileOverTheCapWithoutReadingIt) {
  AttackLog log(*store_, clock_);
  std::ifstream in(
      steadystate::test_support::SourceDir() + "/tests/data/chaostoolkit/netem-latency.json",
      std::ios::binary);
  std::stringstream journal;
  journal << in.rdbuf();
  const std::string path = dir_ / "journal.json";
  std::ofstream(path, std::ios::binary) << journal.str();
  const uint64_t size = journal.str().size();
  auto over = ImportJournalFile(log, path, "", size - 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message, path + ": larger than chaos.max_journal_bytes (" +
                                      std::to_string(size - 1) + " bytes)");
  EXPECT_TRUE(ImportJournalFile(log, path, "", size).ok());

  const std::string zero = dir_ / "zero.json";
  std::filesystem::create_symlink("/dev/zero", zero);
  auto endless = ImportJournalFile(log, zero, "", 1 << 20);
  ASSERT_FALSE(endless.ok());
  EXPECT_THAT(endless.error().message, HasSubstr("zero.json: larger than chaos.max_journal_bytes"));
  EXPECT_EQ(log.List(std::nullopt, std::nullopt)->size(), 1u);
}

TEST_F(ChaosTest, ImportJournalFileTwiceChangesNothing) {
  AttackLog log(*store_, clock_);
  const std::string path =
      steadystate::test_support::SourceDir() + "/tests/data/chaostoolkit/netem-latency.json";
  auto first = ImportJournalFile(log, path, "", 64 << 20);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  auto second = ImportJournalFile(log, path, "", 64 << 20);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->changed);
  EXPECT_EQ(second->attack.id, first->attack.id);
  EXPECT_EQ(log.List(std::nullopt, std::nullopt)->size(), 1u);
  auto missing = ImportJournalFile(log, dir_ / "nope.json", "", 64 << 20);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("nope.json: cannot read"));
}

}  // namespace
}  // namespace steadystate::chaos
