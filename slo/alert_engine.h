// AlertEngine: keeps every alert instance (rule x label set), advances them with Step()
// on each evaluation, persists changes in the store's alerts family (synced), and reports
// the transitions that notify. A restart reloads pending and firing alerts, so a firing
// alert is neither lost nor paged again, and a pending one keeps its `for` clock.
//
// Time: stamps (active_at, fired_at, resolved_at) are wall-clock; `for` and the resolved
// alerts' retention run on the monotonic clock, so a wall-clock step never fires, delays
// or resolves an alert. Across a restart the age of a restored alert is read off its
// wall-clock stamp once, at Load, and is monotonic again from then on.
//
// Thread-safe: Evaluate runs on the scheduler thread, Snapshot on HTTP threads.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "slo/alert.h"
#include "store/store.h"

namespace steadystate::slo {

// One series a rule is evaluated on: its labels (beyond alertname and severity) and its
// current value, nullopt when there is no data.
struct RuleSeries {
  std::map<std::string, std::string> labels;
  std::optional<double> value;
};

class AlertEngine {
 public:
  // Called for kFired and kResolved, after the change is durable.
  using TransitionSink = std::function<void(const Alert&, TransitionKind)>;
  // The chaos attacks active right now on this host (recorded on the alert when it fires).
  using AttackSource = std::function<std::vector<AttackContext>()>;

  AlertEngine(store::Store& store, const Clock& clock, TransitionSink sink, AttackSource attacks);

  // Reloads pending and firing alerts from the store. Call once before Evaluate.
  Status Load();

  // Evaluates `rule` on `series`. Instances of the rule whose labels are absent from
  // `series` are evaluated with no data.
  void Evaluate(const ThresholdRule& rule, const std::vector<RuleSeries>& series);

  // Drops instances of rules that are no longer configured (after a reload).
  void Retain(const std::vector<std::string>& rule_names);

  // Pending, firing, and resolved within the last 15 minutes, ordered by name then labels.
  std::vector<Alert> Snapshot() const;
  // ReadAlertHistory (slo/alert_history.h) on this engine's store. Readers without an
  // engine call ReadAlertHistory.
  Result<std::vector<Alert>> History(std::optional<Timestamp> since,
                                     std::optional<Timestamp> until) const;

  // A change the store refuses (a full disk) still happens in memory and still notifies;
  // the alert stays unsaved, and every later Evaluate (and SaveUnsaved) writes it again
  // until the store takes it. So once the disk has room, a restart finds the alert as it
  // is and resumes it with its dedup key (InstanceKey): no page is left without its
  // resolve. SaveUnsaved writes what is waiting (history records too); true when nothing is.
  bool SaveUnsaved();

  // Failed store writes (the alert still changes state in memory and still notifies).
  uint64_t write_errors() const;
  // Alert states and history records waiting to be written again.
  size_t unsaved() const;

 private:
  void Persist(const Alert& alert, bool remove);
  void RecordHistory(const Alert& alert);
  bool SaveUnsavedLocked();

  store::Store& store_;
  const Clock& clock_;
  TransitionSink sink_;
  AttackSource attacks_;
  mutable std::mutex mu_;
  std::map<std::string, Alert> alerts_;  // by fingerprint
  // Fingerprints whose stored record is stale: written from alerts_, or deleted when the
  // alert is no longer there.
  std::set<std::string> unsaved_;
  std::map<std::string, std::string> unsaved_history_;  // history key -> record
  uint64_t write_errors_ = 0;
};

}  // namespace steadystate::slo
