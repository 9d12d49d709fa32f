// Store throughput and read latency on real RocksDB (WAL on, default Options) in a
// temporary directory under $TMPDIR (or /tmp); run a Release build:
//   build/bench/store_bench --benchmark_counters_tabular=true
//
//   Ingest/<batch>        host samples through WriteBatch, 50 series, increasing time;
//                         items/s over wall time (sustained, flushes and compactions
//                         included) and, as IngestCpu, over the writer thread's CPU time
//                         (target: >= 1,000,000 samples/s on one core)
//   RollupSum1x30d/...    SumRollups over 30 days of minute rollups of one series
//                         (43,200 minutes; target < 5 ms), compacted and as written
//                         (only RocksDB's own automatic compactions)
//   RollupSum50x30d/...   the same for 50 series (2,160,000 keys; target < 100 ms)
//   RollupScan1x30d       ScanRollups (a callback per minute) over the same data
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace steadystate::store {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;

using steadystate::test_support::TempDir;

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Options options;
  options.path = path;
  auto store = Store::Open(options, SystemClock());
  if (!store.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", store.error().message.c_str());
    std::exit(1);
  }
  return std::move(store).value();
}

void Check(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", status.error().message.c_str());
    std::exit(1);
  }
}

// Like a host sampler: every tick, one sample per series, all with the tick's time.
void BM_Ingest(benchmark::State& state) {
  constexpr int kSeries = 50;
  const auto batch_size = static_cast<size_t>(state.range(0));
  TempDir dir;
  auto store = OpenOrDie(dir / "data");
  std::vector<Sample> batch(batch_size);
  Timestamp tick = SystemClock().Now() - days(1);
  size_t written = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < batch_size; ++i) {
      if (i % kSeries == 0) tick += std::chrono::milliseconds(100);
      batch[i] = Sample{1 + i % kSeries, tick, static_cast<double>(i)};
    }
    Check(store->WriteSamples(Family::kHost, batch));
    written += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(written));
}
// items_per_second over wall time: sustained, including waits for flushes and compactions
// (which run on other cores).
BENCHMARK(BM_Ingest)->Name("Ingest")->Arg(1000)->Arg(10000)->UseRealTime()->MinTime(3);
// items_per_second over the writer thread's CPU time: the cost of the write path on one core.
BENCHMARK(BM_Ingest)->Name("IngestCpu")->Arg(1000)->Arg(10000)->MinTime(3);

// 30 days of minute rollups for `series` series, written as a prober would: one merge
// per probe result (`merges_per_minute` per minute), then optionally flushed and
// compacted (the steady state of a long-running daemon). Built once per process.
struct RollupData {
  TempDir dir;
  std::unique_ptr<Store> store;
  Timestamp from;
  Timestamp to;
};

// The one data set alive: an earlier one's background compactions must not run during the
// next benchmark. Released before main returns, while RocksDB's own statics still exist.
std::unique_ptr<RollupData>& RollupSlot() {
  static std::unique_ptr<RollupData> slot;
  return slot;
}

RollupData& Rollups(int series, int merges_per_minute, bool compacted) {
  static std::tuple<int, int, bool> key;
  auto& slot = RollupSlot();
  if (slot != nullptr && key == std::tuple(series, merges_per_minute, compacted)) return *slot;
  slot.reset();
  key = {series, merges_per_minute, compacted};
  slot = std::make_unique<RollupData>();
  slot->store = OpenOrDie(slot->dir / "data");
  slot->to = std::chrono::floor<minutes>(SystemClock().Now());
  slot->from = slot->to - days(30);
  std::vector<RollupUpdate> batch;
  for (Timestamp minute = slot->from; minute < slot->to; minute += minutes(1)) {
    for (int s = 1; s <= series; ++s) {
      for (int m = 0; m < merges_per_minute; ++m) {
        Rollup delta;
        delta.total = 1;
        delta.good = (minute.time_since_epoch().count() / 60000 + m) % 97 == 0 ? 0 : 1;
        delta.latency_good = delta.good;
        delta.latency_buckets[3] = 1;
        batch.push_back({static_cast<uint64_t>(s), minute + seconds(10 * m), delta});
      }
    }
    if (batch.size() >= 5000) {
      Check(slot->store->MergeRollups(batch));
      batch.clear();
    }
  }
  Check(slot->store->MergeRollups(batch));
  if (compacted) {
    Check(slot->store->Flush());
    Check(slot->store->CompactForRetention());
  }
  return *slot;
}

void BM_RollupSum(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int merges_per_minute = static_cast<int>(state.range(1));
  const bool compacted = state.range(2) != 0;
  RollupData& data = Rollups(series, merges_per_minute, compacted);
  uint64_t keys = 0;
  for (auto _ : state) {
    uint64_t good = 0;
    uint64_t total = 0;
    for (int s = 1; s <= series; ++s) {
      auto sum = data.store->SumRollups(static_cast<uint64_t>(s), data.from, data.to);
      if (!sum.ok()) Check(sum.error());
      good += sum->good;
      total += sum->total;
    }
    benchmark::DoNotOptimize(good);
    if (total != static_cast<uint64_t>(series) * 43200 * merges_per_minute) {
      state.SkipWithError("wrong total");
    }
    keys += static_cast<uint64_t>(series) * 43200;
  }
  state.SetItemsProcessed(static_cast<int64_t>(keys));
  state.counters["keys"] = static_cast<double>(series) * 43200;
}
BENCHMARK(BM_RollupSum)
    ->Name("RollupSum1x30d")
    ->ArgNames({"series", "merges_per_min", "compacted"})
    ->Args({1, 6, 1})
    ->Args({1, 6, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RollupSum)
    ->Name("RollupSum50x30d")
    ->ArgNames({"series", "merges_per_min", "compacted"})
    ->Args({50, 1, 1})
    ->Args({50, 1, 0})
    ->Unit(benchmark::kMillisecond);

void BM_RollupScan(benchmark::State& state) {
  RollupData& data = Rollups(1, 6, true);
  for (auto _ : state) {
    uint64_t good = 0;
    uint64_t total = 0;
    Check(data.store->ScanRollups(1, data.from, data.to, [&](Timestamp, const Rollup& r) {
      good += r.good;
      total += r.total;
    }));
    benchmark::DoNotOptimize(good);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 43200);
}
BENCHMARK(BM_RollupScan)->Name("RollupScan1x30d")->Unit(benchmark::kMillisecond);

}  // namespace

void ReleaseBenchmarkData() { RollupSlot().reset(); }

}  // namespace steadystate::store

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  steadystate::store::ReleaseBenchmarkData();
  benchmark::Shutdown();
  return 0;
}
