#include "incidents/incremental_correlation.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <sstream>

namespace steadystate::incidents {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const Timestamp kT0{std::chrono::sys_days(std::chrono::year(2026) / 11 / 2)};

// Every field of a correlation as text, doubles exactly (hex floats), so two correlations
// compare equal only when they are equal field for field and in the same order.
std::string Exact(OptionalSeconds s) {
  if (!s) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", *s);
  return buffer;
}
std::string Exact(std::optional<double> d) { return Exact(OptionalSeconds(d)); }
std::string Exact(std::optional<Timestamp> t) {
  return t ? std::to_string(t->time_since_epoch().count()) : "-";
}
std::string Exact(const std::optional<std::string>& s) { return s ? *s : "-"; }

std::string Describe(const Correlation& c) {
  std::ostringstream out;
  out << "now " << Exact(c.now) << "\n";
  for (const CorrelatedIncident& i : c.incidents) {
    const Incident& x = *i.incident;
    out << "incident " << x.id << " " << x.service << " " << x.fingerprint << " "
        << Exact(x.created_at) << " " << Exact(x.acknowledged_at) << " " << Exact(x.resolved_at)
        << " attack=" << Exact(i.attack_id) << " onset=" << Exact(i.onset_at) << "/"
        << ToString(i.onset_source) << " open=" << i.open << " attack_open=" << i.attack_open
        << " ttd=" << Exact(i.ttd_seconds) << " tta=" << Exact(i.tta_seconds)
        << " ttr=" << Exact(i.ttr_seconds) << " impact=" << Exact(i.impact_seconds)
        << " age=" << Exact(i.open_seconds) << " tbf=" << Exact(i.tbf_seconds)
        << " recurrence=" << Exact(i.recurrence_seconds) << " ttp=" << Exact(i.ttp_seconds)
        << " prevented_by=" << Exact(i.prevented_by) << " negative=";
    for (const auto& n : i.negative_durations) out << n << ",";
    out << "\n";
  }
  for (const ServiceTbf& s : c.services) {
    out << "service " << s.service << " " << s.incidents << " mtbf=" << Exact(s.mtbf_seconds)
        << " gaps=";
    for (double g : s.tbf_seconds) out << Exact(OptionalSeconds(g)) << ",";
    out << "\n";
  }
  for (const Recurrence& r : c.recurrences) {
    out << "recurrence " << r.fingerprint << " " << r.incidents
        << " mean=" << Exact(r.mean_gap_seconds) << " gaps=";
    for (double g : r.gap_seconds) out << Exact(OptionalSeconds(g)) << ",";
    out << "\n";
  }
  for (const AttackDetection& d : c.attacks) {
    out << "attack " << d.attack_id << " " << Exact(d.start) << "-" << Exact(d.end)
        << " open=" << d.open << " broken=";
    for (const auto& s : d.broken_services) out << s << ",";
    out << " incidents=";
    for (const auto& id : d.incident_ids) out << id << ",";
    out << " alerts=";
    for (const auto& r : d.alert_rules) out << r << ",";
    out << "\n";
  }
  out << "coverage " << c.broken_attacks << "/" << c.detected_attacks << " "
      << Exact(c.detection_coverage) << " missed=";
  for (const auto& m : c.missed_detections) out << m << ",";
  out << "\n";
  return out.str();
}

// Random inputs over ten hours, dense enough that instants, windows and chains collide.
class World {
 public:
  explicit World(uint64_t seed) : rng_(seed) {}

  Timestamp At(int max_minutes) {
    Timestamp t = kT0 + minutes(Pick(max_minutes));
    if (Pick(4) == 0) t += seconds(Pick(60));
    return t;
  }
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  template <typename T>
  const T& OneOf(const std::vector<T>& v) {
    return v[static_cast<size_t>(Pick(static_cast<int>(v.size())))];
  }

  Incident NewIncident(std::string id) {
    Incident i;
    i.id = std::move(id);
    i.service = OneOf<std::string>({"a", "b", "c", "d", ""});
    i.severity = OneOf<std::string>({"sev1", "sev2"});
    i.fingerprint = OneOf<std::string>({"", "", "fp1", "fp2", "fp3"});
    i.title = "disk " + std::to_string(90 + Pick(10)) + "% full on " + i.service;
    if (Pick(3) == 0) i.title = "Other  " + std::to_string(Pick(3));
    i.created_at = At(600);
    if (Pick(2) == 0) i.acknowledged_at = i.created_at + seconds(Pick(900) - 60);
    if (Pick(10) < 7) {
      i.resolved_at = i.created_at + minutes(Pick(90)) - seconds(Pick(2) == 0 ? 0 : 30);
      i.status = "resolved";
    }
    return i;
  }

