// The dashboard's server time and page size for GET / at scale: 200 services (every 4th
// critical), each with a 30-day availability SLO and a 30-day latency SLO, over 90 days of
// rollups in real RocksDB (hourly probe counts for 90 days, minute rollups for the last 2
// hours), written once into a temporary directory under $TMPDIR (or /tmp). The data is
// meant to look like real probes every 10 s: most hours without a failure, about one hour
// in ten with one or two failed probes (so almost every day is a little under 100% and
// differs from the next), one bad hour in 211 per service (a tenth of its probes failing:
// a missed day), a few slow probes for the latency SLO, a last probe per service, one
// running attack, and an incident store with three years of history (100,000 resolved
// incidents) and three open ones, read as the daemon reads it. Run a Release build:
//   build/bench/bench/dashboard_bench
//
//   OverviewCold       a new DashboardData each time: every one of the 200 x 90 daily bars
//                      read from the store (the daily sums, one key per day), then the page
//                      rendered (the first view after a restart). Target: < 100 ms
//   OverviewWarm       the daemon's steady state: completed days come from the cache, today
//                      and the SLO snapshot are read fresh, then rendered. Target: < 100 ms
//   ServicePage        GET /services/svc-12?range=30d: charts from 30 days of rollups, the
//                      last day's raw probes, its incidents of 30 days. Target: < 100 ms
//   IncidentsRead      what the daemon does after an import that changed incidents (and
//                      at most every 5 hours): read the open and recent incidents out of the
//                      100,003 in the store (RecentIncidents). The overview's and service
//                      page's figures use that copy, as the daemon's requests do
//   RenderOnly         RenderOverview of a built model (HTML and SVG generation alone)
//   SumRollupsAnchor   the anchor: one 90-day SumRollups per service, the least any history
//                      strip must read
//
// The SLO engine's round (SloEngine::Evaluate) runs on its own schedule, not per request,
// and is measured by slo_bench. After the table it prints each one's wall time per
// iteration over the anchor's, and the page size against the 200 KB target (uncompressed)
// for this data and for a worst case: every service breached with its budget overspent, a
// burn-rate tier firing and a failed last probe, every day of every strip different and
// missed by a wide margin, and names of 20 characters (DASHBOARD_BENCH_HTML=FILE saves the
// page of this data, and the worst case as FILE.worst.html).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "chaos/attack.h"
#include "dashboard/html.h"
#include "dashboard/model.h"
#include "incidents/incident_store.h"
#include "slo/slo_engine.h"
#include "store/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace steadystate::dashboard {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

constexpr int kServices = 200;
constexpr int kIncidents = 100000;  // resolved, over three years

void Check(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "dashboard_bench: %s\n", status.error().message.c_str());
    std::exit(1);
  }
}

