#include "incidents/correlation.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <numeric>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

namespace steadystate::incidents {
namespace {

using std::chrono::minutes;

double Seconds(Timestamp to, Timestamp from) { return ToSeconds(to - from); }

// Sets `field` to `value` and notes the field when it is negative.
void SetDuration(CorrelatedIncident& out, std::optional<double>& field, const char* name,
                 double value) {
  field = value;
  if (value < 0) out.negative_durations.emplace_back(name);
}

// The attack windows active while sweeping incidents in created_at order. An attack
// enters when its start is reached and leaves once its end (or now) + grace has passed;
// per service (and for attacks naming no service) the active ones are ordered by start
// so the one that started last is the set's last element.
class ActiveAttacks {
 public:
  using Key = std::pair<Timestamp, size_t>;  // (start, index in the start-sorted attacks)

  ActiveAttacks(const std::vector<Attack>& attacks, Timestamp now, Duration grace)
      : attacks_(attacks), now_(now), grace_(grace) {}

  // Makes the set right for an incident created at `t` (t never decreases).
  void AdvanceTo(Timestamp t) {
    while (next_ < attacks_.size() && attacks_[next_].start <= t) {
      const Attack& a = attacks_[next_];
      if (a.services.empty()) {
        global_.insert({a.start, next_});
      } else {
        for (const auto& s : a.services) by_service_[s].insert({a.start, next_});
      }
      expiry_.push({Expiry(a), next_});
      ++next_;
    }
    while (!expiry_.empty() && expiry_.top().first < t) {
      const Attack& a = attacks_[expiry_.top().second];
      const Key key{a.start, expiry_.top().second};
      if (a.services.empty()) {
        global_.erase(key);
      } else {
        for (const auto& s : a.services) {
          auto it = by_service_.find(s);
          if (it == by_service_.end()) continue;  // a service named twice by the attack
          it->second.erase(key);
          if (it->second.empty()) by_service_.erase(it);
        }
      }
      expiry_.pop();
    }
  }

  // The attack that started last among those naming `service` or no service.
  std::optional<size_t> Latest(const std::string& service) const {
    std::optional<Key> best;
    if (!global_.empty()) best = *global_.rbegin();
    if (!service.empty()) {
      if (auto it = by_service_.find(service); it != by_service_.end() && !it->second.empty()) {
        if (!best || *best < *it->second.rbegin()) best = *it->second.rbegin();
      }
    }
    if (!best) return std::nullopt;
    return best->second;
  }

 private:
  Timestamp Expiry(const Attack& a) const { return a.end.value_or(now_) + grace_; }

