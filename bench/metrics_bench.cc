// Incident metrics at scale, in memory, on one thread. Run a Release build:
//   build/bench/metrics_bench
//
//   CorrelateAndSummarise  1,000,000 incidents, 100,000 attack windows, 10,000 alerts and
//                          30 days of minute rollups for 50 services: failing stretches
//                          from the rollups, Correlate(), metrics rows by service and for
//                          all (target: < 2 s, < 1 GB; peak RSS is reported)
//   SortAnchor             the anchor: sorting the 1,000,000 incidents by created_at, a
//                          cost any correlation pays
//   IncrementalImport      the same 1,000,000 incidents and 100,000 attacks kept by
//                          IncrementalCorrelation: importing 1,000 new incidents created in
//                          the last hour (plus 100 updates resolving open ones) with `now`
//                          a minute later, and re-correlating (target: < 50 ms CPU; the
//                          anchor is CorrelateAndSummarise's full pass)
//   BeforeAfterHtml        a 90-day before-and-after report over 10,000 incidents, built
//                          and rendered to HTML (target: < 500 ms)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "incidents/correlation.h"
#include "incidents/incremental_correlation.h"
#include "incidents/report.h"
#include "incidents/summary.h"

namespace steadystate::incidents {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kServices = 50;
constexpr size_t kIncidents = 1'000'000;
const Timestamp kStart{days(20600)};

std::string Service(size_t i) { return "svc-" + std::to_string(i % kServices); }

std::vector<Incident> MakeIncidents(size_t n, Duration span, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> at(0, span.count() - 1);
  std::uniform_int_distribution<int64_t> ttr_s(60, 4 * 3600);
  std::vector<Incident> out(n);
  for (size_t i = 0; i < n; ++i) {
    Incident& x = out[i];
    x.id = "pagerduty:P" + std::to_string(i);
    x.service = Service(rng());
    x.severity = "sev" + std::to_string(rng() % 5);
    x.title = "incident on " + x.service;
    x.fingerprint = "fp-" + std::to_string(rng() % 5000);
    x.created_at = kStart + Duration(at(rng));
    x.acknowledged_at = x.created_at + seconds(ttr_s(rng) / 10);
    if (rng() % 50 != 0) x.resolved_at = x.created_at + seconds(ttr_s(rng));
    x.alert_count = 1 + static_cast<int64_t>(rng() % 3);
  }
  return out;
}

// 30 days of minutes of one service; about 2% of minutes in failing runs of 1-10 minutes.
std::vector<std::pair<Timestamp, store::Rollup>> MakeMinutes(int service) {
  std::mt19937_64 rng(100 + static_cast<uint64_t>(service));
  std::vector<std::pair<Timestamp, store::Rollup>> minutes_seen(30 * 24 * 60);
  int failing_left = 0;
  for (size_t m = 0; m < minutes_seen.size(); ++m) {
    if (failing_left == 0 && rng() % 250 == 0) failing_left = 1 + static_cast<int>(rng() % 10);
    store::Rollup r;
    r.total = 6;
    r.good = failing_left > 0 ? 3 : 6;
    if (failing_left > 0) --failing_left;
    minutes_seen[m] = {kStart + minutes(m), r};
  }
  return minutes_seen;
}

struct Fixture {
  std::vector<chaos::Attack> attacks;
  std::vector<FiredAlert> alerts;

