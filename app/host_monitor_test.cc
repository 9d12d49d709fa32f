#include "app/host_monitor.h"

#include <gtest/gtest.h>

#include "collector/host/fake_host_filesystem.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(HostMonitor, CpuRulesFireOnTheTrailingIntervalNotTheLastWholeSample) {
  steadystate::test_support::TempDir dir;
  FakeClock clock;
  auto store = steadystate::test_support::OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  std::vector<std::pair<slo::Alert, slo::TransitionKind>> fired;
  slo::AlertEngine alerts(
      *store, clock, [&](const slo::Alert& a, slo::TransitionKind k) { fired.emplace_back(a, k); },
      nullptr);
  exporters::HostMetrics metrics;
  collector::FakeHostFilesystem fs;
  config::HostConfig host;
  host.interval = seconds(1);
  HostMonitor monitor(host, fs, *store, clock, alerts, metrics);
  config::AlertRuleConfig rule;
  rule.name = "HostCpuHigh";
  rule.above = 0.80;
  rule.recover_below = 0.75;
  monitor.SetRules({rule});

  // One CPU; USER_HZ 100, so 250 ms is 25 ticks. Idle until t = 1 s, then burning.
  int user = 0;
  int idle = 0;
  auto step = [&](bool burning) {
    clock.Advance(milliseconds(250));
    (burning ? user : idle) += 25;
    fs.files["/proc/stat"] =
        "cpu  " + std::to_string(user) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n";
    monitor.TickCpu();
  };
  fs.files["/proc/stat"] = "cpu  0 0 0 0 0 0 0 0 0 0\n";
  monitor.TickCpu();
  for (int i = 0; i < 4; ++i) step(false);  // t = 0.25 .. 1.0
  step(true);                               // 1.25: 25% of the last second busy
  step(true);                               // 1.5: 50%
  step(true);                               // 1.75: 75%
  EXPECT_TRUE(fired.empty());
  step(true);  // 2.0: 100%, one interval after the burn began
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].second, slo::TransitionKind::kFired);
  EXPECT_DOUBLE_EQ(fired[0].first.value, 1.0);
  for (int i = 0; i < 3; ++i) step(false);  // 2.75: 25% busy
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1].second, slo::TransitionKind::kResolved);
}

}  // namespace
}  // namespace steadystate::app