struct Fixture {
  steadystate::test_support::TempDir dir;
  FakeClock clock{Timestamp{days(20600)} + hours(15) + minutes(7)};
  std::unique_ptr<store::Store> store;
  std::vector<config::ServiceConfig> services;
  std::vector<uint64_t> series;
  std::unique_ptr<slo::SloEngine> engine;
  std::unique_ptr<chaos::AttackLog> attacks;
  std::unique_ptr<incidents::RecentIncidents> recent;  // as the daemon's, read once
  size_t page_bytes = 0;
  size_t worst_page_bytes = 0;

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
        // Per hour (scaled down for the last 2 hours' minutes): about one hour in ten
        // with a failed probe or two, one bad hour in 211 (a tenth failing), a few slow
        // probes. A cheap hash, so neighbouring services differ.
        const auto hour = static_cast<uint64_t>(minute.time_since_epoch() / hours(1));
        const uint64_t h = (hour * 2654435761u + static_cast<uint64_t>(s) * 40503u) % 1000;
        const uint64_t failed = (hour + static_cast<uint64_t>(s)) % 211 == 0 ? total / 10
                                : total < 60                                 ? 0
                                : h < 70                                     ? 1
                                : h < 100                                    ? 2
                                                                             : 0;
        u.delta.good = total - failed;
        u.delta.latency_good = u.delta.good - (total >= 60 && h % 7 == 0 ? 1 : 0);
        u.delta.latency_buckets[3] = u.delta.latency_good;
        u.delta.latency_buckets[6] = u.delta.good - u.delta.latency_good;
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
    attacks = std::make_unique<chaos::AttackLog>(*store, clock);
    chaos::Attack attack;
    attack.type = "latency";
    attack.name = "slow checkout";
    attack.targets = {"web-1"};
    attack.services = {"svc-12"};
    attack.created_by = "alice";
    attack.start = now - minutes(7);
    auto started = attacks->Start(attack);
    if (!started.ok()) Check(started.error());
    // Three years of PagerDuty history in the incident store, read as the daemon reads it:
    // kIncidents resolved incidents (about 90 a day), and three open ones.
    incidents::IncidentStore incident_store(*store);
    std::vector<incidents::Incident> batch;
    for (int k = 0; k < kIncidents + 3; ++k) {
      incidents::Incident& i = batch.emplace_back();
      const bool open = k >= kIncidents;
      const std::string service = open ? std::array{"svc-12", "svc-40", "svc-133"}[k - kIncidents]
                                       : "svc-" + std::to_string(k % kServices);
      i.id = "pagerduty:P" + std::to_string(k);
      i.source = "pagerduty";
      i.service = service;
      i.title = service + " error rate above 1%";
      i.severity = k % 5 == 0 ? "sev1" : "sev2";
      i.urgency = "high";
      i.status = open ? "triggered" : "resolved";
      i.created_at = open ? now - minutes(25) : now - days(1095) + minutes(k * 16 % 1576800);
      if (!open) {
        i.acknowledged_at = i.created_at + minutes(3);
        i.resolved_at = i.created_at + minutes(40);
      }
      if (batch.size() == 10000 || k + 1 == kIncidents + 3) {
        auto written = incident_store.Upsert(batch);
        if (!written.ok()) Check(written.error());
        batch.clear();
      }
    }
    recent = std::make_unique<incidents::RecentIncidents>(*store, clock);
    Check(recent->Refresh());
  }

  DashboardSources Sources() {
    DashboardSources sources;
    sources.snapshot = [this] { return engine->Latest(); };
    sources.store = store.get();
    sources.attacks = attacks.get();
    sources.last_probe = [this](std::string_view service) -> std::optional<slo::LastProbe> {
      return slo::LastProbe{clock.Now() - std::chrono::seconds(3), service != "svc-7",
                            service != "svc-7" ? "" : "timeout", 0.087};
    };
    sources.open_incidents = [this] {
      auto open = recent->Unresolved();
      if (!open.ok()) Check(open.error());
      return std::move(*open);
    };
    sources.service_incidents = [this](const std::string& service, Timestamp since) {
      auto list = recent->OfService(service, since);
      if (!list.ok()) Check(list.error());
      return std::move(*list);
    };
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
  // The worst case for the page size: every service breached, its budget overspent, a
  // burn-rate tier firing and its last probe failed, every day of every strip different
  // and missed by a wide margin, and names of 20 characters (the data's are 5 to 7).
  DashboardData data(f.Sources(), f.clock);
  Overview worst = data.BuildOverview();
  std::minstd_rand random(8);
  for (ServiceRow& row : worst.services) {
    row.name = "checkout-" + row.name;
    row.name.resize(20, 'x');
    if (row.last_probe) {
      row.last_probe->success = false;
      row.last_probe->error_class = "connect_refused";
    }
    for (size_t i = 0; i < row.history.size(); ++i) {
      row.history[i].total = 8640;
      row.history[i].good = 8640 - 100 - random() % 8000;
    }
    for (SloRow& slo : row.slos) {
      slo.sli = 0.996853;
      slo.budget_remaining_ratio = -2.147;
      slo.budget_remaining = -std::chrono::minutes(92);
      slo.burn_rate_1h = 12.5;
      slo.burning_tier = "page 1h/5m";
      slo.health = Health::kBreached;
    }
    row.health = Health::kBreached;
  }
  worst.verdict = MakeVerdict(worst.services, true);
  const std::string worst_page = RenderOverview(worst);
  f.worst_page_bytes = worst_page.size();
  if (const char* path = std::getenv("DASHBOARD_BENCH_HTML")) {
    std::ofstream(std::string(path) + ".worst.html") << worst_page;
  }
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

void BM_ServicePage(benchmark::State& state) {
  Fixture& f = Shared();
  DashboardData data(f.Sources(), f.clock);
  for (auto _ : state) {
    auto detail = data.BuildService("svc-12", "30d");
    if (!detail) Check(MakeError(ErrorCode::kNotFound, "svc-12"));
    std::string page = RenderServicePage(*detail);
    benchmark::DoNotOptimize(page.data());
  }
}
BENCHMARK(BM_ServicePage)->Name("ServicePage")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IncidentsRead(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    incidents::RecentIncidents recent(*f.store, f.clock);
    Check(recent.Refresh());
  }
}
BENCHMARK(BM_IncidentsRead)->Name("IncidentsRead")->Unit(benchmark::kMillisecond)->UseRealTime();

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
      const bool targeted =
          name == "OverviewCold" || name == "OverviewWarm" || name == "ServicePage";
      std::snprintf(
          line, sizeof line, "  %-18s %8.2f ms  %6.2fx%s\n", name.c_str(), ms, ms / anchor_ms,
          targeted ? (ms < 100 ? "  (target < 100 ms: met)" : "  (target < 100 ms: MISSED)") : "");
      out << line;
    }
    for (const auto& [what, bytes] : {std::pair{"page size", Shared().page_bytes},
                                      std::pair{"worst case", Shared().worst_page_bytes}}) {
      std::snprintf(line, sizeof line, "  %-18s %8.1f KB  (%zu bytes; target < 200 KB: %s)\n", what,
                    static_cast<double>(bytes) / 1000, bytes, bytes < 200000 ? "met" : "MISSED");
      out << line;
    }
    out.flush();
  }

 private:
  static constexpr const char* kAnchor = "SumRollupsAnchor";
  std::map<std::string, std::pair<double, int>> ms_;  // name -> (sum of ms, runs)
};

}  // namespace
}  // namespace steadystate::dashboard

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  steadystate::dashboard::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