  const std::vector<Attack>& attacks_;
  Timestamp now_;
  Duration grace_;
  size_t next_ = 0;
  std::set<Key> global_;
  std::unordered_map<std::string, std::set<Key>> by_service_;
  using ExpiryItem = std::pair<Timestamp, size_t>;
  std::priority_queue<ExpiryItem, std::vector<ExpiryItem>, std::greater<>> expiry_;
};

// The failing stretch giving an incident's onset: the last one that started at or before
// `created`, if it is open at `created` or ended within `lookback` before it.
std::optional<Timestamp> ProbeOnset(const std::vector<FailingStretch>& stretches, Timestamp created,
                                    Duration lookback) {
  auto it = std::upper_bound(stretches.begin(), stretches.end(), created,
                             [](Timestamp t, const FailingStretch& s) { return t < s.start; });
  if (it == stretches.begin()) return std::nullopt;
  const FailingStretch& s = *std::prev(it);
  if (!s.end || *s.end >= created - lookback) return s.start;
  return std::nullopt;
}

// Whether a failing stretch overlaps [from, to].
bool BrokeDuring(const std::vector<FailingStretch>& stretches, Timestamp from, Timestamp to) {
  // Stretches do not overlap, so the last one starting by `to` also ends last.
  auto it = std::upper_bound(stretches.begin(), stretches.end(), to,
                             [](Timestamp t, const FailingStretch& s) { return t < s.start; });
  if (it == stretches.begin()) return false;
  const FailingStretch& s = *std::prev(it);
  return !s.end || *s.end > from;
}

// Fills the gap fields (TBF or recurrence) of incidents grouped by `key`, in created_at
// order: created_at(k+1) - resolved_at(k), 0 when they overlap (k unresolved or resolved
// after k+1 was created).
template <typename KeyFn, typename Out>
std::vector<std::pair<std::string, std::vector<size_t>>> GroupGaps(
    std::vector<CorrelatedIncident>& incidents, KeyFn key, Out field) {
  // Hashing views into the incidents (or into `owned`, whose elements never move) rather
  // than copying a string per incident into an ordered map; groups are sorted once.
  std::deque<std::string> owned;
  std::unordered_map<std::string_view, std::vector<size_t>> by_key;
  for (size_t i = 0; i < incidents.size(); ++i) {
    const std::string_view k = key(incidents[i].incident, owned);
    if (!k.empty()) by_key[k].push_back(i);
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> groups;
  groups.reserve(by_key.size());
  for (auto& [k, members] : by_key) groups.emplace_back(std::string(k), std::move(members));
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [k, members] : groups) {
    for (size_t j = 1; j < members.size(); ++j) {
      const Incident& prev = incidents[members[j - 1]].incident;
      CorrelatedIncident& next = incidents[members[j]];
      double gap = 0;
      if (prev.resolved_at && *prev.resolved_at < next.incident.created_at) {
        gap = Seconds(next.incident.created_at, *prev.resolved_at);
      }
      next.*field = gap;
    }
  }
  return groups;
}

std::optional<double> Mean(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

std::string_view ToString(OnsetSource source) {
  switch (source) {
    case OnsetSource::kAttack:
      return "attack";
    case OnsetSource::kProbe:
      return "probe";
    case OnsetSource::kUnknown:
      break;
  }
  return "unknown";
}

std::string RecurrenceKey(const Incident& incident) {
  if (!incident.fingerprint.empty()) return incident.fingerprint;
  std::string key;
  bool space = false;
  for (char c : incident.title) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      space = !key.empty();
      continue;
    }
    if (space) key += ' ';
    space = false;
    key += std::isdigit(u) ? '#' : static_cast<char>(std::tolower(u));
  }
  return key;
}

std::vector<FailingStretch> FailingStretchesFromRollups(
    const std::vector<std::pair<Timestamp, store::Rollup>>& minutes_in, Timestamp data_end,
    const StretchOptions& options) {
  std::vector<FailingStretch> out;
  std::optional<Timestamp> start;
  Timestamp last_end{};
  auto close = [&] {
    if (start) out.push_back({*start, last_end});
    start.reset();
  };
  for (const auto& [minute_raw, rollup] : minutes_in) {
    const Timestamp minute = std::chrono::floor<minutes>(minute_raw);
    const bool failing =
        rollup.total > 0 && static_cast<double>(rollup.good) <
                                options.min_good_ratio * static_cast<double>(rollup.total);
    if (start && minute != last_end) close();  // a minute without probes ends a stretch
    if (failing) {
      if (!start) start = minute;
      last_end = minute + minutes(1);
    } else {
      close();
    }
  }
  if (start) {
    // Still failing in the newest minute before the end of the data: open.
    if (last_end + minutes(1) >= data_end) {
      out.push_back({*start, std::nullopt});
    } else {
      close();
    }
  }
  return out;
}

Result<std::vector<FailingStretch>> LoadFailingStretches(const store::Store& store,
                                                         std::string_view service, Timestamp from,
                                                         Timestamp to,
                                                         const StretchOptions& options) {
  // "probe:<service>" is the series the probe engine writes (collector/probe_result.h).
  Result<std::vector<std::pair<std::string, uint64_t>>> series = store.ListSeries();
  if (!series.ok()) return series.error();
  const std::string name = "probe:" + std::string(service);
  auto it = std::find_if(series->begin(), series->end(),
                         [&](const auto& entry) { return entry.first == name; });
  if (it == series->end()) return std::vector<FailingStretch>{};
  std::vector<std::pair<Timestamp, store::Rollup>> minutes_seen;
  RETURN_IF_ERROR(store.ScanRollups(it->second, from, to, [&](Timestamp m, const store::Rollup& r) {
    minutes_seen.emplace_back(m, r);
  }));
  return FailingStretchesFromRollups(minutes_seen, to, options);
}

Correlation Correlate(std::vector<Incident> incidents_in, std::vector<Attack> attacks,
                      const FailingStretches& stretches, std::vector<FiredAlert> alerts,
                      Timestamp now, const CorrelationOptions& options) {
  Correlation out;
  out.now = now;
  std::sort(attacks.begin(), attacks.end(), [](const Attack& a, const Attack& b) {
    return std::tie(a.start, a.id) < std::tie(b.start, b.id);
  });
  // Sorting an index (not the 300-byte incidents) and moving each incident once.
  std::vector<uint32_t> order(incidents_in.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const Incident& x = incidents_in[a];
    const Incident& y = incidents_in[b];
    if (x.created_at != y.created_at) return x.created_at < y.created_at;
    return x.id < y.id;
  });
  std::sort(alerts.begin(), alerts.end(),
            [](const FiredAlert& a, const FiredAlert& b) { return a.fired_at < b.fired_at; });

