// IncrementalCorrelation: the correlation of DESIGN.md §4 kept current by recomputing only
// what a change can touch, instead of correlating every incident again.
//
// Guarantee: after the constructor and after every Apply, correlation() is equal, field
// for field and in the same order, to Correlate() over the current inputs (the incidents
// and attacks by id, the stretches and alerts last given, `now`). It reaches that by
// running Correlate's own steps (correlation_steps.h) on:
//   - added, updated and removed incidents;
//   - the incidents created inside the windows (start to end + grace) of added, updated
//     and removed attacks, and those whose TTP such an attack's `reproduces` names;
//   - per service whose failing stretches changed, its incidents created at or after the
//     first stretch that differs, and the attacks ending after it;
//   - the attacks whose alert span reaches the first alert that differs;
//   - when `now` moves: the open incidents' ages, the open attacks, and the incidents
//     created between the old and the new `now` + grace while an attack is open;
//   - the TBF and recurrence chains (per service, per fingerprint) holding a changed
//     incident: their gaps and means are recomputed from the chain.
// Everything else keeps its value. The cost is that of the changes (and of the chains
// they touch), not of the million incidents.
//
// Not thread-safe: one owner calls Apply and reads correlation() (the daemon guards it
// with a lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chaos/attack.h"
#include "common/time.h"
#include "incidents/correlation.h"
#include "incidents/incident.h"
#include "incidents/optional_seconds.h"

namespace steadystate::incidents {

// What changed since the last pass. Incidents and attacks are identified by id: an id
// already present is an update (an identical one changes nothing); of two changes of one
// id the later counts, and removals come after the changes.
struct CorrelationChanges {
  std::vector<Incident> incidents;  // added or updated
  std::vector<std::string> removed_incidents;
  std::vector<chaos::Attack> attacks;  // added or updated
  std::vector<std::string> removed_attacks;
  // Per service, its new failing stretches (empty: none any more); services not named
  // keep theirs.
  FailingStretches stretches;
  std::optional<std::vector<FiredAlert>> alerts;  // set: replaces every alert
  Timestamp now;
};

class IncrementalCorrelation {
 public:
  // Correlates everything once (the full pass) and keeps what later passes need.
  // Incident ids and attack ids must be unique.
  IncrementalCorrelation(std::vector<Incident> incidents, std::vector<chaos::Attack> attacks,
                         FailingStretches stretches, std::vector<FiredAlert> alerts, Timestamp now,
                         const CorrelationOptions& options = {});
  ~IncrementalCorrelation();
  IncrementalCorrelation(const IncrementalCorrelation&) = delete;
  IncrementalCorrelation& operator=(const IncrementalCorrelation&) = delete;

  void Apply(CorrelationChanges changes);

  // Valid until the next Apply; its incidents stay valid while a copy of them is held.
  const Correlation& correlation() const { return out_; }
  // The current inputs, for a caller that works out what changed.
  const Incident* FindIncident(std::string_view id) const;
  const chaos::Attack* FindAttack(std::string_view id) const;
  const std::vector<chaos::Attack>& attacks() const { return attacks_; }  // by (start, id)
  const FailingStretches& stretches() const { return stretches_; }
  const std::vector<FiredAlert>& alerts() const { return alerts_; }  // by fired_at

 private:
  // One incident in a TBF or recurrence chain, in (created, id) order.
  struct Link {
    Timestamp created;
    std::string_view id;  // the incident's own id
    std::optional<Timestamp> resolved;
    OptionalSeconds gap;   // as last written to the incident
    bool fresh = false;    // linked in this pass: its gap must be written
    bool removed = false;  // unlinked in this pass: dropped when the chain is rebuilt
  };
  struct Chain {
    std::vector<Link> links;
    std::vector<Link> pending;        // linked in this pass, not yet merged into `links`
    size_t first_changed = SIZE_MAX;  // the first link unlinked in this pass
    bool touched = false;
  };
  // Closed attacks in (start, id) order; none is active longer than `longest` after its
  // start, which bounds the backward scan of an attribution.
  struct AttackList {
    std::vector<size_t> positions;
    Duration longest{0};
  };
  struct Pass;

  size_t PositionOf(Timestamp created, std::string_view id) const;
  const chaos::Attack* Attribute(Timestamp created, std::string_view service) const;
  void IndexAttacks();
  void RemoveFromAttack(const CorrelatedIncident& c);
  void AddToAttack(const CorrelatedIncident& c);
  void Recompute(CorrelatedIncident& c);
  void ApplyAttacks(CorrelationChanges& changes, Pass& pass);
  void ApplyStretchesAndAlerts(CorrelationChanges& changes, Pass& pass);
  void ApplyIncidents(CorrelationChanges& changes, Pass& pass);
  // Puts the added incidents in order and takes out the dropped positions (appending when
  // every added one sorts after the last, the usual import).
  void PlaceIncidents(std::vector<CorrelatedIncident> added, std::vector<size_t> dropped,
                      Pass& pass);
  void ApplyChains(Pass& pass);
  void LinkIncident(const CorrelatedIncident& c, Pass& pass);
  void UnlinkIncident(const Incident& i, Pass& pass);

  CorrelationOptions options_;
  Correlation out_;
  std::vector<chaos::Attack> attacks_;  // parallel to out_.attacks
  FailingStretches stretches_;
  std::vector<FiredAlert> alerts_;
  // Incident id (a view of the incident's own id) -> created_at, to find it in
  // out_.incidents.
  std::unordered_map<std::string_view, Timestamp> created_;
  // Positions in out_.incidents of the open incidents, ascending.
  std::vector<size_t> open_;
  // Attack id (view of attacks_) -> position; per service (and "" for attacks naming no
  // service) the closed attacks naming it; the open attacks; TTP re-runs by incident id.
  std::unordered_map<std::string_view, size_t> attack_at_;
  std::map<std::string, AttackList, std::less<>> attacks_by_service_;
  AttackList global_attacks_;
  std::vector<size_t> open_attacks_;
  std::unordered_map<std::string_view, std::vector<const chaos::Attack*>> reruns_;
  // TBF chains by service (non-empty names) and recurrence chains by key.
  std::map<std::string, Chain, std::less<>> service_chains_;
  std::map<std::string, Chain, std::less<>> recurrence_chains_;
};

}  // namespace steadystate::incidents
