// WallClockStepWatch: notices when the wall clock moves differently from the monotonic
// clock between two looks (an NTP step, a VM resumed from a snapshot, a time-travel attack)
// and says so once per step. It only informs: every duration that decides behaviour (alert
// `for`, backoffs, max attack duration) is measured on the monotonic clock, so a step
// never fires, delays or resolves anything; stored instants simply take the new wall time.
#pragma once

#include <optional>

#include "common/clock.h"
#include "common/time.h"

namespace steadystate {

class WallClockStepWatch {
 public:
  // Smaller differences are scheduling noise or slewing (NTP's adjtime), not steps.
  static constexpr Duration kDefaultTolerance = std::chrono::seconds(5);

  explicit WallClockStepWatch(const Clock& clock, Duration tolerance = kDefaultTolerance);

  // Compares how far each clock moved since the last call (or construction). When they
  // differ by `tolerance` or more, logs "the wall clock stepped by +86400 s" (sign and
  // whole seconds) at warning level and returns the step; a step is reported once, as the
  // next call compares from the new wall time. Not thread-safe: one caller (a scheduler).
  std::optional<Duration> Check();

 private:
  const Clock& clock_;
  Duration tolerance_;
  Timestamp last_wall_;
  MonotonicTime last_monotonic_;
};

}  // namespace steadystate