  // Attribution and per-incident durations, sweeping incidents in created_at order.
  std::vector<std::vector<std::string>> attributed(attacks.size());
  ActiveAttacks active(attacks, now, options.attribution_grace);
  out.incidents.reserve(incidents_in.size());
  for (uint32_t index : order) {
    CorrelatedIncident c;
    c.incident = std::move(incidents_in[index]);
    const Incident& i = c.incident;
    active.AdvanceTo(i.created_at);
    if (std::optional<size_t> a = active.Latest(i.service)) {
      c.attack_id = attacks[*a].id;
      c.attack_open = !attacks[*a].end.has_value();
      c.onset_at = attacks[*a].start;
      c.onset_source = OnsetSource::kAttack;
      attributed[*a].push_back(i.id);
    } else if (auto s = stretches.find(i.service); !i.service.empty() && s != stretches.end()) {
      if (auto onset = ProbeOnset(s->second, i.created_at, options.onset_lookback)) {
        c.onset_at = onset;
        c.onset_source = OnsetSource::kProbe;
      }
    }
    if (c.onset_at)
      SetDuration(c, c.ttd_seconds, "ttd_seconds", Seconds(i.created_at, *c.onset_at));
    if (i.acknowledged_at) {
      SetDuration(c, c.tta_seconds, "tta_seconds", Seconds(*i.acknowledged_at, i.created_at));
    }
    if (i.resolved_at) {
      SetDuration(c, c.ttr_seconds, "ttr_seconds", Seconds(*i.resolved_at, i.created_at));
      if (c.onset_at) {
        SetDuration(c, c.impact_seconds, "impact_seconds", Seconds(*i.resolved_at, *c.onset_at));
      }
    } else {
      c.open = true;
      c.open_seconds = Seconds(now, i.created_at);
    }
    out.incidents.push_back(std::move(c));
  }

  // TBF per service and recurrence per fingerprint.
  auto by_service = GroupGaps(
      out.incidents,
      [](const Incident& i, std::deque<std::string>&) { return std::string_view(i.service); },
      &CorrelatedIncident::tbf_seconds);
  for (const auto& [service, members] : by_service) {
    ServiceTbf tbf{service, members.size(), {}, std::nullopt};
    for (size_t j = 1; j < members.size(); ++j) {
      tbf.tbf_seconds.push_back(*out.incidents[members[j]].tbf_seconds);
    }
    tbf.mtbf_seconds = Mean(tbf.tbf_seconds);
    out.services.push_back(std::move(tbf));
  }
  auto recurrence_key = [](const Incident& i, std::deque<std::string>& owned) {
    if (!i.fingerprint.empty()) return std::string_view(i.fingerprint);
    owned.push_back(RecurrenceKey(i));
    return std::string_view(owned.back());
  };
  auto by_key = GroupGaps(out.incidents, recurrence_key, &CorrelatedIncident::recurrence_seconds);
  for (const auto& [key, members] : by_key) {
    if (members.size() < 2) continue;
    Recurrence r{key, members.size(), {}, std::nullopt};
    for (size_t j = 1; j < members.size(); ++j) {
      r.gap_seconds.push_back(*out.incidents[members[j]].recurrence_seconds);
    }
    r.mean_gap_seconds = Mean(r.gap_seconds);
    out.recurrences.push_back(std::move(r));
  }

