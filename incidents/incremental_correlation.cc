#include "incidents/incremental_correlation.h"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <utility>

#include "incidents/correlation_steps.h"

namespace steadystate::incidents {
namespace {

using Key = std::pair<Timestamp, std::string_view>;  // (created_at, id): the incident order

bool ByCreated(const CorrelatedIncident& c, const Key& key) {
  return Key(c.incident->created_at, c.incident->id) < key;
}

bool Names(const chaos::Attack& attack, std::string_view service) {
  return std::find(attack.services.begin(), attack.services.end(), service) !=
         attack.services.end();
}

// The first instant from which two stretch lists may answer differently (ProbeOnset,
// BrokeDuring): the start of the first stretch that differs. Unset when they are equal.
std::optional<Timestamp> FirstDifference(const std::vector<FailingStretch>& a,
                                         const std::vector<FailingStretch>& b) {
  size_t k = 0;
  while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
  if (k == a.size() && k == b.size()) return std::nullopt;
  if (k == a.size()) return b[k].start;
  if (k == b.size()) return a[k].start;
  return std::min(a[k].start, b[k].start);
}

bool SameAlert(const FiredAlert& a, const FiredAlert& b) {
  return a.fired_at == b.fired_at && a.rule == b.rule && a.labels == b.labels;
}

}  // namespace

// What one Apply has to revisit.
struct IncrementalCorrelation::Pass {
  Timestamp old_now;
  // Incidents created in these [from, to] spans are attributed again.
  std::vector<std::pair<Timestamp, Timestamp>> spans;
  // Incidents whose TTP an added, changed or removed attack named.
  std::vector<std::string> rerun_ids;
  // Per service whose stretches changed: the first instant that may differ.
  std::map<std::string, Timestamp, std::less<>> stretches_from;
  std::optional<Timestamp> alerts_from;  // the first alert that may differ
  std::set<std::string> redetect;        // ids of attacks to detect again
  // Incidents added or replaced in this pass (already computed on the new inputs).
  std::unordered_set<std::string_view> fresh;
  // Where some of them are in out_.incidents (saves a search).
  std::unordered_map<std::string_view, size_t> positions;
  std::vector<std::pair<std::string_view, Chain*>> touched_service_chains;
  std::vector<std::pair<std::string_view, Chain*>> touched_recurrence_chains;
  // Incidents replaced or removed: kept alive until the pass ends, as views of their ids
  // are dropped only then.
  std::vector<std::shared_ptr<const Incident>> graveyard;
};

IncrementalCorrelation::IncrementalCorrelation(std::vector<Incident> incidents,
                                               std::vector<chaos::Attack> attacks,
                                               FailingStretches stretches,
                                               std::vector<FiredAlert> alerts, Timestamp now,
                                               const CorrelationOptions& options)
    : options_(options), attacks_(attacks), stretches_(std::move(stretches)), alerts_(alerts) {
  std::sort(attacks_.begin(), attacks_.end(), [](const chaos::Attack& a, const chaos::Attack& b) {
    return std::tie(a.start, a.id) < std::tie(b.start, b.id);
  });
  internal::SortAlerts(alerts_);
  out_ = Correlate(std::move(incidents), std::move(attacks), stretches_, std::move(alerts), now,
                   options_);
  // Room for imports: growing the vector moves every incident.
  out_.incidents.reserve(out_.incidents.size() + out_.incidents.size() / 8 + 1024);
  created_.reserve(out_.incidents.size());
  for (size_t p = 0; p < out_.incidents.size(); ++p) {
    const CorrelatedIncident& c = out_.incidents[p];
    const Incident& i = *c.incident;
    created_.emplace(i.id, i.created_at);
    if (c.open) open_.push_back(p);
    const Link link{i.created_at, i.id, i.resolved_at, c.tbf_seconds};
    if (!i.service.empty()) service_chains_[i.service].links.push_back(link);
    if (std::string key = RecurrenceKey(i); !key.empty()) {
      Link r = link;
      r.gap = c.recurrence_seconds;
      recurrence_chains_[key].links.push_back(r);
    }
  }
  IndexAttacks();
}

IncrementalCorrelation::~IncrementalCorrelation() = default;

size_t IncrementalCorrelation::PositionOf(Timestamp created, std::string_view id) const {
  return static_cast<size_t>(
      std::lower_bound(out_.incidents.begin(), out_.incidents.end(), Key(created, id), ByCreated) -
      out_.incidents.begin());
}

const Incident* IncrementalCorrelation::FindIncident(std::string_view id) const {
  auto it = created_.find(id);
  if (it == created_.end()) return nullptr;
  return out_.incidents[PositionOf(it->second, id)].incident.get();
}

const chaos::Attack* IncrementalCorrelation::FindAttack(std::string_view id) const {
  auto it = attack_at_.find(id);
  return it == attack_at_.end() ? nullptr : &attacks_[it->second];
}

void IncrementalCorrelation::IndexAttacks() {
  attack_at_.clear();
  attacks_by_service_.clear();
  global_attacks_ = {};
  open_attacks_.clear();
  reruns_.clear();
  const auto add = [&](AttackList& list, size_t p) {
    list.positions.push_back(p);
    const chaos::Attack& a = attacks_[p];
    list.longest = std::max(
        list.longest, internal::ActiveUntil(a, out_.now, options_.attribution_grace) - a.start);
  };
  for (size_t p = 0; p < attacks_.size(); ++p) {
    const chaos::Attack& a = attacks_[p];
    attack_at_.emplace(a.id, p);
    for (const auto& id : a.reproduces) reruns_[id].push_back(&a);
    if (!a.end) {
      open_attacks_.push_back(p);
    } else if (a.services.empty()) {
      add(global_attacks_, p);
    } else {
      for (size_t s = 0; s < a.services.size(); ++s) {
        // A service named twice by the attack is one candidate.
        if (std::find(a.services.begin(), a.services.begin() + static_cast<ptrdiff_t>(s),
                      a.services[s]) != a.services.begin() + static_cast<ptrdiff_t>(s)) {
          continue;
        }
        add(attacks_by_service_[a.services[s]], p);
      }
    }
  }
}

const chaos::Attack* IncrementalCorrelation::Attribute(Timestamp t,
                                                       std::string_view service) const {
  // The active attack latest in (start, id) order, which is position order.
  std::optional<size_t> best;
  const auto consider = [&](size_t p) {
    if (!best || p > *best) best = p;
  };
  const auto scan = [&](const AttackList& list) {
    auto it = std::upper_bound(list.positions.begin(), list.positions.end(), t,
                               [&](Timestamp at, size_t p) { return at < attacks_[p].start; });
    while (it != list.positions.begin()) {
      --it;
      const chaos::Attack& a = attacks_[*it];
      if (a.start < t - list.longest) break;  // this one and every earlier one ended before t
      if (internal::ActiveUntil(a, out_.now, options_.attribution_grace) >= t) {
        consider(*it);
        break;  // the latest active one of this list
      }
    }
  };
  scan(global_attacks_);
  // An attack naming the empty service matches no incident, as in Correlate.
  if (!service.empty()) {
    if (auto list = attacks_by_service_.find(service); list != attacks_by_service_.end()) {
      scan(list->second);
    }
  }
  for (size_t p : open_attacks_) {
    const chaos::Attack& a = attacks_[p];
    if (a.start <= t && internal::ActiveUntil(a, out_.now, options_.attribution_grace) >= t &&
        (a.services.empty() || (!service.empty() && Names(a, service)))) {
      consider(p);
    }
  }
  return best ? &attacks_[*best] : nullptr;
}

void IncrementalCorrelation::RemoveFromAttack(const CorrelatedIncident& c) {
  if (!c.attack_id) return;
  auto at = attack_at_.find(*c.attack_id);
  if (at == attack_at_.end()) return;
  auto& ids = out_.attacks[at->second].incident_ids;
  auto it = std::find(ids.begin(), ids.end(), std::string_view(c.incident->id));
  if (it != ids.end()) ids.erase(it);
}

void IncrementalCorrelation::AddToAttack(const CorrelatedIncident& c) {
  if (!c.attack_id) return;
  auto& ids = out_.attacks[attack_at_.at(*c.attack_id)].incident_ids;
  // In (created_at, id) order, as the sweep of Correlate adds them.
  const Key key(c.incident->created_at, c.incident->id);
  auto it = ids.end();
  while (it != ids.begin() && key < Key(created_.at(*std::prev(it)), *std::prev(it))) --it;
  ids.insert(it, c.incident->id);
}

void IncrementalCorrelation::Recompute(CorrelatedIncident& c) {
  RemoveFromAttack(c);
  const Incident& i = *c.incident;
  CorrelatedIncident next;
  next.incident = c.incident;
  next.tbf_seconds = c.tbf_seconds;
  next.recurrence_seconds = c.recurrence_seconds;
  const std::vector<FailingStretch>* stretches = nullptr;
  if (auto s = stretches_.find(i.service); s != stretches_.end()) stretches = &s->second;
  const std::vector<const chaos::Attack*>* reruns = nullptr;
  if (i.resolved_at) {
    if (auto r = reruns_.find(i.id); r != reruns_.end()) reruns = &r->second;
  }
  internal::CorrelateIncident(i, Attribute(i.created_at, i.service), stretches, reruns, out_.now,
                              options_, next);
  c = std::move(next);
  AddToAttack(c);
}

void IncrementalCorrelation::Apply(CorrelationChanges changes) {
  Pass pass;
  pass.old_now = out_.now;
  out_.now = changes.now;
  ApplyStretchesAndAlerts(changes, pass);
  ApplyAttacks(changes, pass);
  // Attacks to detect again: added or changed ones, those whose span reaches a changed
  // stretch or alert, and the open ones when `now` moved (their window ends at now).
  const bool now_moved = pass.old_now != out_.now;
  const auto detect = [&](size_t p) {
    AttackDetection d =
        internal::DetectAttack(attacks_[p], stretches_, alerts_, out_.now, options_);
    d.incident_ids = std::move(out_.attacks[p].incident_ids);
    out_.attacks[p] = std::move(d);
  };
  if (pass.redetect.empty() && !pass.alerts_from && pass.stretches_from.empty()) {
    if (now_moved) {
      for (size_t p : open_attacks_) detect(p);
    }
  } else {
    for (size_t p = 0; p < attacks_.size(); ++p) {
      const chaos::Attack& a = attacks_[p];
      const Timestamp end = a.end.value_or(out_.now);
      bool again = pass.redetect.count(a.id) > 0 || (!a.end && now_moved) ||
                   (pass.alerts_from && end + options_.attribution_grace >= *pass.alerts_from);
      for (auto it = pass.stretches_from.begin(); !again && it != pass.stretches_from.end(); ++it) {
        again = end >= it->second && (a.services.empty() || Names(a, it->first));
      }
      if (again) detect(p);
    }
  }
  if (!open_attacks_.empty() && now_moved) {
    // Open attacks claim incidents up to now + grace.
    pass.spans.emplace_back(std::min(pass.old_now, out_.now) + options_.attribution_grace,
                            std::max(pass.old_now, out_.now) + options_.attribution_grace);
  }
  ApplyIncidents(changes, pass);

  // Incidents whose attribution, onset or TTP may have changed.
  std::vector<size_t> again;
  for (const auto& [from, to] : pass.spans) {
    auto first = std::lower_bound(
        out_.incidents.begin(), out_.incidents.end(), from,
        [](const CorrelatedIncident& c, Timestamp t) { return c.incident->created_at < t; });
    for (auto it = first; it != out_.incidents.end() && it->incident->created_at <= to; ++it) {
      again.push_back(static_cast<size_t>(it - out_.incidents.begin()));
    }
  }
  for (const std::string& id : pass.rerun_ids) {
    if (auto it = created_.find(id); it != created_.end()) {
      again.push_back(PositionOf(it->second, id));
    }
  }
  for (const auto& [service, from] : pass.stretches_from) {
    auto chain = service_chains_.find(service);
    if (chain == service_chains_.end()) continue;
    for (const Link& link : chain->second.links) {
      if (!link.removed && link.created >= from) again.push_back(PositionOf(link.created, link.id));
    }
  }
  std::sort(again.begin(), again.end());
  again.erase(std::unique(again.begin(), again.end()), again.end());
  for (size_t p : again) {
    CorrelatedIncident& c = out_.incidents[p];
    if (pass.fresh.count(c.incident->id) == 0) Recompute(c);
  }

  ApplyChains(pass);
  if (now_moved) {
    for (size_t p : open_) {
      CorrelatedIncident& c = out_.incidents[p];
      c.open_seconds = ToSeconds(out_.now - c.incident->created_at);
    }
  }
  internal::CountCoverage(out_);
}

void IncrementalCorrelation::ApplyStretchesAndAlerts(CorrelationChanges& changes, Pass& pass) {
  static const std::vector<FailingStretch> kNone;
  for (auto& [service, stretches] : changes.stretches) {
    auto old = stretches_.find(service);
    const std::optional<Timestamp> from =
        FirstDifference(old == stretches_.end() ? kNone : old->second, stretches);
    if (!from) continue;
    pass.stretches_from[service] = *from;
    if (stretches.empty()) {
      stretches_.erase(old);
    } else {
      stretches_[service] = std::move(stretches);
    }
  }
  if (changes.alerts) {
    internal::SortAlerts(*changes.alerts);
    const std::vector<FiredAlert>& next = *changes.alerts;
    size_t k = 0;
    while (k < alerts_.size() && k < next.size() && SameAlert(alerts_[k], next[k])) ++k;
    if (k < alerts_.size() || k < next.size()) {
      pass.alerts_from = k == alerts_.size() ? next[k].fired_at
                         : k == next.size()  ? alerts_[k].fired_at
                                             : std::min(alerts_[k].fired_at, next[k].fired_at);
    }
    alerts_ = std::move(*changes.alerts);
  }
}

void IncrementalCorrelation::ApplyAttacks(CorrelationChanges& changes, Pass& pass) {
  if (changes.attacks.empty() && changes.removed_attacks.empty()) return;
  std::unordered_map<std::string_view, chaos::Attack*> upserts;
  for (chaos::Attack& a : changes.attacks) upserts[a.id] = &a;  // the last of an id wins
  const std::unordered_set<std::string_view> removed(changes.removed_attacks.begin(),
                                                     changes.removed_attacks.end());
  for (std::string_view id : removed) upserts.erase(id);  // a removal comes after every change
  // Incidents the old or new version of a changed attack can claim, or whose TTP it names.
  const auto touch = [&](const chaos::Attack& a, Timestamp now) {
    const Timestamp until = internal::ActiveUntil(a, now, options_.attribution_grace);
    if (a.start <= until) pass.spans.emplace_back(a.start, until);
    pass.rerun_ids.insert(pass.rerun_ids.end(), a.reproduces.begin(), a.reproduces.end());
  };
  std::vector<std::pair<chaos::Attack, AttackDetection>> next;
  next.reserve(attacks_.size() + upserts.size());
  for (size_t p = 0; p < attacks_.size(); ++p) {
    chaos::Attack& old = attacks_[p];
    auto up = upserts.find(old.id);
    if (up != upserts.end() && *up->second == old) {
      upserts.erase(up);  // unchanged
    } else if (up != upserts.end() || removed.count(old.id) > 0) {
      touch(old, pass.old_now);
      continue;
    }
    next.emplace_back(std::move(old), std::move(out_.attacks[p]));
  }
  const auto kept = static_cast<ptrdiff_t>(next.size());
  for (auto& [id, attack] : upserts) {
    touch(*attack, out_.now);
    pass.redetect.insert(attack->id);
    next.emplace_back(std::move(*attack), AttackDetection{});
  }
  const auto by_start = [](const auto& a, const auto& b) {
    return std::tie(a.first.start, a.first.id) < std::tie(b.first.start, b.first.id);
  };
  std::sort(next.begin() + kept, next.end(), by_start);
  std::inplace_merge(next.begin(), next.begin() + kept, next.end(), by_start);
  attacks_.clear();
  out_.attacks.clear();
  for (auto& [attack, detection] : next) {
    attacks_.push_back(std::move(attack));
    out_.attacks.push_back(std::move(detection));
  }
  IndexAttacks();
}

void IncrementalCorrelation::LinkIncident(const CorrelatedIncident& c, Pass& pass) {
  const Incident& i = *c.incident;
  const Link link{i.created_at, i.id, i.resolved_at, std::nullopt, true};
  if (!i.service.empty()) {
    auto [it, added] = service_chains_.try_emplace(i.service);
    it->second.pending.push_back(link);
    if (!it->second.touched) pass.touched_service_chains.emplace_back(it->first, &it->second);
    it->second.touched = true;
  }
  if (std::string key = RecurrenceKey(i); !key.empty()) {
    auto [it, added] = recurrence_chains_.try_emplace(std::move(key));
    it->second.pending.push_back(link);
    if (!it->second.touched) pass.touched_recurrence_chains.emplace_back(it->first, &it->second);
    it->second.touched = true;
  }
}

void IncrementalCorrelation::UnlinkIncident(const Incident& i, Pass& pass) {
  const auto unlink = [&](Chain& chain) {
    auto it =
        std::lower_bound(chain.links.begin(), chain.links.end(), Key(i.created_at, i.id),
                         [](const Link& l, const Key& k) { return Key(l.created, l.id) < k; });
    if (it != chain.links.end() && it->id == i.id) {
      it->removed = true;
      chain.first_changed =
          std::min(chain.first_changed, static_cast<size_t>(it - chain.links.begin()));
    }
    return !chain.touched;
  };
  if (!i.service.empty()) {
    auto it = service_chains_.find(i.service);
    if (unlink(it->second)) pass.touched_service_chains.emplace_back(it->first, &it->second);
    it->second.touched = true;
  }
  if (std::string key = RecurrenceKey(i); !key.empty()) {
    auto it = recurrence_chains_.find(key);
    if (unlink(it->second)) pass.touched_recurrence_chains.emplace_back(it->first, &it->second);
    it->second.touched = true;
  }
}

void IncrementalCorrelation::ApplyIncidents(CorrelationChanges& changes, Pass& pass) {
  // The last change of an id wins; a removal comes after every change.
  std::unordered_map<std::string_view, const Incident*> upserts;
  for (const Incident& i : changes.incidents) upserts[i.id] = &i;
  for (const std::string& id : changes.removed_incidents) upserts.erase(id);
  std::vector<size_t> dropped;  // positions of removed incidents and of moved ones
  const auto drop = [&](size_t p) {
    CorrelatedIncident& c = out_.incidents[p];
    RemoveFromAttack(c);
    UnlinkIncident(*c.incident, pass);
    created_.erase(c.incident->id);
    pass.graveyard.push_back(c.incident);
    dropped.push_back(p);
  };
  for (const std::string& id : changes.removed_incidents) {
    if (auto it = created_.find(id); it != created_.end()) drop(PositionOf(it->second, id));
  }
  std::vector<CorrelatedIncident> added;
  const auto correlate = [&](const Incident& i) {
    CorrelatedIncident c;
    c.incident = std::make_shared<const Incident>(i);
    created_.emplace(c.incident->id, i.created_at);
    pass.fresh.insert(c.incident->id);
    Recompute(c);
    LinkIncident(c, pass);
    return c;
  };
  // In (created_at, id) order, so each joins its attack's list at the end.
  std::vector<const Incident*> ordered;
  ordered.reserve(upserts.size());
  for (const auto& [id, incident] : upserts) ordered.push_back(incident);
  std::sort(ordered.begin(), ordered.end(), [](const Incident* a, const Incident* b) {
    return Key(a->created_at, a->id) < Key(b->created_at, b->id);
  });
  for (const Incident* incident : ordered) {
    const std::string_view id = incident->id;
    auto it = created_.find(id);
    if (it == created_.end()) {
      added.push_back(correlate(*incident));
      continue;
    }
    const size_t p = PositionOf(it->second, id);
    CorrelatedIncident& c = out_.incidents[p];
    if (*c.incident == *incident) continue;
    if (c.incident->created_at != incident->created_at) {
      drop(p);
      added.push_back(correlate(*incident));
      continue;
    }
    // Same place in the order: replaced where it is.
    pass.positions[id] = p;
    RemoveFromAttack(c);
    UnlinkIncident(*c.incident, pass);
    created_.erase(it);
    pass.graveyard.push_back(c.incident);
    const bool was_open = c.open;
    c = correlate(*incident);
    if (was_open != c.open) {
      auto at = std::lower_bound(open_.begin(), open_.end(), p);
      if (c.open) {
        open_.insert(at, p);
      } else {
        open_.erase(at);
      }
    }
  }
  PlaceIncidents(std::move(added), std::move(dropped), pass);
}

void IncrementalCorrelation::PlaceIncidents(std::vector<CorrelatedIncident> added,
                                            std::vector<size_t> dropped, Pass& pass) {
  if (dropped.empty() && added.empty()) return;
  const auto order = [](const CorrelatedIncident& a, const CorrelatedIncident& b) {
    return Key(a.incident->created_at, a.incident->id) <
           Key(b.incident->created_at, b.incident->id);
  };
  std::sort(added.begin(), added.end(), order);
  if (dropped.empty() && (out_.incidents.empty() || order(out_.incidents.back(), added.front()))) {
    // New incidents after every stored one (the usual import): appended.
    if (out_.incidents.capacity() < out_.incidents.size() + added.size()) {
      out_.incidents.reserve(out_.incidents.size() * 5 / 4 + added.size());
    }
    for (CorrelatedIncident& c : added) {
      pass.positions[c.incident->id] = out_.incidents.size();
      if (c.open) open_.push_back(out_.incidents.size());
      out_.incidents.push_back(std::move(c));
    }
    return;
  }
  std::sort(dropped.begin(), dropped.end());
  std::vector<CorrelatedIncident> merged;
  merged.reserve(out_.incidents.size() - dropped.size() + added.size());
  auto next_drop = dropped.begin();
  auto next_add = added.begin();
  for (size_t p = 0; p < out_.incidents.size(); ++p) {
    if (next_drop != dropped.end() && *next_drop == p) {
      ++next_drop;
      continue;
    }
    while (next_add != added.end() && order(*next_add, out_.incidents[p])) {
      merged.push_back(std::move(*next_add++));
    }
    merged.push_back(std::move(out_.incidents[p]));
  }
  while (next_add != added.end()) merged.push_back(std::move(*next_add++));
  out_.incidents = std::move(merged);
  pass.positions.clear();  // everything after the first change moved
  open_.clear();
  for (size_t p = 0; p < out_.incidents.size(); ++p) {
    if (out_.incidents[p].open) open_.push_back(p);
  }
}

void IncrementalCorrelation::ApplyChains(Pass& pass) {
  // Merges the chain's changes and rewrites the gaps from the first changed link on (the
  // gaps before it depend only on unchanged links): `gaps` holds the gap of every link but
  // the first, in order.
  const auto rebuild = [&](Chain& chain, OptionalSeconds CorrelatedIncident::*field,
                           std::vector<double>& gaps) {
    chain.touched = false;
    const auto order = [](const Link& a, const Link& b) {
      return Key(a.created, a.id) < Key(b.created, b.id);
    };
    std::sort(chain.pending.begin(), chain.pending.end(), order);
    size_t first = std::min(chain.first_changed, chain.links.size());
    if (!chain.pending.empty()) {
      first = std::min(first,
                       static_cast<size_t>(std::lower_bound(chain.links.begin(), chain.links.end(),
                                                            chain.pending.front(), order) -
                                           chain.links.begin()));
    }
    chain.first_changed = SIZE_MAX;
    const auto from = chain.links.begin() + static_cast<ptrdiff_t>(first);
    chain.links.erase(
        std::remove_if(from, chain.links.end(), [](const Link& l) { return l.removed; }),
        chain.links.end());
    const auto kept = static_cast<ptrdiff_t>(chain.links.size());
    chain.links.insert(chain.links.end(), chain.pending.begin(), chain.pending.end());
    chain.pending.clear();
    std::inplace_merge(chain.links.begin() + static_cast<ptrdiff_t>(first),
                       chain.links.begin() + kept, chain.links.end(), order);
    gaps.resize(std::max<size_t>(first, 1) - 1);
    for (size_t k = first; k < chain.links.size(); ++k) {
      Link& link = chain.links[k];
      const OptionalSeconds gap = internal::GapAfter(
          k == 0, k == 0 ? std::nullopt : chain.links[k - 1].resolved, link.created);
      if (gap) gaps.push_back(*gap);
      if (link.fresh || !(gap == link.gap)) {
        auto hint = pass.positions.find(link.id);
        const size_t p =
            hint != pass.positions.end() ? hint->second : PositionOf(link.created, link.id);
        out_.incidents[p].*field = gap;
        link.gap = gap;
        link.fresh = false;
      }
    }
  };
  for (auto& [name, chain] : pass.touched_service_chains) {
    auto at =
        std::lower_bound(out_.services.begin(), out_.services.end(), name,
                         [](const ServiceTbf& t, std::string_view n) { return t.service < n; });
    const bool listed = at != out_.services.end() && at->service == name;
    std::vector<double> gaps;
    if (listed) gaps = std::move(at->tbf_seconds);
    rebuild(*chain, &CorrelatedIncident::tbf_seconds, gaps);
    if (chain->links.empty()) {
      if (listed) out_.services.erase(at);
      continue;
    }
    ServiceTbf tbf{std::string(name), chain->links.size(), std::move(gaps), std::nullopt};
    tbf.mtbf_seconds = internal::Mean(tbf.tbf_seconds);
    if (listed) {
      *at = std::move(tbf);
    } else {
      out_.services.insert(at, std::move(tbf));
    }
  }
  for (auto& [key, chain] : pass.touched_recurrence_chains) {
    auto at =
        std::lower_bound(out_.recurrences.begin(), out_.recurrences.end(), key,
                         [](const Recurrence& r, std::string_view k) { return r.fingerprint < k; });
    // A chain of one incident has no gaps, listed or not.
    const bool listed = at != out_.recurrences.end() && at->fingerprint == key;
    std::vector<double> gaps;
    if (listed) gaps = std::move(at->gap_seconds);
    rebuild(*chain, &CorrelatedIncident::recurrence_seconds, gaps);
    if (chain->links.size() < 2) {
      if (listed) out_.recurrences.erase(at);
      continue;
    }
    Recurrence r{std::string(key), chain->links.size(), std::move(gaps), std::nullopt};
    r.mean_gap_seconds = internal::Mean(r.gap_seconds);
    if (listed) {
      *at = std::move(r);
    } else {
      out_.recurrences.insert(at, std::move(r));
    }
  }
}

}  // namespace steadystate::incidents
