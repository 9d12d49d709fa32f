// The correlation engine: joins incidents, chaos attack windows, the services' failing
// probe stretches and steadystate's alerts into the numbers of DESIGN.md §4 (attribution,
// onset, TTD, TTA, TTR, impact, TBF, recurrence, TTP, detection coverage). User-facing
// definitions: docs/metrics.md.
//
// Every function here is pure: "now" is a parameter (open incidents and open attacks are
// measured to it and marked), nothing reads a clock or the store except
// LoadFailingStretches. The join is a sort-and-sweep over instants (O((n + m) log m) for n
// incidents and m attacks), never a loop over every pair. Thread-safe (no shared state).
#pragma once

#include <cstddef>
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
#include "incidents/incident.h"
#include "incidents/optional_seconds.h"
#include "store/rollup.h"
#include "store/store.h"

namespace steadystate::incidents {

struct CorrelationOptions {
  Duration attribution_grace = std::chrono::minutes(15);  // chaos.attribution_grace
  Duration onset_lookback = std::chrono::hours(1);        // chaos.onset_lookback
};

// A stretch of time during which a service's probe SLI was failing: [start, end), or still
// failing (end unset) at the end of the data looked at.
struct FailingStretch {
  Timestamp start;
  std::optional<Timestamp> end;
  friend bool operator==(const FailingStretch&, const FailingStretch&) = default;
};
// Per service name, sorted by start, not overlapping.
using FailingStretches = std::map<std::string, std::vector<FailingStretch>, std::less<>>;

// A minute is failing when its good/total ratio is below `min_good_ratio`. The default, 1,
// marks every minute with a failed probe: onset is "the first failed probe of the stretch".
struct StretchOptions {
  double min_good_ratio = 1.0;
};

// Pure: the failing stretches in a service's minute rollups, given in minute order (as
// Store::ScanRollups reports them). Consecutive failing minutes form one stretch; a
// minute with a good ratio, or a minute without probes, ends it. A stretch whose last
// minute is the last minute before `data_end` (the data still shows failure) is open.
std::vector<FailingStretch> FailingStretchesFromRollups(
    const std::vector<std::pair<Timestamp, store::Rollup>>& minutes, Timestamp data_end,
    const StretchOptions& options = {});

// Reads the minute rollups of series "probe:<service>" in [from, to) and derives the
// stretches. A service that never had a probe has no stretches (not an error).
Result<std::vector<FailingStretch>> LoadFailingStretches(const store::Store& store,
                                                         std::string_view service, Timestamp from,
                                                         Timestamp to,
                                                         const StretchOptions& options = {});

// One steadystate alert that fired (the input of detection coverage).
struct FiredAlert {
  std::string rule;
  std::map<std::string, std::string> labels;  // "service" (SLO alerts), "host" (host alerts)
  Timestamp fired_at;
};

enum class OnsetSource : uint8_t { kAttack, kProbe, kUnknown };
std::string_view ToString(OnsetSource source);  // "attack", "probe", "unknown"

// One incident with everything DESIGN.md §4 derives from it. The seven fields after
// `incident` are those of the incident JSON/CSV (DESIGN.md §6); the rest are marks and
// derived values for summaries and reports.
//
// `incident` is shared, not copied: Correlate() keeps the caller's incidents in one
// vector, and every CorrelatedIncident points into it and shares its ownership (so a
// copy, e.g. in an AttackReport, stays valid on its own). A million incidents then take
// their own memory once plus about 200 bytes each here (1M incidents stay under 1 GB).
struct CorrelatedIncident {
  std::shared_ptr<const Incident> incident;
  std::optional<std::string> attack_id;  // the attributed attack (chaos-induced) or none
  std::optional<Timestamp> onset_at;
  OnsetSource onset_source = OnsetSource::kUnknown;
  // Unresolved at `now`: TTR and impact are unset and `open_seconds` = now - created_at.
  bool open = false;
  // Attributed to an attack that had not ended: its window was taken to end at `now`.
  bool attack_open = false;
  OptionalSeconds ttd_seconds;     // created_at - onset_at
  OptionalSeconds tta_seconds;     // acknowledged_at - created_at
  OptionalSeconds ttr_seconds;     // resolved_at - created_at; unset while open
  OptionalSeconds impact_seconds;  // resolved_at - onset_at; unset while open
  OptionalSeconds open_seconds;
  // The *_seconds fields (names as above) that came out negative: clock skew between
  // systems. They are reported as computed, never clamped.
  std::vector<std::string> negative_durations;
  // Gap since the previous incident of the same service (TBF) and of the same
  // fingerprint (recurrence); unset for the first one. 0 when they overlap.
  OptionalSeconds tbf_seconds;
  OptionalSeconds recurrence_seconds;
  // TTP: resolved_at -> end of the first later attack that reproduces this incident and
  // completed with steady state held; that attack's id.
  OptionalSeconds ttp_seconds;
  std::optional<std::string> prevented_by;

  bool chaos() const { return attack_id.has_value(); }
};

// Per service: the TBF gaps in created_at order and their mean (MTBF).
struct ServiceTbf {
  std::string service;
  size_t incidents = 0;
  std::vector<double> tbf_seconds;
  std::optional<double> mtbf_seconds;
};

// Per fingerprint with at least two incidents: the gaps between them.
struct Recurrence {
  std::string fingerprint;
  size_t incidents = 0;
  std::vector<double> gap_seconds;
  std::optional<double> mean_gap_seconds;
};

// One attack judged for detection coverage.
struct AttackDetection {
  std::string attack_id;
  Timestamp start;
  Timestamp end;      // attack end, or `now` when open
  bool open = false;  // had not ended: `end` is now
  // Affected services whose failing stretch overlapped [start, end]. Empty: the attack
  // did not break an SLI and does not count for coverage.
  std::vector<std::string> broken_services;
  // Ids of the incidents attributed to it: views of Correlation::incidents' ids (no copy
  // per incident), valid while those incidents are.
  std::vector<std::string_view> incident_ids;
  std::vector<std::string> alert_rules;  // alerts fired within [start, end + grace]
  bool sli_broken() const { return !broken_services.empty(); }
  bool detected() const { return !incident_ids.empty() || !alert_rules.empty(); }
  bool missed() const { return sli_broken() && !detected(); }
};

struct Correlation {
  Timestamp now;
  std::vector<CorrelatedIncident> incidents;   // sorted by created_at, then id
  std::vector<ServiceTbf> services;            // sorted by service; incidents without one skipped
  std::vector<Recurrence> recurrences;         // sorted by fingerprint
  std::vector<AttackDetection> attacks;        // sorted by start, then id
  size_t broken_attacks = 0;                   // attacks that broke an SLI
  size_t detected_attacks = 0;                 // ... of which were detected
  std::optional<double> detection_coverage;    // detected / broken; unset when none broke
  std::vector<std::string> missed_detections;  // ids of broken, undetected attacks
};

// Correlates everything. `stretches` may lack services (their onset is then `unknown`
// unless an attack gives it). `alerts` may be in any order.
Correlation Correlate(std::vector<Incident> incidents, std::vector<chaos::Attack> attacks,
                      const FailingStretches& stretches, std::vector<FiredAlert> alerts,
                      Timestamp now, const CorrelationOptions& options = {});

// The fingerprint recurrence groups by: the incident's, else its title lowercased with
// runs of whitespace collapsed and digits replaced by '#' (so "disk 91% full" and
// "disk 97% full" recur).
std::string RecurrenceKey(const Incident& incident);

}  // namespace steadystate::incidents
