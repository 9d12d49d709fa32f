#include "incidents/correlation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every fixture counts from T0 = 2026-11-02T10:00:00Z.
Timestamp T(Duration offset = Duration(0)) {
  return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 2)) + hours(10) + offset;
}

Incident MakeIncident(std::string id, std::string service, Duration created,
                      std::optional<Duration> resolved = std::nullopt) {
  Incident i;
  i.id = std::move(id);
  i.service = std::move(service);
  i.title = "title of " + i.id;
  i.fingerprint = i.id;
  i.severity = "sev1";
  i.created_at = T(created);
  if (resolved) {
    i.resolved_at = T(*resolved);
    i.status = "resolved";
  } else {
    i.status = "triggered";
  }
  return i;
}

chaos::Attack MakeAttack(std::string id, std::vector<std::string> services, Duration start,
                         std::optional<Duration> end) {
  chaos::Attack a;
  a.id = std::move(id);
  a.services = std::move(services);
  a.start = T(start);
  if (end) {
    a.end = T(*end);
    a.outcome = "completed";
  }
  return a;
}

const CorrelatedIncident& Find(const Correlation& c, const std::string& id) {
  for (const auto& i : c.incidents) {
    if (i.incident->id == id) return i;
  }
  ADD_FAILURE() << "no incident " << id;
  static const CorrelatedIncident kNone;
  return kNone;
}

// Attack A on www: 10:00-10:30, grace 15m, so incidents created in [10:00, 10:45] belong
// to it.
TEST(Correlation, AttributesWithinWindowAndGraceOnly) {
  const chaos::Attack a = MakeAttack("a", {"www"}, minutes(0), minutes(30));
  std::vector<Incident> incidents = {
      MakeIncident("before", "www", -minutes(1), minutes(5)),
      MakeIncident("at-start", "www", minutes(0), minutes(20)),
      MakeIncident("inside", "www", minutes(10), minutes(40)),
      MakeIncident("in-grace", "www", minutes(44), minutes(50)),
      MakeIncident("grace-edge", "www", minutes(45), minutes(50)),
      MakeIncident("after-grace", "www", minutes(45) + seconds(1), minutes(50)),
      MakeIncident("other-service", "db", minutes(10), minutes(20)),
  };
  const Correlation c = Correlate(incidents, {a}, {}, {}, T(hours(1)));
  EXPECT_FALSE(Find(c, "before").chaos());
  EXPECT_EQ(Find(c, "at-start").attack_id, "a");
  EXPECT_EQ(Find(c, "inside").attack_id, "a");
  EXPECT_EQ(Find(c, "in-grace").attack_id, "a");
  EXPECT_EQ(Find(c, "grace-edge").attack_id, "a");
  EXPECT_FALSE(Find(c, "after-grace").chaos());
  EXPECT_FALSE(Find(c, "other-service").chaos());

  // inside: onset 10:00 (attack start), created 10:10, resolved 10:40.
  const CorrelatedIncident& inside = Find(c, "inside");
  EXPECT_EQ(inside.onset_source, OnsetSource::kAttack);
  EXPECT_EQ(inside.onset_at, T());
  EXPECT_EQ(inside.ttd_seconds, 600.0);      // 10:10 - 10:00
  EXPECT_EQ(inside.ttr_seconds, 1800.0);     // 10:40 - 10:10
  EXPECT_EQ(inside.impact_seconds, 2400.0);  // 10:40 - 10:00
  EXPECT_FALSE(inside.tta_seconds.has_value());
  EXPECT_FALSE(inside.attack_open);
  // Not attributed and no probe data: onset unknown, so no TTD or impact.
  const CorrelatedIncident& before = Find(c, "before");
  EXPECT_EQ(before.onset_source, OnsetSource::kUnknown);
  EXPECT_FALSE(before.ttd_seconds.has_value());
  EXPECT_FALSE(before.impact_seconds.has_value());
  EXPECT_EQ(before.ttr_seconds, 360.0);  // 09:59 -> 10:05
}

