#include "common/stop_signal.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/clock.h"
#include "tests/support/fake_clock.h"

namespace steadystate {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(SleepUnlessStopped, SleepsTheWholeTimeOnAFakeClock) {
  FakeClock clock;
  StopSignal stop;
  const MonotonicTime start = clock.Monotonic();
  EXPECT_TRUE(SleepUnlessStopped(clock, milliseconds(64'250), &stop));
  EXPECT_EQ(clock.Monotonic() - start, milliseconds(64'250));
  EXPECT_TRUE(SleepUnlessStopped(clock, seconds(5), nullptr));
  EXPECT_EQ(clock.Monotonic() - start, milliseconds(69'250));
}

TEST(SleepUnlessStopped, ReturnsAtOnceWhenAlreadyStopped) {
  FakeClock clock;
  StopSignal stop;
  stop.Stop();
  stop.Stop();  // idempotent
  const MonotonicTime start = clock.Monotonic();
  EXPECT_FALSE(SleepUnlessStopped(clock, hours(1), &stop));
  EXPECT_EQ(clock.Monotonic(), start);
}

// A clock whose sleeps raise the stop signal after a few slices, as a SIGTERM arriving
// during a long wait would.
class StoppingClock final : public Clock {
 public:
  StoppingClock(StopSignal& stop, int slices) : stop_(stop), slices_left_(slices) {}
  Timestamp Now() const override { return clock_.Now(); }
  MonotonicTime Monotonic() const override { return clock_.Monotonic(); }
  void SleepFor(milliseconds d) const override {
    clock_.SleepFor(d);
    if (--slices_left_ == 0) stop_.Stop();
  }

 private:
  FakeClock clock_;
  StopSignal& stop_;
  mutable int slices_left_;
};

TEST(SleepUnlessStopped, EndsWithinASliceOfTheStop) {
  StopSignal stop;
  StoppingClock clock(stop, 3);
  const MonotonicTime start = clock.Monotonic();
  EXPECT_FALSE(SleepUnlessStopped(clock, hours(1), &stop));
  EXPECT_EQ(clock.Monotonic() - start, 3 * kStopCheckInterval);
}

TEST(SleepUnlessStopped, WakesARealSleeperFromAnotherThread) {
  StopSignal stop;
  bool slept_through = true;
  std::thread sleeper([&] { slept_through = SleepUnlessStopped(SystemClock(), hours(1), &stop); });
  stop.Stop();
  sleeper.join();  // within kStopCheckInterval; a hang here is the failure
  EXPECT_FALSE(slept_through);
}

}  // namespace
}  // namespace steadystate
