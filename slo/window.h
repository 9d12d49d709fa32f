// SLO windows: the stretch of time an SLO is judged over (DESIGN.md §6 `slos:`).
//
//   rolling   `window: 30d`: [now - 30d, now)
//   calendar  `calendar: month|week|quarter` in `time_zone`: the current period, from local
//             midnight of its first day (ISO weeks start on Monday) to local midnight of the
//             next period's first day, converted to UTC with the tz database, so DST changes
//             and month lengths are exact (a Berlin March is 31 days minus one hour).
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "config/config.h"

namespace steadystate::slo {

// [start, end). For a rolling window `end` is `now`; for a calendar window it is the end of
// the period (in the future), and data exists only up to `now`. length() is what the error
// budget is a share of.
struct Window {
  Timestamp start;
  Timestamp end;
  Duration length() const { return end - start; }
  friend bool operator==(const Window&, const Window&) = default;
};

// A window length as SLO users write it: one unit when exact ("30d", "6h", "5m", rather than
// FormatDuration's "4w2d"), else FormatDuration's compound form.
std::string WindowLabel(Duration length);

// The window of `slo` that contains `now`. kInvalidInput for an unknown time zone (which
// config validation already rejects).
Result<Window> WindowBounds(const config::SloConfig& slo, Timestamp now);

}  // namespace steadystate::slo