// Overlapping attacks on www: A 10:00-11:00, B 10:20-10:40; an incident at 10:30 could be
// either, B started last and wins; one at 10:50 is inside A and inside B's grace: B again.
// One at 10:56 is past B's grace (10:55) but inside A: A.
TEST(Correlation, LatestStartWinsAmongOverlappingAttacks) {
  std::vector<chaos::Attack> attacks = {MakeAttack("A", {"www"}, minutes(0), minutes(60)),
                                        MakeAttack("B", {"www", "db"}, minutes(20), minutes(40))};
  std::vector<Incident> incidents = {MakeIncident("i1", "www", minutes(30), minutes(35)),
                                     MakeIncident("i2", "www", minutes(50), minutes(52)),
                                     MakeIncident("i3", "www", minutes(56), minutes(58)),
                                     MakeIncident("i4", "db", minutes(5), minutes(6))};
  const Correlation c = Correlate(incidents, attacks, {}, {}, T(hours(2)));
  EXPECT_EQ(Find(c, "i1").attack_id, "B");
  EXPECT_EQ(Find(c, "i2").attack_id, "B");
  EXPECT_EQ(Find(c, "i3").attack_id, "A");
  EXPECT_FALSE(Find(c, "i4").chaos());  // db incident before B started

  // An attack that names a service twice is one candidate, and leaves the window cleanly.
  attacks.push_back(MakeAttack("C", {"api", "api"}, minutes(70), minutes(71)));
  const Correlation twice =
      Correlate({MakeIncident("i5", "api", minutes(80)), MakeIncident("i6", "api", minutes(100))},
                attacks, {}, {}, T(hours(2)));
  EXPECT_EQ(Find(twice, "i5").attack_id, "C");
  EXPECT_FALSE(Find(twice, "i6").chaos());
  EXPECT_EQ(Find(c, "i3").ttd_seconds, 3360.0);  // 10:56 - 10:00
}

// An attack naming no services takes incidents of any service, and of none. An incident
// without a service only matches such attacks.
TEST(Correlation, AttackWithoutServicesAndIncidentWithoutService) {
  std::vector<chaos::Attack> attacks = {MakeAttack("scoped", {"www"}, minutes(0), minutes(10)),
                                        MakeAttack("fleet", {}, minutes(30), minutes(40))};
  std::vector<Incident> incidents = {MakeIncident("noservice-in-scoped", "", minutes(5)),
                                     MakeIncident("any-in-fleet", "search", minutes(31)),
                                     MakeIncident("noservice-in-fleet", "", minutes(32)),
                                     MakeIncident("www-in-both", "www", minutes(9))};
  const Correlation c = Correlate(incidents, attacks, {}, {}, T(hours(1)));
  EXPECT_FALSE(Find(c, "noservice-in-scoped").chaos());
  EXPECT_EQ(Find(c, "any-in-fleet").attack_id, "fleet");
  EXPECT_EQ(Find(c, "noservice-in-fleet").attack_id, "fleet");
  EXPECT_EQ(Find(c, "www-in-both").attack_id, "scoped");
  // Incidents without a service have no TBF group.
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[0].service, "search");
  EXPECT_EQ(c.services[1].service, "www");
}

// An open attack (no end) started 10:00; now is 11:00, so its window runs to now + grace
// (11:15) and attributed incidents are marked.
TEST(Correlation, OpenAttackRunsToNowAndIsMarked) {
  std::vector<chaos::Attack> attacks = {MakeAttack("open", {"www"}, minutes(0), std::nullopt)};
  std::vector<Incident> incidents = {MakeIncident("late", "www", minutes(70)),
                                     MakeIncident("too-late", "www", minutes(76))};
  const Correlation c = Correlate(incidents, attacks, {}, {}, T(minutes(60)));
  EXPECT_EQ(Find(c, "late").attack_id, "open");
  EXPECT_TRUE(Find(c, "late").attack_open);
  EXPECT_FALSE(Find(c, "too-late").chaos());
  ASSERT_EQ(c.attacks.size(), 1u);
  EXPECT_TRUE(c.attacks[0].open);
  EXPECT_EQ(c.attacks[0].end, T(minutes(60)));
}

// Unresolved incidents have no TTR or impact; they are marked open with their age at now.
TEST(Correlation, UnresolvedIncidentsAreOpenAtNow) {
  Incident i = MakeIncident("open", "www", minutes(0));
  i.acknowledged_at = T(minutes(3));
  const Correlation c = Correlate({i}, {}, {}, {}, T(minutes(50)));
  const CorrelatedIncident& open = Find(c, "open");
  EXPECT_TRUE(open.open);
  EXPECT_EQ(open.open_seconds, 3000.0);
  EXPECT_EQ(open.tta_seconds, 180.0);
  EXPECT_FALSE(open.ttr_seconds.has_value());
  EXPECT_FALSE(open.impact_seconds.has_value());
}