  chaos::Attack NewAttack(std::string id) {
    chaos::Attack a;
    a.id = std::move(id);
    const int services = Pick(3);
    for (int s = 0; s < services; ++s)
      a.services.push_back(OneOf<std::string>({"a", "b", "c", ""}));
    if (Pick(3) == 0) a.targets = {OneOf<std::string>({"h1", "h2"})};
    a.start = At(600);
    if (Pick(5) != 0) {
      a.end = a.start + minutes(Pick(60));
      a.outcome = OneOf<std::string>({"completed", "completed", "halted"});
    }
    a.steady_state = OneOf<std::string>({"held", "broken"});
    if (Pick(4) == 0 && !incident_ids_.empty()) a.reproduces = {OneOf(incident_ids_)};
    return a;
  }

  std::vector<FailingStretch> NewStretches() {
    std::vector<FailingStretch> out;
    Timestamp t = kT0 + minutes(Pick(60));
    while (t < kT0 + minutes(600) && Pick(8) != 0) {
      const Timestamp end = t + minutes(1 + Pick(30));
      out.push_back({t, end});
      t = end + minutes(1 + Pick(90));
    }
    if (!out.empty() && Pick(3) == 0) out.back().end.reset();
    return out;
  }

  std::vector<FiredAlert> NewAlerts() {
    std::vector<FiredAlert> out(static_cast<size_t>(Pick(12)));
    for (FiredAlert& a : out) {
      a.rule = OneOf<std::string>({"SloFastBurn", "SloSlowBurn", "HostCpuHigh"});
      if (a.rule == "HostCpuHigh") {
        if (Pick(2) == 0) a.labels = {{"host", OneOf<std::string>({"h1", "h2"})}};
      } else {
        a.labels = {{"service", OneOf<std::string>({"a", "b", "c"})}};
      }
      a.fired_at = At(600);
    }
    return out;
  }

  std::vector<std::string> incident_ids_;

