// The host collector's cost on this machine's real /proc, in process CPU time (user +
// system: the kernel's work generating /proc text is part of the cost). Run a Release
// build:
//   build/bench/host_bench
//
//   ReadProcFiles              anchor: read /proc/{stat,meminfo,loadavg,diskstats,1/mounts}
//                              and statvfs("/") with no parsing, the floor any collector
//                              (node_exporter included) pays for the same data
//   SampleCycle                one host.interval tick's collection: HostSampler::Sample +
//                              ComputeUtilisation against the previous snapshot
//                              (target: < 200 us of CPU)
//   SampleCycleAndExposition   the same plus HostMetrics::Update, Collect and the text
//                              exposition, i.e. a cycle that is also scraped once
//   ScrapeExposition           what one /metrics scrape costs for the host families:
//                              HostMetrics::Collect + prometheus::TextSerializer
//
// After the table it prints each one's CPU time as a ratio to the anchor.
#include <benchmark/benchmark.h>
#include <prometheus/text_serializer.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "collector/host/sampler.h"
#include "common/clock.h"
#include "exporters/host_metrics.h"

namespace steadystate::collector {
namespace {

// As the daemon samples with the default `host:` section (procfs /proc, mountpoints [/]).
HostSamplerOptions DaemonDefaults() { return HostSamplerOptions{"/proc", {"/"}}; }

void BM_ReadProcFiles(benchmark::State& state) {
  auto fs = RealHostFilesystem();
  const char* const kFiles[] = {"/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/diskstats",
                                "/proc/1/mounts"};
  size_t bytes = 0;
  for (auto _ : state) {
    for (const char* path : kFiles) {
      auto text = fs->ReadFile(path);
      if (!text.ok()) {
        state.SkipWithError(text.error().message.c_str());
        return;
      }
      bytes += text->size();
    }
    auto st = fs->StatFilesystem("/");
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ReadProcFiles)
    ->Name("ReadProcFiles")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

void BM_SampleCycle(benchmark::State& state) {
  auto fs = RealHostFilesystem();
  HostSampler sampler(DaemonDefaults(), *fs, SystemClock());
  std::optional<HostSnapshot> previous = sampler.Sample();
  for (auto _ : state) {
    HostSnapshot snap = sampler.Sample();
    HostUtilisation u = ComputeUtilisation(&*previous, snap);
    benchmark::DoNotOptimize(u);
    previous = std::move(snap);
  }
  if (!previous->errors.empty()) state.SkipWithError(previous->errors.front().c_str());
}
BENCHMARK(BM_SampleCycle)
    ->Name("SampleCycle")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

std::string Expose(const exporters::HostMetrics& metrics) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metrics.Collect());
  return out.str();
}

void BM_SampleCycleAndExposition(benchmark::State& state) {
  auto fs = RealHostFilesystem();
  HostSampler sampler(DaemonDefaults(), *fs, SystemClock());
  exporters::HostMetrics metrics;
  std::optional<HostSnapshot> previous = sampler.Sample();
  size_t bytes = 0;
  for (auto _ : state) {
    HostSnapshot snap = sampler.Sample();
    HostUtilisation u = ComputeUtilisation(&*previous, snap);
    // As HostMonitor::Tick: the metrics get a copy, the cycle keeps the snapshot.
    metrics.Update(snap, std::move(u));
    previous = std::move(snap);
    bytes += Expose(metrics).size();
  }
  state.counters["exposition_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_SampleCycleAndExposition)
    ->Name("SampleCycleAndExposition")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

void BM_ScrapeExposition(benchmark::State& state) {
  auto fs = RealHostFilesystem();
  HostSampler sampler(DaemonDefaults(), *fs, SystemClock());
  exporters::HostMetrics metrics;
  HostSnapshot first = sampler.Sample();
  HostSnapshot second = sampler.Sample();
  HostUtilisation u = ComputeUtilisation(&first, second);
  metrics.Update(std::move(second), std::move(u));
  size_t bytes = 0;
  for (auto _ : state) bytes += Expose(metrics).size();
  state.counters["exposition_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ScrapeExposition)
    ->Name("ScrapeExposition")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

// The console table, then each benchmark's CPU time per iteration over the anchor's.
class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal, as the library's own reporter does by default.
  RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      auto& [sum, count] = cpu_us_[run.run_name.function_name];
      sum += run.GetAdjustedCPUTime() * 1e6 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      ++count;
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto anchor = cpu_us_.find(kAnchor);
    if (anchor == cpu_us_.end()) return;
    const double anchor_us = anchor->second.first / anchor->second.second;
    std::ostream& out = GetOutputStream();
    char line[160];
    std::snprintf(line, sizeof line, "\nCPU per iteration vs the anchor %s (%.1f us), same run:\n",
                  kAnchor, anchor_us);
    out << line;
    for (const auto& [name, sum_count] : cpu_us_) {
      const double us = sum_count.first / sum_count.second;
      std::snprintf(line, sizeof line, "  %-26s %8.1f us  %5.2fx%s\n", name.c_str(), us,
                    us / anchor_us,
                    name == "SampleCycle"
                        ? (us < 200 ? "  (target < 200 us: met)" : "  (target < 200 us: MISSED)")
                        : "");
      out << line;
    }
    out.flush();
  }

 private:
  static constexpr const char* kAnchor = "ReadProcFiles";
  std::map<std::string, std::pair<double, int>> cpu_us_;  // name -> (sum of us, runs)
};

}  // namespace
}  // namespace steadystate::collector

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  steadystate::collector::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