// Onset from probes: www failing 09:30-09:50 (closed) and 10:20- (open); db failing
// 08:00-08:30. Lookback 1h.
TEST(Correlation, OnsetFromFailingProbeStretch) {
  FailingStretches stretches;
  stretches["www"] = {{T(-minutes(30)), T(-minutes(10))}, {T(minutes(20)), std::nullopt}};
  stretches["db"] = {{T(-hours(2)), T(-minutes(90))}};
  std::vector<Incident> incidents = {
      // created 10:05: the 09:30 stretch ended 15m before, inside the lookback.
      MakeIncident("recent", "www", minutes(5), minutes(25)),
      // created 10:25 while the 10:20 stretch is open.
      MakeIncident("during", "www", minutes(25), minutes(30)),
      // created 10:00: db's stretch ended at 08:30, 90m before: beyond the lookback.
      MakeIncident("stale", "db", minutes(0), minutes(10)),
      // created 09:20, before any www stretch started.
      MakeIncident("early", "www", -minutes(40), -minutes(35)),
  };
  const Correlation c = Correlate(incidents, {}, stretches, {}, T(hours(1)));
  const CorrelatedIncident& recent = Find(c, "recent");
  EXPECT_EQ(recent.onset_source, OnsetSource::kProbe);
  EXPECT_EQ(recent.onset_at, T(-minutes(30)));
  EXPECT_EQ(recent.ttd_seconds, 2100.0);     // 10:05 - 09:30
  EXPECT_EQ(recent.impact_seconds, 3300.0);  // 10:25 - 09:30
  EXPECT_EQ(Find(c, "during").onset_at, T(minutes(20)));
  EXPECT_EQ(Find(c, "during").ttd_seconds, 300.0);
  EXPECT_EQ(Find(c, "stale").onset_source, OnsetSource::kUnknown);
  EXPECT_EQ(Find(c, "early").onset_source, OnsetSource::kUnknown);
}

// Clock skew: acknowledged and resolved before created. Reported negative and flagged.
TEST(Correlation, NegativeDurationsAreReportedAndFlagged) {
  Incident i = MakeIncident("skewed", "www", minutes(10), minutes(9));
  i.acknowledged_at = T(minutes(10) - seconds(30));
  // Attack 10:00-10:05 (grace to 10:20): onset 10:00.
  const Correlation c =
      Correlate({i}, {MakeAttack("a", {"www"}, minutes(0), minutes(5))}, {}, {}, T(hours(1)));
  const CorrelatedIncident& s = Find(c, "skewed");
  EXPECT_EQ(s.tta_seconds, -30.0);
  EXPECT_EQ(s.ttr_seconds, -60.0);
  EXPECT_EQ(s.ttd_seconds, 600.0);
  EXPECT_EQ(s.impact_seconds, 540.0);
  EXPECT_THAT(s.negative_durations, ElementsAre("tta_seconds", "ttr_seconds"));
}

// www incidents: [10:00, 10:10], [10:30, 10:40], [10:35, 11:00] (overlaps the second),
// then 12:00 (open). TBF: 20m, 0 (overlap), 60m. MTBF = (1200 + 0 + 3600) / 3 = 1600 s.
TEST(Correlation, TimeBetweenFailuresPerService) {
  std::vector<Incident> incidents = {MakeIncident("w1", "www", minutes(0), minutes(10)),
                                     MakeIncident("w2", "www", minutes(30), minutes(40)),
                                     MakeIncident("w3", "www", minutes(35), minutes(60)),
                                     MakeIncident("w4", "www", minutes(120)),
                                     MakeIncident("d1", "db", minutes(0), minutes(1))};
  const Correlation c = Correlate(incidents, {}, {}, {}, T(hours(3)));
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[0].service, "db");
  EXPECT_THAT(c.services[0].tbf_seconds, IsEmpty());
  EXPECT_FALSE(c.services[0].mtbf_seconds.has_value());
  EXPECT_EQ(c.services[1].incidents, 4u);
  EXPECT_THAT(c.services[1].tbf_seconds, ElementsAre(1200.0, 0.0, 3600.0));
  EXPECT_EQ(c.services[1].mtbf_seconds, 1600.0);
  EXPECT_FALSE(Find(c, "w1").tbf_seconds.has_value());
  EXPECT_EQ(Find(c, "w3").tbf_seconds, 0.0);
}