 private:
  std::mt19937_64 rng_;
};

// Applies random batches of inserts, updates and removals of incidents and attacks, new
// stretches, alerts and instants, and after each compares the incremental correlation
// with the full pass over the same inputs.
void CompareWithFullPass(uint64_t seed, const CorrelationOptions& options) {
  World w(seed);
  std::map<std::string, Incident> incidents;
  std::map<std::string, chaos::Attack> attacks;
  FailingStretches stretches;
  std::vector<FiredAlert> alerts = w.NewAlerts();
  Timestamp now = kT0 + minutes(300);
  int next_incident = 0;
  int next_attack = 0;
  const auto new_incident = [&] {
    Incident i = w.NewIncident("pd:" + std::to_string(next_incident++));
    w.incident_ids_.push_back(i.id);
    return i;
  };
  for (int k = 0; k < 60; ++k) {
    Incident i = new_incident();
    incidents[i.id] = i;
  }
  for (int k = 0; k < 15; ++k) {
    chaos::Attack a = w.NewAttack("atk-" + std::to_string(next_attack++));
    attacks[a.id] = a;
  }
  for (const std::string s : {"a", "b"}) stretches[s] = w.NewStretches();
  const auto full_pass = [&] {
    std::vector<Incident> i;
    for (const auto& [id, incident] : incidents) i.push_back(incident);
    std::vector<chaos::Attack> a;
    for (const auto& [id, attack] : attacks) a.push_back(attack);
    return Correlate(std::move(i), std::move(a), stretches, alerts, now, options);
  };
  std::vector<Incident> initial;
  for (const auto& [id, incident] : incidents) initial.push_back(incident);
  std::vector<chaos::Attack> initial_attacks;
  for (const auto& [id, attack] : attacks) initial_attacks.push_back(attack);
  IncrementalCorrelation incremental(initial, initial_attacks, stretches, alerts, now, options);
  ASSERT_EQ(Describe(incremental.correlation()), Describe(full_pass()));

  for (int round = 0; round < 120; ++round) {
    CorrelationChanges changes;
    const int kind = w.Pick(8);
    const auto existing = [&]() -> std::string {
      auto it = incidents.begin();
      std::advance(it, w.Pick(static_cast<int>(incidents.size())));
      return it->first;
    };
    // Incidents: new ones (most created late, as an import brings them), updates, removals.
    for (int k = w.Pick(6); k > 0; --k) {
      Incident i = new_incident();
      if (w.Pick(2) == 0) i.created_at = now - minutes(w.Pick(30));
      changes.incidents.push_back(i);
      incidents[i.id] = i;
    }
    for (int k = w.Pick(4); k > 0 && !incidents.empty(); --k) {
      Incident i = incidents[existing()];
      switch (w.Pick(5)) {
        case 0:
          i.resolved_at = now;
          break;
        case 1:
          i.created_at = w.At(600);
          break;
        case 2:
          i.service = w.OneOf<std::string>({"a", "b", "c", "d", ""});
          break;
        case 3:
          i.fingerprint = w.OneOf<std::string>({"", "fp1", "fp4"});
          break;
        default:
          break;  // unchanged: a re-import
      }
      changes.incidents.push_back(i);
      incidents[i.id] = i;
    }
    if (kind == 0 && !incidents.empty()) {
      const std::string id = existing();
      changes.removed_incidents.push_back(id);
      incidents.erase(id);
    }
    // Attacks: started, ended, changed, removed.
    if (kind == 1 || kind == 2) {
      chaos::Attack a = w.NewAttack("atk-" + std::to_string(next_attack++));
      if (kind == 2) a.start = now - minutes(w.Pick(20));
      changes.attacks.push_back(a);
      attacks[a.id] = a;
    }
    if (kind == 3 && !attacks.empty()) {
      auto it = attacks.begin();
      std::advance(it, w.Pick(static_cast<int>(attacks.size())));
      chaos::Attack a = it->second;
      if (!a.end) {
        a.end = now;
        a.outcome = "completed";
      } else if (w.Pick(2) == 0) {
        a.start -= minutes(10);
      } else {
        a.services = {"c"};
      }
      changes.attacks.push_back(a);
      attacks[a.id] = a;
    }
    if (kind == 4 && !attacks.empty()) {
      auto it = attacks.begin();
      std::advance(it, w.Pick(static_cast<int>(attacks.size())));
      changes.removed_attacks.push_back(it->first);
      attacks.erase(it);
    }
    // Stretches and alerts.
    if (kind == 5) {
      const std::string s = w.OneOf<std::string>({"a", "b", "c"});
      changes.stretches[s] = w.Pick(4) == 0 ? std::vector<FailingStretch>{} : w.NewStretches();
      if (changes.stretches[s].empty()) {
        stretches.erase(s);
      } else {
        stretches[s] = changes.stretches[s];
      }
    }
    if (kind == 6) {
      if (w.Pick(2) == 0) {
        alerts.push_back({"SloSlowBurn", {{"service", "a"}}, now - minutes(w.Pick(100))});
      } else {
        alerts = w.NewAlerts();
      }
      changes.alerts = alerts;
    }
    // Time moves on, mostly forward.
    now += minutes(w.Pick(10)) - (w.Pick(10) == 0 ? minutes(15) : minutes(0));
    changes.now = now;
    incremental.Apply(std::move(changes));
    ASSERT_EQ(Describe(incremental.correlation()), Describe(full_pass())) << "round " << round;
  }
}

TEST(IncrementalCorrelation, EqualsTheFullPassAfterRandomChanges) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    CompareWithFullPass(seed, {});
  }
}

TEST(IncrementalCorrelation, EqualsTheFullPassWithShortGraceAndLookback) {
  for (uint64_t seed = 100; seed <= 101; ++seed) {
    SCOPED_TRACE(seed);
    CompareWithFullPass(seed, {minutes(1), minutes(0)});
  }
}

TEST(IncrementalCorrelation, FindsTheCurrentInputs) {
  Incident i;
  i.id = "pd:1";
  i.service = "a";
  i.created_at = kT0;
  IncrementalCorrelation c({i}, {}, {}, {}, kT0 + minutes(5));
  ASSERT_NE(c.FindIncident("pd:1"), nullptr);
  EXPECT_EQ(c.FindIncident("pd:2"), nullptr);
  i.resolved_at = kT0 + minutes(1);
  CorrelationChanges changes;
  changes.incidents = {i};
  changes.now = kT0 + minutes(6);
  c.Apply(changes);
  EXPECT_EQ(*c.FindIncident("pd:1"), i);
  EXPECT_FALSE(c.correlation().incidents.at(0).open);
  EXPECT_EQ(c.correlation().incidents.at(0).ttr_seconds, 60.0);
}

}  // namespace
}  // namespace steadystate::incidents
