#include "common/stop_signal.h"

#include <algorithm>

namespace steadystate {

bool SleepUnlessStopped(const Clock& clock, std::chrono::milliseconds d, const StopSignal* stop) {
  if (stop == nullptr) {
    clock.SleepFor(d);
    return true;
  }
  // Slices on the injected Clock rather than a condition variable: the wait stays on the
  // Clock seam, so fake-clock tests of the waiting code still run instantly.
  while (d > std::chrono::milliseconds::zero()) {
    if (stop->stopped()) return false;
    const auto slice = std::min(d, kStopCheckInterval);
    clock.SleepFor(slice);
    d -= slice;
  }
  return !stop->stopped();
}

}  // namespace steadystate
