// The steps of the correlation engine, shared by the full pass (Correlate) and the
// incremental one (IncrementalCorrelation), so both compute every field with the same
// code: the incremental pass only chooses which incidents and attacks to run them on.
// Internal to incidents/; not for other modules. Pure and thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "chaos/attack.h"
#include "common/time.h"
#include "incidents/correlation.h"
#include "incidents/incident.h"
#include "incidents/optional_seconds.h"

namespace steadystate::incidents::internal {

// The last instant at which an attack still claims incidents: its end (or `now` while it
// runs) plus the attribution grace. An attack is active for an incident created at t when
// start <= t <= ActiveUntil; of the active attacks naming the incident's service or no
// service, the one latest in (start, id) order is the attributed one.
inline Timestamp ActiveUntil(const chaos::Attack& attack, Timestamp now, Duration grace) {
  return attack.end.value_or(now) + grace;
}

// Everything of one incident except `incident`, `tbf_seconds` and `recurrence_seconds`
// (those depend on the incident's neighbours in its groups): attribution to `attack`
// (null: none), else the probe onset from `stretches` (null: none known), the durations,
// the open marks and TTP from `reruns` (the attacks reproducing it, in (start, id) order;
// null: none).
void CorrelateIncident(const Incident& incident, const chaos::Attack* attack,
                       const std::vector<FailingStretch>* stretches,
                       const std::vector<const chaos::Attack*>* reruns, Timestamp now,
                       const CorrelationOptions& options, CorrelatedIncident& out);

// The gap of an incident created at `created` after the previous incident of its group
// (TBF, recurrence): created - previous resolved_at, 0 when they overlap (previous
// unresolved or resolved later). `first`: no previous incident, no gap.
OptionalSeconds GapAfter(bool first, std::optional<Timestamp> previous_resolved, Timestamp created);

std::optional<double> Mean(const std::vector<double>& values);

// Detection of one attack, without `incident_ids`: the broken services from `stretches`,
// the alert rules from `alerts` (sorted by fired_at).
AttackDetection DetectAttack(const chaos::Attack& attack, const FailingStretches& stretches,
                             const std::vector<FiredAlert>& alerts, Timestamp now,
                             const CorrelationOptions& options);

// Sorts alerts by fired_at, as DetectAttack needs them.
void SortAlerts(std::vector<FiredAlert>& alerts);

// broken_attacks, detected_attacks, detection_coverage and missed_detections from
// `out.attacks`.
void CountCoverage(Correlation& out);

}  // namespace steadystate::incidents::internal
