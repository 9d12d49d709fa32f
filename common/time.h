// Instants and durations as users write them: RFC 3339 on every interface, and
// Prometheus-style durations (500ms, 30s, 5m, 2h, 30d, 1w, or compounds like 1h30m)
// in config and flags. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace steadystate {

using Duration = std::chrono::milliseconds;

// Parses "2026-11-25T17:20:23Z", "...23.123456+01:00", "...23-07:00", and offset-less
// "2026-11-25T17:20:23" (taken as UTC, as older Chaos Toolkit journals write it).
// 't' and a space are accepted in place of 'T', 'z' for 'Z'. A bare date
// ("2026-11-25") is midnight UTC. Fractions beyond milliseconds are truncated.
// Leap seconds (":60") are rejected.
Result<Timestamp> ParseRfc3339(std::string_view text);

// Always UTC with milliseconds: "2026-11-25T17:20:23.000Z".
std::string FormatRfc3339(Timestamp t);

// Parses "500ms", "30s", "5m", "2h", "30d", "1w", compounds in decreasing units
// ("1h30m"), and "0". Units: ms s m h d w. Negative durations are invalid.
Result<Duration> ParseDuration(std::string_view text);

// The shortest exact compound form: 90000ms -> "1m30s", 0 -> "0s".
std::string FormatDuration(Duration d);

// Seconds as a double, for metrics and JSON fields named *_seconds.
inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace steadystate
