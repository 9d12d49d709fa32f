// SLO evaluation rounds on real RocksDB: 50 services, each with a 30-day availability SLO, a
// 30-day latency SLO and a calendar-month SLO, over 30 days of minute rollups (2,160,000
// keys), written once into a temporary directory under $TMPDIR (or /tmp). Run a Release build:
//   build/bench/slo_bench
//
//   EvaluateRound          SloEngine::Evaluate(): every SLO's window, burn rates over
//                          5m..3d and steady state (target: < 20 ms per round)
//   SumRollupsAnchor       the anchor: one SumRollups over 30 days for each of the 50
//                          series, the store reads a round cannot avoid
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "slo/slo_engine.h"
#include "store/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::minutes;

constexpr int kServices = 50;

void Check(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "slo_bench: %s\n", status.error().message.c_str());
    std::exit(1);
  }
}

struct Fixture {
  steadystate::test_support::TempDir dir;
  FakeClock clock{Timestamp{days(20600)}};
  std::unique_ptr<store::Store> store;
  std::vector<config::ServiceConfig> services;
  std::vector<uint64_t> series;

  Fixture() {
    store::Options options;
    options.path = dir / "data";
    auto opened = store::Store::Open(options, clock);
    if (!opened.ok()) Check(opened.error());
    store = std::move(*opened);
    const Timestamp now = clock.Now();
    for (int s = 0; s < kServices; ++s) {
      config::ServiceConfig service;
      service.name = "svc" + std::to_string(s);
      service.critical = s % 5 == 0;
      service.probe.emplace();
      config::SloConfig availability;
      availability.name = "availability";
      availability.objective_percent = 99.9;
      config::SloConfig latency = availability;
      latency.name = "latency";
      latency.threshold = std::chrono::milliseconds(300);
      config::SloConfig monthly = availability;
      monthly.name = "monthly";
      monthly.calendar = config::SloCalendar::kMonth;
      monthly.time_zone = "Europe/Berlin";
      service.slos = {availability, latency, monthly};
      services.push_back(service);
      auto id = store->SeriesId("probe:" + service.name);
      if (!id.ok()) Check(id.error());
      series.push_back(*id);
      std::vector<store::RollupUpdate> updates;
      for (Timestamp m = now - days(31); m < now; m += minutes(1)) {
        store::RollupUpdate& u = updates.emplace_back();
        u.series = *id;
        u.minute = m;
        u.delta.total = 6;
        u.delta.good = (m.time_since_epoch() / minutes(1)) % 997 == 0 ? 5 : 6;
        u.delta.latency_good = u.delta.good;
      }
      Check(store->MergeRollups(updates));
    }
    Check(store->Flush());
  }
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_EvaluateRound(benchmark::State& state) {
  Fixture& f = Shared();
  SloEngine engine(f.services, config::SteadyStateConfig{}, *f.store, f.clock);
  for (auto _ : state) Check(engine.Evaluate());
  state.counters["slos"] = static_cast<double>(kServices * 3);
}
BENCHMARK(BM_EvaluateRound)->Unit(benchmark::kMillisecond);

void BM_SumRollupsAnchor(benchmark::State& state) {
  Fixture& f = Shared();
  const Timestamp now = f.clock.Now();
  for (auto _ : state) {
    for (uint64_t id : f.series) {
      auto sum = f.store->SumRollups(id, now - days(30), now);
      if (!sum.ok()) Check(sum.error());
      benchmark::DoNotOptimize(sum->total);
    }
  }
}
BENCHMARK(BM_SumRollupsAnchor)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace steadystate::slo

BENCHMARK_MAIN();
