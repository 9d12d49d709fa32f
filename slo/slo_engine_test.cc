#include "slo/slo_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exporters/slo_metrics.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Timestamp T(std::string_view rfc3339) {
  Result<Timestamp> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Timestamp{};
}

config::SloConfig Availability(double objective, Duration window = days(30)) {
  config::SloConfig slo;
  slo.name = "availability";
  slo.objective_percent = objective;
  slo.window = window;
  return slo;
}

config::ServiceConfig Service(std::string name, bool critical,
                              std::vector<config::SloConfig> slos) {
  config::ServiceConfig s;
  s.name = std::move(name);
  s.critical = critical;
  s.probe.emplace();
  s.slos = std::move(slos);
  return s;
}

class SloEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = steadystate::test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
  }

  // Adds `total` probes of which `good` succeeded (and as many were fast) at `minute`.
  void Probes(const std::string& service, Timestamp minute, uint64_t total, uint64_t good,
              std::optional<uint64_t> latency_good = std::nullopt) {
    Result<uint64_t> id = store_->SeriesId("probe:" + service);
    ASSERT_TRUE(id.ok());
    store::RollupUpdate update;
    update.series = *id;
    update.minute = minute;
    update.delta.total = total;
    update.delta.good = good;
    update.delta.latency_good = latency_good.value_or(good);
    ASSERT_TRUE(store_->MergeRollups({&update, 1}).ok());
  }

  SloEngine Engine(std::vector<config::ServiceConfig> services) {
    return SloEngine(std::move(services), config::SteadyStateConfig{}, *store_, clock_);
  }

  steadystate::test_support::TempDir dir_;
  FakeClock clock_{T("2026-03-20T12:00:00Z")};
  std::unique_ptr<store::Store> store_;
};

