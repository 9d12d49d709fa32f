// The dashboard's server time for GET / at scale: 200 services (every 4th critical), each
// with a 30-day availability SLO and a 30-day latency SLO, over 90 days of rollups in real
// RocksDB (hourly probe counts for 90 days, minute rollups for the last 2 hours), written
// once into a temporary directory under $TMPDIR (or /tmp). Run a Release build:
//   build/bench/bench/dashboard_bench
//
//   OverviewCold       a new DashboardData each time: every one of the 200 x 90 daily bars
//                      read from the store, then the page rendered (the first view after a
//                      restart). Target: < 100 ms
//   OverviewWarm       the daemon's steady state: completed days come from the cache, today
//                      and the SLO snapshot are read fresh, then rendered. Target: < 100 ms
//   RenderOnly         RenderOverview of a built model (HTML and SVG generation alone)
//   SumRollupsAnchor   the anchor: one 90-day SumRollups per service, the least any history
//                      strip must read
//
// The SLO engine's round (SloEngine::Evaluate) runs on its own schedule, not per request,
// and is measured by slo_bench. After the table it prints each one's wall time per
// iteration over the anchor's, and the page size (DASHBOARD_BENCH_HTML=FILE saves the page).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "exporters/dashboard/html.h"
#include "exporters/dashboard/model.h"
#include "slo/slo_engine.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace steadystate::exporters::dashboard {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

constexpr int kServices = 200;

void Check(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "dashboard_bench: %s\n", status.error().message.c_str());
    std::exit(1);
  }
}

struct Fixture {
  steadystate::testing::TempDir dir;
  FakeClock clock{Timestamp{days(20600)} + hours(15) + minutes(7)};
  std::unique_ptr<store::Store> store;
  std::vector<config::ServiceConfig> services;
  std::vector<uint64_t> series;
  std::unique_ptr<slo::SloEngine> engine;
  size_t page_bytes = 0;

  Fixture() {
    store::Options options;
    options.path = dir / "data";
    auto opened = store::Store::Open(options, clock);
    if (!opened.ok()) Check(opened.error());
    store = std::move(*opened);
    const Timestamp now = clock.Now();
    const Timestamp this_hour = std::chrono::floor<hours>(now);
    for (int s = 0; s < kServices; ++s) {
      config::ServiceConfig service;
      service.name = "svc-" + std::to_string(s);
      service.critical = s % 4 == 0;
      service.probe.emplace();
      config::SloConfig availability;
      availability.name = "availability";
      availability.objective_percent = 99.9;
      config::SloConfig latency = availability;
      latency.name = "latency";
      latency.objective_percent = 99;
      latency.threshold = std::chrono::milliseconds(300);
      service.slos = {availability, latency};
      services.push_back(service);
      auto id = store->SeriesId("probe:" + service.name);
      if (!id.ok()) Check(id.error());
      series.push_back(*id);
      std::vector<store::RollupUpdate> updates;
      auto add = [&](Timestamp minute, uint64_t total) {
        store::RollupUpdate& u = updates.emplace_back();
        u.series = *id;
        u.minute = minute;
        u.delta.total = total;
        // A few bad hours per service, so strips have several colours.
        const int64_t hour = minute.time_since_epoch() / hours(1);
        u.delta.good = (hour + s) % 211 == 0 ? total / 2 : total;
        u.delta.latency_good = u.delta.good;
        u.delta.latency_buckets[3] = total;
      };
      for (Timestamp h = this_hour - days(kHistoryDays); h < this_hour - hours(2); h += hours(1)) {
        add(h, 360);
      }
      for (Timestamp m = this_hour - hours(2); m < now; m += minutes(1)) add(m, 6);
      Check(store->MergeRollups(updates));
    }
    Check(store->Flush());
    engine = std::make_unique<slo::SloEngine>(services, config::SteadyStateConfig{}, *store, clock);
    Check(engine->Evaluate());
  }

  DashboardSources Sources() {
    DashboardSources sources;
    sources.snapshot = [this] { return engine->Latest(); };
    sources.store = store.get();
    return sources;
  }
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_OverviewCold(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    DashboardData data(f.Sources(), f.clock);
    std::string page = RenderOverview(data.BuildOverview());
    f.page_bytes = page.size();
    if (const char* path = std::getenv("DASHBOARD_BENCH_HTML")) std::ofstream(path) << page;
    benchmark::DoNotOptimize(page.data());
  }
  state.counters["page_bytes"] = static_cast<double>(f.page_bytes);
}
BENCHMARK(BM_OverviewCold)->Name("OverviewCold")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OverviewWarm(benchmark::State& state) {
  Fixture& f = Shared();
  DashboardData data(f.Sources(), f.clock);
  benchmark::DoNotOptimize(RenderOverview(data.BuildOverview()).size());
  for (auto _ : state) {
    std::string page = RenderOverview(data.BuildOverview());
    benchmark::DoNotOptimize(page.data());
  }
}
BENCHMARK(BM_OverviewWarm)->Name("OverviewWarm")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RenderOnly(benchmark::State& state) {
  Fixture& f = Shared();
  DashboardData data(f.Sources(), f.clock);
  const Overview overview = data.BuildOverview();
  for (auto _ : state) {
    std::string page = RenderOverview(overview);
    benchmark::DoNotOptimize(page.data());
  }
}
BENCHMARK(BM_RenderOnly)->Name("RenderOnly")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SumRollupsAnchor(benchmark::State& state) {
  Fixture& f = Shared();
  const Timestamp now = f.clock.Now();
  for (auto _ : state) {
    for (uint64_t id : f.series) {
      auto sum = f.store->SumRollups(id, now - days(kHistoryDays), now);
      if (!sum.ok()) Check(sum.error());
      benchmark::DoNotOptimize(sum->total);
    }
  }
}
BENCHMARK(BM_SumRollupsAnchor)
    ->Name("SumRollupsAnchor")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The console table, then each benchmark's wall time per iteration over the anchor's.
class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      auto& [sum, count] = ms_[run.run_name.function_name];
      sum += run.GetAdjustedRealTime() * 1e3 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      ++count;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto anchor = ms_.find(kAnchor);
    if (anchor == ms_.end()) return;
    const double anchor_ms = anchor->second.first / anchor->second.second;
    std::ostream& out = GetOutputStream();
    char line[200];
    std::snprintf(line, sizeof line,
                  "\n%d services x %d days. Wall time per iteration vs the anchor %s (%.2f ms), "
                  "same run:\n",
                  kServices, kHistoryDays, kAnchor, anchor_ms);
    out << line;
    for (const auto& [name, sum_count] : ms_) {
      const double ms = sum_count.first / sum_count.second;
      const bool targeted = name == "OverviewCold" || name == "OverviewWarm";
      std::snprintf(
          line, sizeof line, "  %-18s %8.2f ms  %6.2fx%s\n", name.c_str(), ms, ms / anchor_ms,
          targeted ? (ms < 100 ? "  (target < 100 ms: met)" : "  (target < 100 ms: MISSED)") : "");
      out << line;
    }
    std::snprintf(line, sizeof line, "  page size: %.1f KiB (%zu bytes)\n",
                  static_cast<double>(Shared().page_bytes) / 1024, Shared().page_bytes);
    out << line;
    out.flush();
  }

 private:
  static constexpr const char* kAnchor = "SumRollupsAnchor";
  std::map<std::string, std::pair<double, int>> ms_;  // name -> (sum of ms, runs)
};

}  // namespace
}  // namespace steadystate::exporters::dashboard

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  steadystate::exporters::dashboard::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
