// The two incident reports (docs/metrics.md, "Reports"):
//
//   before-and-after  two equal periods around a cutover (when chaos engineering started):
//                     rates, durations, MTBF, SLA attainment, attacks run and detection
//                     coverage, each change absolute and relative with a significance test
//                     and a plain sentence;
//   per attack        one attack window (a game day): who, what, where; each affected
//                     service's probe success and latency, host CPU, alerts and incidents
//                     on one timeline with the attack shaded; SLO burn during the window;
//                     attributed incidents; steady state; missed detection.
//
// Builders turn correlated data into a report model (pure; "now" is a field of the
// input); renderers turn a model into JSON (machines), Markdown (a post-incident review)
// or one self-contained HTML page with inline SVG charts (no scripts, no external
// resources). Every string from the data is escaped for its output. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "incidents/correlation.h"
#include "incidents/summary.h"
#include "store/rollup.h"

namespace steadystate::incidents {

// Writes instants in UTC ("2026-11-25T17:20:23Z") or in an IANA zone with its offset
// ("2026-11-25T18:20:23+01:00"). Reports show whole seconds.
class InstantFormatter {
 public:
  // "" or "UTC": UTC. Unknown zones are kInvalidInput naming the zone.
  static Result<InstantFormatter> Make(std::string_view time_zone);
  std::string Format(Timestamp t) const;
  std::string FormatDate(Timestamp t) const;  // "2026-11-25" in the zone
  const std::string& zone_name() const { return zone_name_; }

