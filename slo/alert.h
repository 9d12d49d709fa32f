// Alerts and their state machine (DESIGN.md §3), shared by host threshold rules and SLO
// burn-rate rules:
//
//   inactive --value above--> pending --held for `for`--> firing --below recover_below--> resolved
//                               |                           (hysteresis)
//                               +--value back at or below `above`--> inactive (never notified)
//
// With `for: 0s` a breach fires at once. Pure functions; no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"

namespace steadystate::slo {

enum class AlertState { kInactive, kPending, kFiring, kResolved };
std::string_view ToString(AlertState state);

// The chaos attack running on this host when an alert fired: on-call must see at a glance
// whether a page is a planned attack or a real outage.
struct AttackContext {
  std::string id;
  std::string type;
  std::string created_by;
  std::string name;
};

struct Alert {
  std::string name;                           // the rule's name, label "alertname"
  std::map<std::string, std::string> labels;  // alertname, severity, and per-series labels
  AlertState state = AlertState::kInactive;
  Timestamp active_at;  // when the condition first held (pending began)
  std::optional<Timestamp> fired_at;
  std::optional<Timestamp> resolved_at;
  // The same two moments on the monotonic clock, which times `for` and the resolved
  // alert's retention: a wall-clock step moves the stamps above, never these. In memory
  // only; an alert read back from the store gets them from its stamps (MonotonicOfWall).
  MonotonicTime active_monotonic{};
  MonotonicTime resolved_monotonic{};
  double value = 0;  // the last evaluated value
  double threshold = 0;
  std::vector<AttackContext> attacks;  // attacks active at firing time

  // Stable across restarts for the same rule and labels.
  std::string Fingerprint() const;
  // One per firing episode: fingerprint + active_at. PagerDuty's dedup_key, so a trigger
  // and its resolve pair up and retries are harmless.
  std::string InstanceKey() const;
  // "HostCpuHigh: cpu_utilisation 0.93 above 0.80 for 2m" (+ " during chaos attack ...").
  std::string Summary() const;
};

struct ThresholdRule {
  std::string name;
  std::string metric;  // for messages: cpu_utilisation, ...
  double above = 0;
  double recover_below = 0;
  Duration for_duration{0};
  std::string severity = "warning";
};

enum class TransitionKind { kNone, kPending, kFired, kResolved, kCancelled };

// Advances `alert` (for `rule`, whose labels are already set) by one evaluation at `now`
// (wall time, for the stamps) and `monotonic_now` (which decides whether `for` has passed).
// `value` is nullopt when the metric has no data: a pending alert is cancelled, a firing one
// stays firing (no data is not recovery). Returns what happened; kFired and kResolved are
// the transitions that notify.
TransitionKind Step(Alert& alert, const ThresholdRule& rule, std::optional<double> value,
                    Timestamp now, MonotonicTime monotonic_now);

// JSON for the alerts column family and /api/v1/alerts.
std::string AlertToJson(const Alert& alert);
Result<Alert> AlertFromJson(std::string_view json);

}  // namespace steadystate::slo
