#include "common/clock.h"

#include <algorithm>
#include <thread>

namespace steadystate {

Timestamp RealClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

MonotonicTime RealClock::Monotonic() const { return std::chrono::steady_clock::now(); }

void RealClock::SleepFor(std::chrono::milliseconds d) const {
  if (d > std::chrono::milliseconds::zero()) std::this_thread::sleep_for(d);
}

MonotonicTime MonotonicOfWall(Timestamp then, Timestamp wall_now, MonotonicTime monotonic_now) {
  return monotonic_now - std::max(std::chrono::milliseconds{0}, wall_now - then);
}

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace steadystate
