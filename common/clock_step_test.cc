#include "common/clock_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/log_capture.h"

namespace steadystate {
namespace {

using std::chrono::days;
using std::chrono::seconds;
using test_support::LogCapture;
using ::testing::HasSubstr;
using ::testing::Not;

// How many times `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(WallClockStepWatch, ReportsAStepOnceWithItsSignAndSeconds) {
  for (const auto& [step, logged] : {std::pair{Duration{days(1)}, "stepped by +86400 s"},
                                     std::pair{-Duration{days(1)}, "stepped by -86400 s"}}) {
    FakeClock clock;
    WallClockStepWatch watch(clock);
    LogCapture capture;
    clock.Advance(seconds(1));
    EXPECT_FALSE(watch.Check().has_value());
    clock.SetWall(clock.Now() + step);
    clock.Advance(seconds(1));
    EXPECT_EQ(watch.Check(), step);
    for (int i = 0; i < 5; ++i) {
      clock.Advance(seconds(1));
      EXPECT_FALSE(watch.Check().has_value());
    }
    EXPECT_EQ(Occurrences(capture.text(), "the wall clock stepped by"), 1) << capture.text();
    EXPECT_THAT(capture.text(), HasSubstr(logged));
  }
}

TEST(WallClockStepWatch, AWallClockThatStoodStillWhileTimePassedIsAStepBack) {
  FakeClock clock;
  WallClockStepWatch watch(clock);
  LogCapture capture;
  clock.AdvanceMonotonic(seconds(60));
  EXPECT_EQ(watch.Check(), -seconds(60));
  EXPECT_THAT(capture.text(), HasSubstr("the wall clock stepped by -60 s"));
}

TEST(WallClockStepWatch, IgnoresDifferencesBelowTheTolerance) {
  FakeClock clock;
  WallClockStepWatch watch(clock);
  LogCapture capture;
  clock.SetWall(clock.Now() + seconds(4));  // an NTP correction, slewed or not
  clock.Advance(seconds(30));
  EXPECT_FALSE(watch.Check().has_value());
  clock.SetWall(clock.Now() - seconds(4));
  EXPECT_FALSE(watch.Check().has_value());
  clock.SetWall(clock.Now() + seconds(5));
  EXPECT_EQ(watch.Check(), seconds(5));
  EXPECT_THAT(capture.text(), Not(HasSubstr("stepped by -4")));
  EXPECT_EQ(Occurrences(capture.text(), "stepped"), 1) << capture.text();
}

TEST(MonotonicOfWall, TakesTheAgeOfAStoredStampOnceAndNeverInTheFuture) {
  const Timestamp wall_now{std::chrono::hours(1000)};
  const MonotonicTime mono_now{std::chrono::hours(5)};
  EXPECT_EQ(MonotonicOfWall(wall_now - seconds(90), wall_now, mono_now), mono_now - seconds(90));
  EXPECT_EQ(MonotonicOfWall(wall_now + days(1), wall_now, mono_now), mono_now);
}

}  // namespace
}  // namespace steadystate