// Incidents come in any order; the output is by created_at, then id for equal instants,
// and each keeps its own incident (they are read through a sorted index, never moved).
TEST(Correlation, SortsByCreatedThenIdWhateverTheInputOrder) {
  std::vector<Incident> incidents;
  for (int k = 0; k < 40; ++k) {
    // Created at 0, 5, 10 or 15 minutes; ids "i00".."i39" handed over in a scrambled order.
    const int n = (k * 17) % 40;
    const std::string id = std::string("i") + (n < 10 ? "0" : "") + std::to_string(n);
    incidents.push_back(MakeIncident(id, "www", minutes(5 * (n % 4)), minutes(60 + n)));
  }
  const Correlation c = Correlate(incidents, {}, {}, {}, T(hours(3)));
  ASSERT_EQ(c.incidents.size(), 40u);
  for (size_t k = 1; k < c.incidents.size(); ++k) {
    const Incident& prev = *c.incidents[k - 1].incident;
    const Incident& next = *c.incidents[k].incident;
    EXPECT_TRUE(prev.created_at < next.created_at ||
                (prev.created_at == next.created_at && prev.id < next.id))
        << prev.id << " before " << next.id;
  }
  // i13: created at 10:05 (13 % 4 = 1), resolved at 11:13: its own TTR (68 min), not a
  // neighbour's.
  EXPECT_EQ(Find(c, "i13").ttr_seconds, 4080.0);
  EXPECT_EQ(Find(c, "i13").incident->title, "title of i13");
}

// A CorrelatedIncident shares its incident: a copy stays valid after the correlation that
// made it is gone (attack reports keep copies).
TEST(Correlation, CorrelatedIncidentOutlivesItsCorrelation) {
  CorrelatedIncident kept;
  {
    const Correlation c =
        Correlate({MakeIncident("pd:1", "www", minutes(1), minutes(7))}, {}, {}, {}, T(hours(1)));
    kept = c.incidents.at(0);
  }
  ASSERT_NE(kept.incident, nullptr);
  EXPECT_EQ(kept.incident->id, "pd:1");
  EXPECT_EQ(kept.ttr_seconds, 360.0);
}

// Recurrence by fingerprint, across services; the fallback key normalises the title.
TEST(Correlation, RecurrencePerFingerprint) {
  Incident a = MakeIncident("a", "www", minutes(0), minutes(10));
  Incident b = MakeIncident("b", "db", minutes(70), minutes(80));
  Incident c = MakeIncident("c", "www", minutes(200), minutes(210));
  a.fingerprint = b.fingerprint = "disk-full";
  c.fingerprint.clear();
  c.title = "  Disk  91%   FULL ";
  Incident d = c;
  d.id = "d";
  d.title = "disk 97% full";
  d.created_at = T(minutes(230));
  const Correlation corr = Correlate({a, b, c, d}, {}, {}, {}, T(hours(5)));
  ASSERT_EQ(corr.recurrences.size(), 2u);
  EXPECT_EQ(corr.recurrences[0].fingerprint, "disk ##% full");
  EXPECT_THAT(corr.recurrences[0].gap_seconds, ElementsAre(1200.0));  // 13:50 - 13:30
  EXPECT_EQ(corr.recurrences[1].fingerprint, "disk-full");
  EXPECT_THAT(corr.recurrences[1].gap_seconds, ElementsAre(3600.0));  // 11:10 - 10:10
  EXPECT_EQ(corr.recurrences[1].mean_gap_seconds, 3600.0);
}

// Incident resolved 10:30. Re-run 1 (11:00-11:05) halted: not prevention. Re-run 2
// (12:00-12:10) completed with steady state held: TTP = 12:10 - 10:30 = 100 min.
// Re-run 0 before the resolution does not count.
TEST(Correlation, TimeToPreventionNeedsACompletedHeldRerun) {
  Incident i = MakeIncident("pd:1", "www", minutes(0), minutes(30));
  chaos::Attack early = MakeAttack("r0", {"www"}, minutes(10), minutes(20));
  early.steady_state = "held";
  chaos::Attack halted = MakeAttack("r1", {"www"}, minutes(60), minutes(65));
  halted.outcome = "halted";
  halted.steady_state = "broken";
  halted.halted_reason = "steady state broken";
  chaos::Attack held = MakeAttack("r2", {"www"}, minutes(120), minutes(130));
  held.steady_state = "held";
  for (chaos::Attack* a : {&early, &halted, &held}) a->reproduces = {"pd:1"};
  const Correlation c = Correlate({i}, {held, halted, early}, {}, {}, T(hours(3)));
  EXPECT_EQ(Find(c, "pd:1").ttp_seconds, 6000.0);
  EXPECT_EQ(Find(c, "pd:1").prevented_by, "r2");

  const Correlation only_halted = Correlate({i}, {halted}, {}, {}, T(hours(3)));
  EXPECT_FALSE(Find(only_halted, "pd:1").ttp_seconds.has_value());
}

