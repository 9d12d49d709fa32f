// Summaries of correlated incidents: a distribution summary (count, mean, median, p90,
// max) and the metrics rows of `steadystate metrics` and /api/v1/metrics/incidents,
// grouped by service, severity or nothing (DESIGN.md §6), as JSON and CSV.
//
// Means are taken over the underlying durations, never over per-group ratios or means
// (DESIGN.md §4): MTBF of a group is the mean of the TBF gaps ending in that group's
// incidents; detection coverage is detected / broken attacks, counted, not averaged.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "incidents/correlation.h"

namespace steadystate::incidents {

struct Summary {
  size_t count = 0;
  std::optional<double> mean, median, p90, max;  // unset when count is 0
};

// The q-quantile (0 <= q <= 1) of sorted values by linear interpolation between the
// closest ranks (Hyndman & Fan type 7: R's and numpy's default). Unset when empty.
std::optional<double> Quantile(const std::vector<double>& sorted, double q);
Summary Summarize(std::vector<double> values);

enum class GroupBy { kService, kSeverity, kNone };
// "service", "severity", "none"; errors name the parameter and the choices.
Result<GroupBy> ParseGroupBy(std::string_view text);

// Which incidents and attacks a summary covers: created_at (incidents) or start (attacks)
// in [since, until). Unset bounds are open.
struct Period {
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  bool Contains(Timestamp t) const { return (!since || t >= *since) && (!until || t < *until); }
};

// One row of DESIGN.md §6's metrics table. `group` is the service or severity ("all" for
// GroupBy::kNone; unset for incidents without a service or severity).
struct MetricsRow {
  std::optional<std::string> group;
  size_t incidents = 0;
  size_t chaos_incidents = 0;
  std::optional<double> mttd_seconds;
  std::optional<double> mtta_seconds;
  std::optional<double> mttr_seconds;  // resolved incidents only; open ones have no TTR
  std::optional<double> p50_ttr_seconds;
  std::optional<double> p90_ttr_seconds;
  std::optional<double> mtbf_seconds;
  // Service and none: detected / SLI-breaking attacks (of that service) started in the
  // period. Severity: unset (attacks have no severity).
  std::optional<double> detection_coverage;
};

// Rows sorted by group (the unset group last). GroupBy::kNone gives exactly one row, also
// when there are no incidents.
std::vector<MetricsRow> MetricsRows(const Correlation& correlation, GroupBy group_by,
                                    const Period& period = {});

// A JSON array of objects with the fields in DESIGN.md §6 order; absent values are null.
std::string MetricsRowsToJson(const std::vector<MetricsRow>& rows);
// CSV with a header row; absent values are empty fields.
std::string MetricsRowsToCsv(const std::vector<MetricsRow>& rows);

// Numbers as the JSON and CSV exports write them: integers without a fraction
// ("600"), others with up to 17 significant digits ("0.6666666666666666").
std::string FormatNumber(double value);

}  // namespace steadystate::incidents
