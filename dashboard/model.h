// The dashboard's view model (docs/dashboard.md): plain values built from the SLO engine's
// snapshot, the store's rollups and raw probes, the attack log, the alert engine and the
// open incidents, which the renderers in dashboard/html.h turn into HTML.
//
// Everything a page shows is decided here (status words, the verdict, daily attainment,
// latency percentiles), so the renderers only format. The pure functions are thread-safe;
// DashboardData is too (handlers call it from the HTTP thread pool).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "incidents/incident.h"
#include "slo/alert.h"
#include "slo/burn_rate.h"
#include "slo/slo_engine.h"
#include "store/rollup.h"
#include "store/store.h"

namespace steadystate::dashboard {

// Worst first: a service's status is the worst of its SLOs'.
enum class Health { kBreached, kNoData, kBurning, kMeeting };
// "breached", "no data", "burning", "meeting".
std::string_view HealthWord(Health health);

struct SloRow {
  std::string name;
  double objective = 0;       // ratio
  std::string window;         // "30d", "month (Europe/Berlin)"
  Duration window_length{0};  // what the error budget is a share of
  std::optional<double> sli;  // nullopt = no data
  uint64_t good = 0, total = 0;
  std::optional<double> budget_remaining_ratio;  // negative when overspent
  std::optional<Duration> budget_remaining;
  std::optional<double> burn_rate_1h;
  std::vector<std::pair<std::string, std::optional<double>>> burn_rates;  // "5m" .. "3d"
  std::optional<std::string> burning_tier;  // "page 1h/5m" while a burn-rate tier breaches
  std::optional<std::string> error;         // a store read failed
  Health health = Health::kNoData;
};

// One UTC day of the service's first SLO, for the 90-day strip.
struct DayBar {
  Timestamp day;  // 00:00 UTC
  uint64_t good = 0, total = 0;
  std::optional<double> sli() const;
};
// How a day is coloured: met the objective, missed by less than one more budget
// (sli >= 1 - 2 * budget), missed by more, or no probes.
enum class DayClass { kMet, kNear, kMissed, kNoData };
DayClass ClassifyDay(const DayBar& day, double objective);

struct AttackRow {
  std::string id, type, name, created_by, outcome, steady_state;
  std::vector<std::string> targets, services;
  Timestamp start;
  std::optional<Timestamp> end;
  bool running() const { return !end.has_value() && outcome == "running"; }
};

struct IncidentRow {
  incidents::Incident incident;
  // Chaos attribution by DESIGN.md §4 (display only, see docs/dashboard.md).
  std::optional<std::string> attack_id;
  std::optional<Duration> ttd;  // created_at - attack start, for chaos-induced incidents
  std::optional<Duration> ttr;  // resolved_at - created_at
};

struct LastProbeView {
  Timestamp time;
  bool success = false;
  std::string error_class;
  double duration_seconds = 0;
};

struct ServiceRow {
  std::string name;
  bool critical = false;
  Health health = Health::kNoData;
  std::vector<SloRow> slos;
  std::optional<LastProbeView> last_probe;
  std::vector<DayBar> history;         // 90 days, oldest first; the last one is today (so far)
  double history_objective = 0;        // the first SLO's objective, which colours the strip
  std::string history_slo;             // its name
  std::vector<IncidentRow> incidents;  // open ones of this service, newest first
  std::vector<AttackRow> attacks;      // running ones that name this service, newest first
};

struct HostGauge {
  std::string label;                                // "CPU", "Memory", "Disk /"
  std::optional<double> value;                      // latest ratio (last 5 minutes)
  std::vector<std::pair<Timestamp, double>> trend;  // per-minute means over the last hour
};

struct AlertRow {
  std::string name, state, severity, labels;  // labels without alertname/severity
  Timestamp since;                            // fired_at, else active_at
  double value = 0, threshold = 0;
  std::vector<std::string> attacks;  // "cpu attack by alice (id)"
};

struct Verdict {
  bool ok = false;
  bool evaluated = true;       // false before the SLO engine's first round
  bool critical_scope = true;  // false: no service is critical, so every service counts
  int total = 0;               // services in scope
  std::vector<std::pair<std::string, Health>> failing;  // in scope, breached or no data
  std::vector<std::string> burning;                     // in scope, met but burning
  std::string Text() const;                             // the sentence at the top
};

struct Overview {
  Timestamp now;
  Timestamp evaluated_at;
  Verdict verdict;
  std::vector<ServiceRow> services;         // critical first, then config order
  std::vector<AttackRow> active_attacks;    // newest first
  std::vector<IncidentRow> open_incidents;  // newest first
  std::vector<AlertRow> alerts;             // firing, then pending
  std::vector<HostGauge> host;
  std::vector<std::string> warnings;  // data that could not be read
};

struct ChartPoint {
  Timestamp time;  // start of the step
  std::optional<double> value;
};
struct Chart {
  std::string title;
  std::string unit;                                                    // "ratio" or "ms"
  std::vector<std::pair<std::string, std::vector<ChartPoint>>> lines;  // name -> points
  std::optional<double> reference;                                     // objective, or 0
  std::string reference_label;
};

struct FailedProbe {
  Timestamp time;
  std::string error_class, error;
  int http_status = 0;
  double duration_seconds = 0;
};

struct ServiceDetail {
  Timestamp now;
  ServiceRow row;
  std::string range;  // "24h", "7d", "30d"
  Timestamp from;
  std::vector<Chart> sli_charts;               // one per SLO
  Chart latency;                               // p50, p95, p99 in ms
  std::vector<Chart> burn_down;                // one per occurrence SLO
  std::vector<FailedProbe> failures;           // newest first, at most 50, from the last 24h
  std::map<std::string, int> failure_classes;  // over the last 24h
  uint64_t probes_24h = 0;
  // The service's open incidents and those opened in the last 30 days, newest first.
  std::vector<IncidentRow> incidents;
  std::vector<AttackRow> attacks;  // overlapping the last 30 days, newest first
  std::vector<std::string> warnings;
};

// --- pure functions (unit-tested) ---

// The SLO row and health of one SLO: breached when the SLI is below the objective or the
// budget is exhausted; burning when met but a burn-rate tier breaches now (both lookbacks
// above its threshold, the SloBurnRate* alert condition); no data without probes.
SloRow MakeSloRow(const slo::SloStatus& status, const std::vector<slo::BurnRateTier>& tiers);
Health WorstHealth(const std::vector<SloRow>& slos);
// The SLO that governs a service's status, shown on the overview: the worst health, then
// the least error budget left (no budget figure counts as least), then config order.
// nullptr without SLOs.
const SloRow* GoverningSlo(const ServiceRow& row);
// Scope: critical services, or every service when none is critical.
Verdict MakeVerdict(const std::vector<ServiceRow>& rows, bool evaluated);
// Estimates the q-quantile (0..1) from non-cumulative latency buckets by linear
// interpolation inside the bucket (as PromQL's histogram_quantile); nullopt when empty. In
// the unbounded last bucket it returns that bucket's lower bound (10 s).
std::optional<double> LatencyQuantileMs(const std::array<uint64_t, store::kLatencyBuckets>& buckets,
                                        double q);
// DESIGN.md §4: the attack that started last among those with start <= created_at <=
// (end or now) + grace whose services include the incident's or are empty.
const AttackRow* AttributeIncident(const incidents::Incident& incident,
                                   const std::vector<AttackRow>& attacks, Timestamp now,
                                   Duration grace);
IncidentRow MakeIncidentRow(const incidents::Incident& incident,
                            const std::vector<AttackRow>& attacks, Timestamp now, Duration grace);
AttackRow MakeAttackRow(const chaos::Attack& attack);
AlertRow MakeAlertRow(const slo::Alert& alert);

// Where the model's data comes from. Every function may be empty (no such data).
struct DashboardSources {
  std::function<std::shared_ptr<const slo::SloSnapshot>()> snapshot;
  slo::LastProbeLookup last_probe;
  store::Store* store = nullptr;
  chaos::AttackLog* attacks = nullptr;
  std::function<std::vector<slo::Alert>()> alerts;
  // Unresolved incidents (the daemon's incidents::RecentIncidents::Unresolved).
  std::function<std::vector<incidents::Incident>()> open_incidents;
  // One service's incidents created at or after `since`, open or resolved, for the
  // drill-down (RecentIncidents::OfService).
  std::function<std::vector<incidents::Incident>(const std::string& service, Timestamp since)>
      service_incidents;
  std::vector<slo::BurnRateTier> tiers = slo::DefaultBurnRateTiers();
  Duration attribution_grace = std::chrono::minutes(15);
};

inline constexpr int kHistoryDays = 90;

// Builds the models. Completed days of the 90-day strips are cached (they no longer
// change), so a refresh reads only today's counts per service. Thread-safe.
class DashboardData {
 public:
  DashboardData(DashboardSources sources, const Clock& clock);

  Overview BuildOverview() const;
  // nullopt for a service the SLO engine does not know. `range` is "24h", "7d" or "30d"
  // (anything else is 24h).
  std::optional<ServiceDetail> BuildService(std::string_view name, std::string_view range) const;

 private:
  struct Context;
  Context Gather(Timestamp now) const;
  ServiceRow MakeRow(const slo::ServiceStatus& status, const Context& context,
                     std::vector<std::string>& warnings) const;
  std::vector<DayBar> History(const std::string& service, const config::SloConfig* slo,
                              Timestamp now, std::vector<std::string>& warnings) const;
  std::vector<HostGauge> Host(Timestamp now, std::vector<std::string>& warnings) const;
  void Charts(ServiceDetail& detail, const slo::ServiceStatus& status, uint64_t series) const;
  void Failures(ServiceDetail& detail, uint64_t series) const;

  DashboardSources sources_;
  const Clock& clock_;
  struct DayCounts {
    uint64_t total = 0, good = 0, latency_good = 0;
  };
  mutable std::mutex cache_mu_;
  mutable std::map<std::pair<uint64_t, Timestamp>, DayCounts> day_cache_;  // (series, day)
};

}  // namespace steadystate::dashboard