// Four attacks, probes of www and db:
//   a1 on www 10:00-10:10, www failing 10:02-10:08, an incident attributed: detected.
//   a2 on www 11:00-11:10, www failing 11:01-11:04, no incident, an SLO alert on www at
//      11:20 (within 11:10 + 15m): detected.
//   a3 on db  12:00-12:10, db failing 12:05-12:06, an alert on www only: missed.
//   a4 on db  13:00-13:10, no failure: not counted.
// Coverage 2/3.
TEST(Correlation, DetectionCoverageAndMissedDetections) {
  FailingStretches stretches;
  stretches["www"] = {{T(minutes(2)), T(minutes(8))}, {T(minutes(61)), T(minutes(64))}};
  stretches["db"] = {{T(minutes(125)), T(minutes(126))}};
  std::vector<chaos::Attack> attacks = {MakeAttack("a1", {"www"}, minutes(0), minutes(10)),
                                        MakeAttack("a2", {"www"}, minutes(60), minutes(70)),
                                        MakeAttack("a3", {"db"}, minutes(120), minutes(130)),
                                        MakeAttack("a4", {"db"}, minutes(180), minutes(190))};
  std::vector<FiredAlert> alerts = {
      {"SloFastBurn", {{"service", "www"}}, T(minutes(80))},
      {"SloFastBurn", {{"service", "www"}}, T(minutes(125))},
  };
  const Correlation c = Correlate({MakeIncident("i", "www", minutes(5), minutes(9))}, attacks,
                                  stretches, alerts, T(hours(4)));
  ASSERT_EQ(c.attacks.size(), 4u);
  EXPECT_THAT(c.attacks[0].incident_ids, ElementsAre("i"));
  EXPECT_THAT(c.attacks[1].alert_rules, ElementsAre("SloFastBurn"));
  EXPECT_THAT(c.attacks[2].broken_services, ElementsAre("db"));
  EXPECT_THAT(c.attacks[2].alert_rules, IsEmpty());
  EXPECT_TRUE(c.attacks[2].missed());
  EXPECT_FALSE(c.attacks[3].sli_broken());
  EXPECT_EQ(c.broken_attacks, 3u);
  EXPECT_EQ(c.detected_attacks, 2u);
  EXPECT_DOUBLE_EQ(*c.detection_coverage, 2.0 / 3.0);
  EXPECT_THAT(c.missed_detections, ElementsAre("a3"));
}

TEST(Correlation, NoBrokenAttacksMeansNoCoverage) {
  const Correlation c =
      Correlate({}, {MakeAttack("a", {"www"}, minutes(0), minutes(5))}, {}, {}, T(hours(1)));
  EXPECT_FALSE(c.detection_coverage.has_value());
  EXPECT_THAT(c.missed_detections, IsEmpty());
}