  Fixture() {
    std::mt19937_64 rng(2);
    std::uniform_int_distribution<int64_t> at(0, Duration(days(30)).count() - 1);
    attacks.resize(100'000);
    for (size_t i = 0; i < attacks.size(); ++i) {
      chaos::Attack& a = attacks[i];
      a.id = "atk-" + std::to_string(i);
      a.start = kStart + Duration(at(rng));
      a.end = a.start + minutes(5 + static_cast<int64_t>(rng() % 20));
      if (rng() % 10 != 0) a.services = {Service(rng())};  // 1 in 10 names no service
      a.outcome = "completed";
      a.steady_state = rng() % 2 ? "held" : "broken";
      if (rng() % 100 == 0) a.reproduces = {"pagerduty:P" + std::to_string(rng() % 1'000'000)};
    }
    alerts.resize(10'000);
    for (FiredAlert& al : alerts) {
      al.rule = "SloFastBurn";
      al.labels = {{"service", Service(rng())}};
      al.fired_at = kStart + Duration(at(rng));
    }
  }
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024;  // ru_maxrss is in KiB on Linux
}

void CorrelateAndSummarise(benchmark::State& state) {
  Fixture& f = Shared();
  size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // Made afresh (same seed) rather than copied, so peak RSS is what one correlation needs.
    std::vector<Incident> incidents = MakeIncidents(kIncidents, days(30), 1);
    std::vector<chaos::Attack> attacks = f.attacks;
    std::vector<FiredAlert> alerts = f.alerts;
    state.ResumeTiming();
    // One service's minutes at a time, as LoadFailingStretches reads them from the store;
    // producing them is not timed, deriving the stretches is.
    FailingStretches stretches;
    for (int s = 0; s < kServices; ++s) {
      state.PauseTiming();
      const auto minutes_seen = MakeMinutes(s);
      state.ResumeTiming();
      stretches[Service(static_cast<size_t>(s))] =
          FailingStretchesFromRollups(minutes_seen, kStart + days(30));
    }
    const Correlation c = Correlate(std::move(incidents), std::move(attacks), stretches,
                                    std::move(alerts), kStart + days(30));
    rows += MetricsRows(c, GroupBy::kService).size() + MetricsRows(c, GroupBy::kNone).size();
    benchmark::DoNotOptimize(c.detection_coverage);
  }
  benchmark::DoNotOptimize(rows);
  state.counters["incidents_per_s"] = benchmark::Counter(
      static_cast<double>(kIncidents) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MB"] = PeakRssMb();
}
BENCHMARK(CorrelateAndSummarise)->Unit(benchmark::kMillisecond)->Iterations(3);

void SortAnchor(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Incident> incidents = MakeIncidents(kIncidents, days(30), 1);
    state.ResumeTiming();
    std::sort(incidents.begin(), incidents.end(), [](const Incident& a, const Incident& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    benchmark::DoNotOptimize(incidents.data());
  }
  state.counters["incidents_per_s"] = benchmark::Counter(
      static_cast<double>(kIncidents) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(SortAnchor)->Unit(benchmark::kMillisecond)->Iterations(3);

void IncrementalImport(benchmark::State& state) {
  Fixture& f = Shared();
  FailingStretches stretches;
  for (int s = 0; s < kServices; ++s) {
    stretches[Service(static_cast<size_t>(s))] =
        FailingStretchesFromRollups(MakeMinutes(s), kStart + days(30));
  }
  Timestamp now = kStart + days(30);
  IncrementalCorrelation correlation(MakeIncidents(kIncidents, days(30), 1), f.attacks, stretches,
                                     f.alerts, now);
  std::mt19937_64 rng(4);
  size_t next_id = kIncidents;
  size_t batch = 0;
  for (auto _ : state) {
    state.PauseTiming();
    // 1,000 incidents created in the minute before the new `now`, and 100 updates that
    // resolve open incidents, as one PagerDuty sync brings them.
    now += minutes(1);
    CorrelationChanges changes;
    changes.now = now;
    changes.incidents = MakeIncidents(1'000, minutes(1), static_cast<uint32_t>(100 + batch++));
    for (Incident& i : changes.incidents) {
      i.id = "pagerduty:P" + std::to_string(next_id++);
      i.created_at = now - minutes(1) + (i.created_at - kStart);
      i.resolved_at.reset();
    }
    for (const CorrelatedIncident& c : correlation.correlation().incidents) {
      if (changes.incidents.size() == 1'100) break;
      if (!c.open || rng() % 4 != 0) continue;
      Incident resolved = *c.incident;
      resolved.resolved_at = now;
      changes.incidents.push_back(std::move(resolved));
    }
    state.ResumeTiming();
    correlation.Apply(std::move(changes));
    benchmark::DoNotOptimize(correlation.correlation().detection_coverage);
  }
  state.counters["incidents"] = static_cast<double>(correlation.correlation().incidents.size());
  state.counters["peak_rss_MB"] = PeakRssMb();
}
BENCHMARK(IncrementalImport)->Unit(benchmark::kMillisecond)->Iterations(20);

void BeforeAfterHtml(benchmark::State& state) {
  const Timestamp now = kStart + days(180);
  const Correlation c = Correlate(MakeIncidents(10'000, days(180), 3), {}, {}, {}, now);
  size_t bytes = 0;
  for (auto _ : state) {
    BeforeAfterInput in;
    in.cutover = kStart + days(90);
    in.window = days(90);
    in.now = now;
    in.correlation = &c;
    for (int s = 0; s < 10; ++s) {
      in.sla.push_back(
          {Service(static_cast<size_t>(s)), 0.999, 999'000, 1'000'000, 999'500, 1'000'000});
    }
    auto html = RenderBeforeAfterHtml(BuildBeforeAfterReport(in));
    bytes = html.ok() ? html->size() : 0;
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["html_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BeforeAfterHtml)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace steadystate::incidents

BENCHMARK_MAIN();