 private:
  InstantFormatter(const void* zone, std::string name) : zone_(zone), zone_name_(std::move(name)) {}
  const void* zone_;  // const date::time_zone*, or nullptr for UTC
  std::string zone_name_;
};

// Durations for people: "45s", "12m", "1h 05m", "2d 3h"; negative ones keep their sign.
std::string HumanDuration(double seconds);

// ---------------------------------------------------------------------------------------
// Before and after

// SLA attainment input for one critical service: probe counts per period.
struct ServiceAttainmentInput {
  std::string service;
  double objective = 0.999;  // the availability SLO as a ratio
  uint64_t good_before = 0, total_before = 0;
  uint64_t good_after = 0, total_after = 0;
};

struct BeforeAfterInput {
  Timestamp cutover;
  Duration window = std::chrono::days(90);  // each period's length (after: up to now)
  Timestamp now;
  // Correlated over at least [cutover - window, cutover + window) (incidents by
  // created_at, attacks by start).
  const Correlation* correlation = nullptr;
  std::vector<ServiceAttainmentInput> sla;
  // The severities the headline "high severity" rate counts.
  std::vector<std::string> high_severities = {"sev0", "sev1"};
  std::string time_zone;  // for rendering; "" is UTC
};

struct PeriodSummary {
  Timestamp start, end;  // [start, end)
  double weeks = 0;
  size_t incidents = 0;
  size_t open_incidents = 0;
  std::map<std::string, size_t> by_severity;
  uint64_t pages = 0;  // PagerDuty alerts (sum of incidents' alert_count)
  Summary ttd, tta, ttr, tbf;
  size_t attacks = 0, broken_attacks = 0, detected_attacks = 0;
  std::optional<double> detection_coverage;
  size_t negative_durations = 0;  // incidents with a clock-skewed duration
};

// One compared quantity.
struct Change {
  std::string metric;  // "sev0/sev1 incidents", "MTTR", "www SLA attainment"
  std::string unit;    // "per week", "seconds", "ratio"
  std::optional<double> before, after;
  std::optional<double> absolute;  // after - before
  std::optional<double> relative;  // (after - before) / before; unset when before is 0
  std::optional<double> p_value;
  std::string test;  // "poisson-rate", "mann-whitney-u", "fisher-exact", or "" (not tested)
  bool lower_is_better = true;
  std::string sentence;  // "sev0/sev1 incidents fell from 2.1 to 0.8 per week, p = 0.03"
};

struct WeekCount {
  Timestamp start;  // the week's first instant (weeks counted from the before start)
  std::map<std::string, size_t> by_severity;
};

struct SlaRow {
  std::string service;
  double objective = 0;
  std::optional<double> before, after;  // good / total; unset without probes
};

struct BeforeAfterReport {
  Timestamp cutover;
  Duration window{};
  Timestamp generated_at;
  std::string time_zone;
  PeriodSummary before, after;
  std::vector<Change> changes;
  std::vector<std::string> severities;  // every severity seen, sorted; "" shown as "none"
  std::vector<WeekCount> weeks;
  std::vector<double> ttr_before, ttr_after;  // sorted, for the distribution chart
  std::vector<SlaRow> sla;
};

BeforeAfterReport BuildBeforeAfterReport(const BeforeAfterInput& input);

// ---------------------------------------------------------------------------------------
// Per attack

struct TimelinePoint {
  Timestamp t;
  double value = 0;
};

// One affected service over the report's range (the window with padding either side).
struct ServiceTimeline {
  std::string service;
  std::vector<TimelinePoint> success_ratio;   // per minute: good / total
  std::vector<TimelinePoint> latency_p90_ms;  // per minute: upper bound of the p90 bucket
  // SLO burn during the window: (1 - good/total) / (1 - objective); unset without probes.
  double objective = 0.999;
  uint64_t window_good = 0, window_total = 0;
  std::optional<double> burn_rate;
};

// Pure: the per-minute series and window counts of a service from its minute rollups.
ServiceTimeline ServiceTimelineFromRollups(
    std::string service, double objective,
    const std::vector<std::pair<Timestamp, store::Rollup>>& minutes, Timestamp window_start,
    Timestamp window_end);

struct AttackReportInput {
  chaos::Attack attack;
  const Correlation* correlation = nullptr;  // includes this attack and its incidents
  std::vector<ServiceTimeline> services;
  std::vector<TimelinePoint> host_cpu;  // utilisation ratio 0..1
  std::vector<FiredAlert> alerts;       // in [range_start, range_end]
  Timestamp range_start, range_end;     // what the timeline shows
  Timestamp now;
  Duration attribution_grace = std::chrono::minutes(15);
  std::string time_zone;
};

struct AttackReport {
  chaos::Attack attack;
  Timestamp window_end;  // attack end, or now when open
  bool open = false;
  Timestamp range_start, range_end;
  Timestamp generated_at;
  std::string time_zone;
  std::vector<ServiceTimeline> services;
  std::vector<TimelinePoint> host_cpu;
  std::vector<FiredAlert> alerts;
  std::vector<CorrelatedIncident> incidents;  // attributed to this attack
  std::vector<std::string> broken_services;
  bool sli_broken = false;
  bool detected = false;
  bool missed_detection = false;
  // "held" / "broken" as the tool recorded it, else from our probes: "broken" when an
  // affected service's SLI went bad, "held" when probes saw the services and none did,
  // "unknown" without probe data.
  std::string steady_state;
  std::string steady_state_source;  // "tool" or "probes"
};

AttackReport BuildAttackReport(const AttackReportInput& input);

// ---------------------------------------------------------------------------------------
// Renderers. Errors only for an unknown time zone.

Result<std::string> RenderBeforeAfterJson(const BeforeAfterReport& report);
Result<std::string> RenderBeforeAfterMarkdown(const BeforeAfterReport& report);
Result<std::string> RenderBeforeAfterHtml(const BeforeAfterReport& report);
Result<std::string> RenderAttackJson(const AttackReport& report);
Result<std::string> RenderAttackMarkdown(const AttackReport& report);
Result<std::string> RenderAttackHtml(const AttackReport& report);

// "html", "md" (or "markdown") and "json"; errors name the parameter.
enum class ReportFormat { kHtml, kMarkdown, kJson };
Result<ReportFormat> ParseReportFormat(std::string_view text);

// Markdown escaping for table cells and inline text, exposed for tests. (HTML is escaped
// by common/html.h's builder.)
std::string MarkdownEscape(std::string_view text);

}  // namespace steadystate::incidents