// The worked example of docs/metrics.md.
TEST(Correlation, DocsWorkedExample) {
  auto at = [](int h, int m) { return T(hours(h - 10) + minutes(m)); };
  auto make = [&](std::string id, std::string service, Timestamp created,
                  std::optional<Timestamp> acked, std::optional<Timestamp> resolved) {
    Incident i;
    i.id = std::move(id);
    i.service = std::move(service);
    i.created_at = created;
    i.acknowledged_at = acked;
    i.resolved_at = resolved;
    return i;
  };
  std::vector<Incident> incidents = {
      make("i1", "www", at(9, 59), at(10, 1), at(10, 5)),
      make("i2", "www", at(10, 10), at(10, 12), at(10, 40)),
      make("i3", "www", at(10, 44), std::nullopt, at(10, 50)),
      make("i4", "www", at(10, 46), std::nullopt, std::nullopt),
      make("i5", "db", at(10, 5), at(10, 4), at(10, 20)),
  };
  FailingStretches stretches;
  stretches["db"] = {{at(9, 30), at(9, 50)}};
  const Correlation c = Correlate(incidents, {MakeAttack("A", {"www"}, minutes(0), minutes(30))},
                                  stretches, {}, at(11, 0));
  EXPECT_FALSE(Find(c, "i1").chaos());
  EXPECT_EQ(Find(c, "i1").tta_seconds, 120.0);
  EXPECT_EQ(Find(c, "i1").ttr_seconds, 360.0);
  EXPECT_EQ(Find(c, "i2").ttd_seconds, 600.0);
  EXPECT_EQ(Find(c, "i2").impact_seconds, 2400.0);
  EXPECT_EQ(Find(c, "i3").attack_id, "A");
  EXPECT_EQ(Find(c, "i3").ttd_seconds, 2640.0);
  EXPECT_EQ(Find(c, "i3").impact_seconds, 3000.0);
  EXPECT_FALSE(Find(c, "i4").chaos());
  EXPECT_TRUE(Find(c, "i4").open);
  const CorrelatedIncident& i5 = Find(c, "i5");
  EXPECT_EQ(i5.onset_source, OnsetSource::kProbe);
  EXPECT_EQ(i5.ttd_seconds, 2100.0);
  EXPECT_EQ(i5.tta_seconds, -60.0);
  EXPECT_THAT(i5.negative_durations, ElementsAre("tta_seconds"));
  EXPECT_EQ(i5.ttr_seconds, 900.0);
  EXPECT_EQ(i5.impact_seconds, 3000.0);
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_THAT(c.services[1].tbf_seconds, ElementsAre(300.0, 240.0, 0.0));
  EXPECT_EQ(c.services[1].mtbf_seconds, 180.0);
}

store::Rollup Minute(uint64_t total, uint64_t good) {
  store::Rollup r;
  r.total = total;
  r.good = good;
  return r;
}

// Minutes 10:00 ok, 10:01-10:02 failing, 10:03 ok, 10:04 failing, (10:05 no data),
// 10:06-10:07 failing with data ending at 10:08: stretches [10:01, 10:03), [10:04, 10:05)
// and [10:06, open).
TEST(FailingStretches, FromMinuteRollups) {
  std::vector<std::pair<Timestamp, store::Rollup>> minutes_seen = {
      {T(minutes(0)), Minute(6, 6)}, {T(minutes(1)), Minute(6, 0)}, {T(minutes(2)), Minute(6, 5)},
      {T(minutes(3)), Minute(6, 6)}, {T(minutes(4)), Minute(6, 3)}, {T(minutes(6)), Minute(6, 1)},
      {T(minutes(7)), Minute(6, 0)}};
  EXPECT_THAT(FailingStretchesFromRollups(minutes_seen, T(minutes(8))),
              ElementsAre(FailingStretch{T(minutes(1)), T(minutes(3))},
                          FailingStretch{T(minutes(4)), T(minutes(5))},
                          FailingStretch{T(minutes(6)), std::nullopt}));
  // Data running on to 10:30 closes the last stretch. A 50% threshold keeps only minutes
  // with fewer than half good probes: 10:01, 10:06, 10:07.
  EXPECT_THAT(FailingStretchesFromRollups(minutes_seen, T(minutes(30)), {0.5}),
              ElementsAre(FailingStretch{T(minutes(1)), T(minutes(2))},
                          FailingStretch{T(minutes(6)), T(minutes(8))}));
}

TEST(FailingStretches, LoadsFromTheStoresRollups) {
  test_support::TempDir dir;
  FakeClock clock(T(hours(1)));
  std::unique_ptr<store::Store> db = test_support::OpenTestStore(dir, clock);
  ASSERT_NE(db, nullptr);
  // No probe series yet: no stretches, no error.
  auto none = LoadFailingStretches(*db, "www", T(), T(hours(1)));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_THAT(*none, IsEmpty());

  auto series = db->SeriesId("probe:www");
  ASSERT_TRUE(series.ok());
  std::vector<store::RollupUpdate> updates = {{*series, T(minutes(0)), Minute(6, 6)},
                                              {*series, T(minutes(1)), Minute(6, 2)},
                                              {*series, T(minutes(2)), Minute(6, 0)},
                                              {*series, T(minutes(3)), Minute(6, 6)}};
  ASSERT_TRUE(db->MergeRollups(updates).ok());
  auto loaded = LoadFailingStretches(*db, "www", T(), T(hours(1)));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_THAT(*loaded, ElementsAre(FailingStretch{T(minutes(1)), T(minutes(3))}));
}

}  // namespace
}  // namespace steadystate::incidents
