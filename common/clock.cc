#include "common/clock.h"

namespace steadystate {

Timestamp RealClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

MonotonicTime RealClock::Monotonic() const { return std::chrono::steady_clock::now(); }

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace steadystate
