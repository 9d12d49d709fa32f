// AlertEngine on a real full disk (a small tmpfs): needs CAP_SYS_ADMIN to mount it, and
// skips with the reason where that is not allowed.
#include <gtest/gtest.h>

#include "slo/alert_engine.h"
#include "tests/support/fake_clock.h"
#include "tests/support/small_tmpfs.h"

namespace steadystate::slo {
namespace {

using std::chrono::seconds;

// A full disk when the alert fires: the state is kept and saved once there is room, so a
// restart resumes the alert with the dedup key it paged with, and its resolve closes that
// page (a new key would leave the first PagerDuty incident open for ever).
TEST(AlertEngineDiskFull, SavesAFiringAlertOnceTheDiskHasRoomAndResumesItsKeyAfterARestart) {
  steadystate::test_support::SmallTmpfs disk("16m");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  FakeClock clock;
  store::Options options;
  options.path = disk / "data";
  const ThresholdRule rule{"HostCpuHigh", "cpu_utilisation", 0.8, 0.75, seconds(0), "critical"};
  std::vector<std::pair<Alert, TransitionKind>> transitions;
  auto open = [&](std::unique_ptr<store::Store>& store, std::unique_ptr<AlertEngine>& engine) {
    engine.reset();
    store.reset();
    auto opened = store::Store::Open(options, clock);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store = std::move(*opened);
    engine = std::make_unique<AlertEngine>(
        *store, clock, [&](const Alert& a, TransitionKind k) { transitions.emplace_back(a, k); },
        nullptr);
    ASSERT_TRUE(engine->Load().ok());
  };
  std::unique_ptr<store::Store> store;
  std::unique_ptr<AlertEngine> engine;
  ASSERT_NO_FATAL_FAILURE(open(store, engine));

  ASSERT_TRUE(disk.Fill());
  // RocksDB preallocated its WAL: use that up, then the disk is full for every write.
  const std::string ballast(64 << 10, 'b');
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    refused =
        !store->PutRecord(store::Family::kMeta, "test/ballast/" + std::to_string(i), ballast).ok();
  }
  ASSERT_TRUE(refused) << "the full disk never refused a write";
  engine->Evaluate(rule, {{{}, 0.95}});
  ASSERT_EQ(transitions.size(), 1u);
  EXPECT_EQ(transitions[0].second, TransitionKind::kFired);
  const std::string key = transitions[0].first.InstanceKey();
  ASSERT_GT(engine->unsaved(), 0u) << "the full disk took the write";

  clock.Advance(seconds(5));
  engine->Evaluate(rule, {{{}, 0.95}});
  EXPECT_GT(engine->unsaved(), 0u);  // still full: still waiting

  disk.Free();
  clock.Advance(seconds(5));
  engine->Evaluate(rule, {{{}, 0.95}});
  EXPECT_EQ(engine->unsaved(), 0u);
  EXPECT_EQ(transitions.size(), 1u);

  // A restart while the alert still fires: no new page, and the resolve has the old key.
  ASSERT_NO_FATAL_FAILURE(open(store, engine));
  auto restored = engine->Snapshot();
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0].state, AlertState::kFiring);
  EXPECT_EQ(restored[0].InstanceKey(), key);
  engine->Evaluate(rule, {{{}, 0.95}});
  EXPECT_EQ(transitions.size(), 1u);
  engine->Evaluate(rule, {{{}, 0.5}});
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[1].second, TransitionKind::kResolved);
  EXPECT_EQ(transitions[1].first.InstanceKey(), key);
  // The history the detection-coverage report reads has the episode too.
  auto history = engine->History(std::nullopt, std::nullopt);
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->empty());
}

}  // namespace
}  // namespace steadystate::slo