TEST_F(SloEngineTest, RollingWindowFromSummedCounts) {
  const Timestamp now = clock_.Now();
  Probes("www", now - days(31), 100, 0);  // outside the 30d window
  Probes("www", now - days(29), 10000, 9995);
  Probes("www", now - hours(2), 1000, 1000);
  Probes("www", now - minutes(3), 60, 57);
  SloEngine engine = Engine({Service("www", true, {Availability(99.9)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  auto snapshot = engine.Latest();
  ASSERT_EQ(snapshot->services.size(), 1u);
  const SloStatus& slo = snapshot->services[0].slos[0];
  EXPECT_EQ(slo.counts, (Counts{11052, 11060}));
  EXPECT_NEAR(*slo.sli, 11052.0 / 11060, 1e-12);
  EXPECT_NEAR(*slo.budget.remaining_ratio, 1 - 8 / (0.001 * 11060), 1e-9);
  EXPECT_FALSE(slo.budget.exhausted);
  EXPECT_TRUE(slo.met);  // 99.928%
  // 5m: 3 bad of 60 -> 0.05 / 0.001 = 50. 1h: same minute. 6h: 3 of 1060.
  EXPECT_NEAR(*slo.burn_rates.at(minutes(5)), 50, 1e-9);
  EXPECT_NEAR(*slo.burn_rates.at(minutes(30)), 50, 1e-9);
  EXPECT_NEAR(*slo.burn_rates.at(hours(1)), 50, 1e-9);
  EXPECT_NEAR(*slo.burn_rates.at(hours(6)), 3.0 / 1060 / 0.001, 1e-9);
  EXPECT_NEAR(*slo.burn_rates.at(days(1)), 3.0 / 1060 / 0.001, 1e-9);
  EXPECT_NEAR(*slo.burn_rates.at(days(3)), 3.0 / 1060 / 0.001, 1e-9);
  EXPECT_EQ(slo.steady_counts, (Counts{57, 60}));
  EXPECT_FALSE(slo.steady_met);
}

TEST_F(SloEngineTest, NoDataIsFlaggedNotMet) {
  Probes("www", clock_.Now() - hours(2), 100, 100);
  SloEngine engine =
      Engine({Service("www", true, {Availability(99)}), Service("api", false, {Availability(99)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  auto snapshot = engine.Latest();
  const SloStatus& api = snapshot->services[1].slos[0];
  EXPECT_TRUE(api.no_data());
  EXPECT_FALSE(api.met);
  EXPECT_FALSE(api.budget.remaining_ratio.has_value());
  EXPECT_FALSE(api.burn_rates.at(minutes(5)).has_value());
  const SloStatus& www = snapshot->services[0].slos[0];
  EXPECT_TRUE(www.met);
  EXPECT_FALSE(www.burn_rates.at(minutes(5)).has_value());  // nothing in the last 5m
  EXPECT_NEAR(*www.burn_rates.at(hours(6)), 0, 1e-12);
  EXPECT_FALSE(www.steady_sli.has_value());
}

TEST_F(SloEngineTest, LatencySloUsesLatencyGood) {
  config::SloConfig latency = Availability(99);
  latency.name = "latency";
  latency.threshold = std::chrono::milliseconds(300);
  Probes("www", clock_.Now() - minutes(1), 100, 100, 90);
  SloEngine engine = Engine({Service("www", true, {Availability(99), latency})});
  ASSERT_TRUE(engine.Evaluate().ok());
  auto snapshot = engine.Latest();
  EXPECT_EQ(snapshot->services[0].slos[0].counts, (Counts{100, 100}));
  EXPECT_EQ(snapshot->services[0].slos[1].counts, (Counts{90, 100}));
}

TEST_F(SloEngineTest, CalendarMonthCountsOnlyThisMonthInItsZone) {
  config::SloConfig monthly = Availability(99.9);
  monthly.name = "monthly";
  monthly.calendar = config::SloCalendar::kMonth;
  monthly.time_zone = "Europe/Berlin";
  Probes("www", T("2026-02-28T22:59:00Z"), 50, 0);      // February in Berlin
  Probes("www", T("2026-02-28T23:00:00Z"), 1000, 999);  // 1 March 00:00 in Berlin
  Probes("www", T("2026-03-20T11:00:00Z"), 1000, 1000);
  SloEngine engine = Engine({Service("www", true, {monthly})});
  ASSERT_TRUE(engine.Evaluate().ok());
  const SloStatus& slo = engine.Latest()->services[0].slos[0];
  EXPECT_EQ(slo.window.start, T("2026-02-28T23:00:00Z"));
  EXPECT_EQ(slo.window.end, T("2026-03-31T22:00:00Z"));
  EXPECT_EQ(slo.counts, (Counts{1999, 2000}));
  // 1 bad of the 2 allowed: half the budget of a 743-hour month.
  EXPECT_NEAR(*slo.budget.remaining_ratio, 0.5, 1e-9);
  EXPECT_NEAR(ToSeconds(*slo.budget.remaining), 0.5 * 0.001 * 743 * 3600, 1e-3);
  EXPECT_TRUE(slo.met);
}

TEST_F(SloEngineTest, TimeslicesJudgeSlicesWithData) {
  config::SloConfig slo = Availability(75, days(1));
  slo.budgeting = config::SloBudgeting::kTimeslices;
  slo.timeslice = minutes(1);
  slo.timeslice_objective_percent = 95;
  const Timestamp now = clock_.Now();
  Probes("www", now - minutes(10), 60, 60);
  Probes("www", now - minutes(9), 60, 50);  // bad slice
  Probes("www", now - minutes(3), 60, 59);
  Probes("www", now - minutes(2), 20, 19);  // exactly 95%: good
  SloEngine engine = Engine({Service("www", true, {slo})});
  ASSERT_TRUE(engine.Evaluate().ok());
  const SloStatus& s = engine.Latest()->services[0].slos[0];
  EXPECT_EQ(s.counts, (Counts{3, 4}));
  EXPECT_NEAR(*s.sli, 0.75, 1e-12);
  EXPECT_TRUE(s.met);
  // 1 bad slice of the 4 * 25% = 1 allowed: budget just exhausted.
  EXPECT_NEAR(*s.budget.remaining_ratio, 0, 1e-12);
  EXPECT_TRUE(s.budget.exhausted);
  EXPECT_EQ(s.steady_counts, (Counts{2, 2}));
  EXPECT_NEAR(*s.burn_rates.at(minutes(30)), 0.25 / 0.25, 1e-12);
}

TEST_F(SloEngineTest, BudgetExhaustionIsNegativeAndFlagged) {
  Probes("www", clock_.Now() - days(2), 1000, 990);
  SloEngine engine = Engine({Service("www", true, {Availability(99.9)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  const SloStatus& s = engine.Latest()->services[0].slos[0];
  EXPECT_NEAR(*s.budget.remaining_ratio, -9, 1e-9);
  EXPECT_NEAR(ToSeconds(*s.budget.remaining), -9 * 0.001 * 30 * 86400, 1e-3);
  EXPECT_TRUE(s.budget.exhausted);
  const nlohmann::json json = nlohmann::json::parse(ServicesJson(*engine.Latest(), nullptr));
  EXPECT_TRUE(json["services"][0]["slos"][0]["error_budget_exhausted"].get<bool>());
}

// The SRE workbook tiers through the real AlertEngine: 2 hours of good probes (60 a minute),
// one minute of total failure at T0+120m, then good again. Evaluated every minute.
TEST_F(SloEngineTest, BurnRateAlertsFireAndResolveAtTheExpectedInstants) {
  const Timestamp t0 = T("2026-03-20T00:00:00Z");
  clock_.SetWall(t0);
  std::vector<std::pair<std::string, Timestamp>> events;
  std::map<std::string, std::string> labels;
  AlertEngine alerts(
      *store_, clock_,
      [&](const Alert& a, TransitionKind k) {
        labels = a.labels;
        events.emplace_back(a.name + (k == TransitionKind::kFired ? " fired" : " resolved"),
                            clock_.Now());
      },
      [] { return std::vector<AttackContext>{}; });
  ASSERT_TRUE(alerts.Load().ok());
  SloEngine engine = Engine({Service("www", true, {Availability(99.9)})});
  for (int m = 0; m < 500; ++m) {
    Probes("www", t0 + minutes(m), 60, m == 120 ? 0 : 60);
    clock_.Advance(t0 + minutes(m + 1) - clock_.Now());  // a minute passes
    ASSERT_TRUE(engine.Evaluate().ok());
    engine.EvaluateAlerts(alerts);
  }
  auto at = [&](int m) { return t0 + minutes(m); };
  EXPECT_THAT(events,
              ElementsAre(std::pair{std::string("SloBurnRatePage1h5m fired"), at(121)},
                          std::pair{std::string("SloBurnRatePage6h30m fired"), at(121)},
                          std::pair{std::string("SloBurnRateTicket3d6h fired"), at(121)},
                          std::pair{std::string("SloBurnRatePage1h5m resolved"), at(126)},
                          std::pair{std::string("SloBurnRatePage6h30m resolved"), at(151)},
                          std::pair{std::string("SloBurnRateTicket3d6h resolved"), at(481)}));
  EXPECT_EQ(labels["service"], "www");
  EXPECT_EQ(labels["slo"], "availability");
  EXPECT_EQ(labels["tier"], "ticket");
  EXPECT_EQ(labels["severity"], "warning");
}

// A configured tier replaces the workbook's: "fast" pages when 10m and 2m both burn faster
// than 36 (the rate for a 30-day window: 36 * 10m / 30d = 0.83% of the budget), held for 2m.
// 60 probes a minute at 99%; every probe fails in minutes 30..34 (t0-relative), evaluated at
// the end of each minute. Burn over 10m at the end of minute m: 60 bad a minute / 600 / 1%:
// 10, 20, 30, 40 (> 36 from the end of minute 33, t0+34), 50 at t0+35 and t0+36; over 2m it
// is 100 and, at t0+36 (one bad minute of two), 50; at t0+37 it is 0. The same tier without
// `for` ("instant") fires as soon as the breach begins.
TEST_F(SloEngineTest, ConfiguredBurnRateTierFiresAfterItsForAndResolves) {
  const Timestamp t0 = T("2026-03-20T00:00:00Z");
  clock_.SetWall(t0);
  config::SloAlertsConfig slo_alerts;
  config::BurnRateTierConfig& fast = slo_alerts.tiers.emplace_back();
  fast.name = "fast";
  fast.long_window = minutes(10);
  fast.short_window = minutes(2);
  fast.budget_share = 36.0 * 10 / (30 * 24 * 60);
  fast.severity = config::AlertSeverity::kCritical;
  fast.for_duration = minutes(2);
  config::BurnRateTierConfig instant = fast;  // the same without `for`
  instant.name = "instant";
  instant.for_duration = Duration(0);
  slo_alerts.tiers.push_back(instant);
  std::vector<BurnRateTier> tiers = BurnRateTiers(slo_alerts);
  ASSERT_EQ(tiers.size(), 2u);
  EXPECT_NEAR(BurnRateThreshold(tiers[0], days(30), 0.99), 36.0, 1e-9);

  std::vector<std::pair<std::string, Timestamp>> events;
  std::map<std::string, std::string> labels;
  AlertEngine alerts(
      *store_, clock_,
      [&](const Alert& a, TransitionKind k) {
        if (a.name == "SloBurnRateFast10m2m") labels = a.labels;
        const char* kind = k == TransitionKind::kPending    ? " pending"
                           : k == TransitionKind::kFired    ? " fired"
                           : k == TransitionKind::kResolved ? " resolved"
                                                            : " other";
        events.emplace_back(a.name + kind, clock_.Now());
      },
      [] { return std::vector<AttackContext>{}; });
  ASSERT_TRUE(alerts.Load().ok());
  SloEngine engine(std::vector<config::ServiceConfig>{Service("www", true, {Availability(99)})},
                   config::SteadyStateConfig{}, *store_, clock_, tiers);
  for (int m = 0; m < 60; ++m) {
    Probes("www", t0 + minutes(m), 60, m >= 30 && m <= 34 ? 0 : 60);
    clock_.Advance(t0 + minutes(m + 1) - clock_.Now());  // a minute passes
    ASSERT_TRUE(engine.Evaluate().ok());
    engine.EvaluateAlerts(alerts);
  }
  auto at = [&](int m) { return t0 + minutes(m); };
  EXPECT_THAT(events,
              ElementsAre(std::pair{std::string("SloBurnRateInstant10m2m fired"), at(34)},
                          std::pair{std::string("SloBurnRateFast10m2m fired"), at(36)},
                          std::pair{std::string("SloBurnRateFast10m2m resolved"), at(37)},
                          std::pair{std::string("SloBurnRateInstant10m2m resolved"), at(37)}));
  EXPECT_EQ(labels["tier"], "fast");
  EXPECT_EQ(labels["long_window"], "10m");
  EXPECT_EQ(labels["short_window"], "2m");
  EXPECT_EQ(labels["severity"], "critical");
}

TEST_F(SloEngineTest, ServicesJson) {
  const Timestamp now = clock_.Now();
  Probes("www", now - minutes(1), 1000, 999);
  SloEngine engine = Engine(
      {Service("www", true, {Availability(99.9)}), Service("api", false, {Availability(99)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  const std::string body = ServicesJson(*engine.Latest(), [&](std::string_view name) {
    if (name != "www") return std::optional<LastProbe>{};
    return std::optional<LastProbe>{LastProbe{now - seconds(5), false, "timeout", 2.0}};
  });
  const nlohmann::json json = nlohmann::json::parse(body);
  const nlohmann::json& www = json["services"][0];
  EXPECT_EQ(www["name"], "www");
  EXPECT_EQ(www["critical"], true);
  const nlohmann::json& slo = www["slos"][0];
  EXPECT_EQ(slo["name"], "availability");
  EXPECT_NEAR(slo["objective"].get<double>(), 0.999, 1e-12);
  EXPECT_EQ(slo["window"]["rolling"], "30d");
  EXPECT_NEAR(slo["sli"].get<double>(), 0.999, 1e-12);
  EXPECT_EQ(slo["good"], 999);
  EXPECT_EQ(slo["total"], 1000);
  EXPECT_EQ(slo["no_data"], false);
  EXPECT_NEAR(slo["error_budget_remaining_ratio"].get<double>(), 0, 1e-9);
  EXPECT_NEAR(slo["burn_rates"]["5m"].get<double>(), 1, 1e-9);
  EXPECT_TRUE(slo["burn_rates"].contains("3d"));
  EXPECT_EQ(slo["met"], true);
  EXPECT_EQ(www["last_probe"]["success"], false);
  EXPECT_EQ(www["last_probe"]["error_class"], "timeout");
  EXPECT_EQ(www["last_probe"]["duration_seconds"], 2.0);
  const nlohmann::json& api = json["services"][1]["slos"][0];
  EXPECT_TRUE(api["sli"].is_null());
  EXPECT_EQ(api["no_data"], true);
  EXPECT_TRUE(api["error_budget_remaining_ratio"].is_null());
  EXPECT_TRUE(api["burn_rates"]["5m"].is_null());
  EXPECT_EQ(api["met"], false);
  EXPECT_TRUE(json["services"][1]["last_probe"].is_null());
}

TEST_F(SloEngineTest, SteadyState) {
  const Timestamp now = clock_.Now();
  Probes("www", now - minutes(2), 100, 100);
  Probes("api", now - minutes(2), 100, 90);
  SloEngine engine =
      Engine({Service("www", true, {Availability(99)}), Service("api", false, {Availability(99)}),
              Service("db", true, {Availability(99)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  auto snapshot = engine.Latest();
  std::optional<LastProbe> www_probe = LastProbe{now, true, "", 0.1};
  LastProbeLookup last = [&](std::string_view name) {
    return name == "www" ? www_probe : std::nullopt;
  };

  Result<SteadyStateReport> www = SteadyState(*snapshot, "www", last);
  ASSERT_TRUE(www.ok());
  EXPECT_TRUE(www->ok);
  EXPECT_EQ(SteadyStateJson(*www),
            R"({"ok":true,"services":[{"name":"www","ok":true,"reasons":[]}]})");

  // Default: the critical services, www and db (which has no data).
  Result<SteadyStateReport> critical = SteadyState(*snapshot, "", last);
  ASSERT_TRUE(critical.ok());
  EXPECT_FALSE(critical->ok);
  ASSERT_EQ(critical->services.size(), 2u);
  EXPECT_EQ(critical->services[1].name, "db");
  EXPECT_THAT(critical->services[1].reasons,
              ElementsAre("slo availability: no probe data in the last 5m"));

  Result<SteadyStateReport> api = SteadyState(*snapshot, "api,www", last);
  ASSERT_TRUE(api.ok());
  EXPECT_FALSE(api->ok);
  EXPECT_THAT(api->services[0].reasons,
              ElementsAre("slo availability: 90% over the last 5m is below the objective 99%"));
  EXPECT_TRUE(api->services[1].ok);

  www_probe = LastProbe{now, false, "timeout", 2};
  Result<SteadyStateReport> failing = SteadyState(*snapshot, "www", last);
  ASSERT_TRUE(failing.ok());
  EXPECT_FALSE(failing->ok);
  EXPECT_THAT(failing->services[0].reasons, ElementsAre(HasSubstr("failed (timeout)")));

  Result<SteadyStateReport> unknown = SteadyState(*snapshot, "www,nope", last);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(unknown.error().message, HasSubstr("nope"));
}

TEST_F(SloEngineTest, ServicesJsonBeforeTheFirstRoundSaysSo) {
  EXPECT_EQ(ServicesJson(SloSnapshot{}, nullptr), R"({"evaluated_at":null,"services":[]})");
}

TEST_F(SloEngineTest, SteadyStateBeforeTheFirstRoundIsNotOk) {
  // The snapshot a daemon serves between its start and its first SLO round: no services
  // yet. A chaos tool asking then must not be told that steady state holds.
  const SloSnapshot before;
  LastProbeLookup last = [](std::string_view) { return std::nullopt; };
  for (const char* services : {"", "www"}) {
    Result<SteadyStateReport> report = SteadyState(before, services, last);
    ASSERT_TRUE(report.ok()) << services;
    EXPECT_FALSE(report->ok) << services;
    EXPECT_THAT(SteadyStateJson(*report),
                HasSubstr(R"("ok":false,"reasons":["the SLOs have not been evaluated yet)"));
  }
}

TEST_F(SloEngineTest, MetricsOmitNoData) {
  Probes("www", clock_.Now() - minutes(1), 100, 100);
  SloEngine engine =
      Engine({Service("www", true, {Availability(99)}), Service("api", false, {Availability(99)})});
  ASSERT_TRUE(engine.Evaluate().ok());
  exporters::SloCollectable collectable(engine);
  auto families = collectable.Collect();
  auto count = [&](const std::string& name, const std::string& service) {
    int n = 0;
    for (const auto& f : families) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        for (const auto& l : m.label) n += l.name == "service" && l.value == service;
      }
    }
    return n;
  };
  EXPECT_EQ(count("steadystate_slo_objective_ratio", "api"), 1);
  EXPECT_EQ(count("steadystate_sli_ratio", "api"), 0);
  EXPECT_EQ(count("steadystate_sli_ratio", "www"), 2);  // slo and steady_state windows
  EXPECT_EQ(count("steadystate_error_budget_remaining_ratio", "api"), 0);
  EXPECT_EQ(count("steadystate_burn_rate", "api"), 0);
  EXPECT_EQ(count("steadystate_burn_rate", "www"), 6);
  EXPECT_EQ(count("steadystate_slo_met", "api"), 1);
}

}  // namespace
}  // namespace steadystate::slo