  // TTP: per reproduced incident, the attacks that re-ran it, in start order.
  std::unordered_map<std::string, std::vector<size_t>> reruns;
  for (size_t a = 0; a < attacks.size(); ++a) {
    for (const auto& id : attacks[a].reproduces) reruns[id].push_back(a);
  }
  if (!reruns.empty()) {
    for (CorrelatedIncident& c : out.incidents) {
      if (!c.incident.resolved_at) continue;
      auto it = reruns.find(c.incident.id);
      if (it == reruns.end()) continue;
      for (size_t a : it->second) {
        const Attack& attack = attacks[a];
        // A halted, failed or still running re-run, or one that broke steady state, shows
        // the failure is not prevented yet.
        if (attack.start < *c.incident.resolved_at || attack.outcome != "completed" ||
            attack.steady_state != "held" || !attack.end) {
          continue;
        }
        SetDuration(c, c.ttp_seconds, "ttp_seconds", Seconds(*attack.end, *c.incident.resolved_at));
        c.prevented_by = attack.id;
        break;
      }
    }
  }

  // Detection coverage.
  std::vector<std::string> all_services;
  for (const auto& [service, s] : stretches) all_services.push_back(service);
  for (size_t a = 0; a < attacks.size(); ++a) {
    const Attack& attack = attacks[a];
    AttackDetection d;
    d.attack_id = attack.id;
    d.start = attack.start;
    d.open = !attack.end.has_value();
    d.end = attack.end.value_or(now);
    const std::vector<std::string>& affected =
        attack.services.empty() ? all_services : attack.services;
    for (const auto& service : affected) {
      auto s = stretches.find(service);
      if (s != stretches.end() && BrokeDuring(s->second, d.start, d.end)) {
        d.broken_services.push_back(service);
      }
    }
    d.incident_ids = std::move(attributed[a]);
    const Timestamp alert_until = d.end + options.attribution_grace;
    auto first =
        std::lower_bound(alerts.begin(), alerts.end(), d.start,
                         [](const FiredAlert& alert, Timestamp t) { return alert.fired_at < t; });
    for (auto it = first; it != alerts.end() && it->fired_at <= alert_until; ++it) {
      bool matches = false;
      if (auto svc = it->labels.find("service"); svc != it->labels.end()) {
        matches = attack.services.empty() ||
                  std::find(attack.services.begin(), attack.services.end(), svc->second) !=
                      attack.services.end();
      } else if (auto host = it->labels.find("host");
                 host != it->labels.end() && !attack.targets.empty()) {
        matches = std::find(attack.targets.begin(), attack.targets.end(), host->second) !=
                  attack.targets.end();
      } else {
        matches = true;  // a host alert of this host (the agent's own, unlabelled)
      }
      if (matches &&
          std::find(d.alert_rules.begin(), d.alert_rules.end(), it->rule) == d.alert_rules.end()) {
        d.alert_rules.push_back(it->rule);
      }
    }
    if (d.sli_broken()) {
      ++out.broken_attacks;
      if (d.detected()) {
        ++out.detected_attacks;
      } else {
        out.missed_detections.push_back(d.attack_id);
      }
    }
    out.attacks.push_back(std::move(d));
  }
  if (out.broken_attacks > 0) {
    out.detection_coverage =
        static_cast<double>(out.detected_attacks) / static_cast<double>(out.broken_attacks);
  }
  return out;
}

}  // namespace steadystate::incidents
