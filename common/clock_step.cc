#include "common/clock_step.h"

#include <spdlog/spdlog.h>

namespace steadystate {

WallClockStepWatch::WallClockStepWatch(const Clock& clock, Duration tolerance)
    : clock_(clock),
      tolerance_(tolerance),
      last_wall_(clock.Now()),
      last_monotonic_(clock.Monotonic()) {}

std::optional<Duration> WallClockStepWatch::Check() {
  const Timestamp wall = clock_.Now();
  const MonotonicTime monotonic = clock_.Monotonic();
  const Duration step =
      (wall - last_wall_) - std::chrono::duration_cast<Duration>(monotonic - last_monotonic_);
  last_wall_ = wall;
  last_monotonic_ = monotonic;
  if (step < tolerance_ && -step < tolerance_) return std::nullopt;
  spdlog::warn(
      "the wall clock stepped by {:+} s; alert timing, schedules and retries keep to the "
      "monotonic clock, stored times use the new wall time",
      std::chrono::round<std::chrono::seconds>(step).count());
  return step;
}

}  // namespace steadystate
