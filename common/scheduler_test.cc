#include "common/scheduler.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"

namespace steadystate {
namespace {

using std::chrono::seconds;

TEST(Scheduler, RunsTasksWhenDueOnMonotonicTime) {
  FakeClock clock;
  Scheduler scheduler(clock);
  int runs = 0;
  scheduler.Every(
      "tick", seconds(5), [&] { ++runs; }, seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(seconds(4));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(runs, 2);
}

TEST(Scheduler, WallClockJumpDoesNotMoveSchedules) {
  FakeClock clock;
  Scheduler scheduler(clock);
  int runs = 0;
  scheduler.Every(
      "tick", seconds(10), [&] { ++runs; }, seconds(10));
  clock.SetWall(clock.Now() + std::chrono::hours(24 * 365));
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.SetWall(clock.Now() - std::chrono::hours(24 * 700));
  clock.Advance(seconds(10));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(runs, 1);
}

TEST(Scheduler, RunSoonMakesATaskDueNow) {
  FakeClock clock;
  Scheduler scheduler(clock);
  int runs = 0;
  scheduler.Every(
      "deliver", seconds(60), [&] { ++runs; }, seconds(60));
  scheduler.Every(
      "other", seconds(60), [] {}, seconds(60));
  EXPECT_EQ(scheduler.RunDue(), 0);
  scheduler.RunSoon("deliver");
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(runs, 1);
  scheduler.RunSoon("no-such-task");
  EXPECT_EQ(scheduler.RunDue(), 0);
}

TEST(Scheduler, SkipsMissedRunsInsteadOfBursting) {
  FakeClock clock;
  Scheduler scheduler(clock);
  int runs = 0;
  scheduler.Every("tick", seconds(1), [&] { ++runs; });
  clock.Advance(seconds(30));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(scheduler.RunDue(), 0);
  clock.Advance(seconds(1));
  EXPECT_EQ(scheduler.RunDue(), 1);
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace steadystate
