#include "app/host_monitor.h"

#include <spdlog/spdlog.h>

#include "store/series_writer.h"

namespace steadystate::app {

HostMonitor::HostMonitor(const config::HostConfig& host, const collector::HostFilesystem& fs,
                         store::Store& store, const Clock& clock, slo::AlertEngine& alerts,
                         exporters::HostMetrics& metrics)
    : sampler_({host.procfs, host.mountpoints}, fs, clock),
      store_(store),
      alerts_(alerts),
      metrics_(metrics),
      fs_(fs),
      clock_(clock),
      stat_path_(host.procfs + "/stat"),
      interval_(host.interval) {}

void HostMonitor::TickCpu() {
  auto text = fs_.ReadFile(stat_path_);
  if (!text.ok()) return;  // Tick logs read errors
  auto stat = collector::ParseProcStat(*text);
  if (!stat.ok()) return;
  const MonotonicTime now = clock_.Monotonic();
  cpu_points_.push_back({now, stat->total});
  // Keep the newest reading at least one interval old, as the window's start.
  while (cpu_points_.size() > 2 && now - cpu_points_[1].at >= interval_) cpu_points_.pop_front();
  std::optional<double> cpu;
  const CpuPoint& start = cpu_points_.front();
  if (now - start.at >= interval_) cpu = collector::CpuUtilisation(start.total, stat->total);
  std::vector<config::AlertRuleConfig> rules;
  {
    std::lock_guard lock(rules_mu_);
    rules = rules_;
  }
  for (const auto& r : rules) {
    if (r.metric == config::AlertMetric::kCpuUtilisation) alerts_.Evaluate(ToRule(r), {{{}, cpu}});
  }
}

slo::ThresholdRule HostMonitor::ToRule(const config::AlertRuleConfig& r) {
  return slo::ThresholdRule{r.name,         std::string(config::ToString(r.metric)),
                            r.above,        r.recover_below,
                            r.for_duration, std::string(config::ToString(r.severity))};
}

void HostMonitor::SetRules(const std::vector<config::AlertRuleConfig>& rules) {
  std::lock_guard lock(rules_mu_);
  rules_ = rules;
}

void HostMonitor::Tick() {
  collector::HostSnapshot snap = sampler_.Sample();
  // Log read errors when they change, not every cycle.
  if (snap.errors != last_errors_) {
    for (const auto& e : snap.errors) spdlog::warn("host sampling: {}", e);
    last_errors_ = snap.errors;
  }
  collector::HostUtilisation u =
      collector::ComputeUtilisation(previous_ ? &*previous_ : nullptr, snap);
  StoreSamples(snap, u);
  EvaluateRules(snap, u);
  metrics_.Update(snap, u);
  previous_ = std::move(snap);
}

void HostMonitor::StoreSamples(const collector::HostSnapshot& snap,
                               const collector::HostUtilisation& u) {
  using store::HostMetric;
  using store::SeriesName;
  std::vector<store::HostSample> samples;
  auto add = [&](SeriesName series, std::optional<double> value) {
    if (value) samples.push_back({std::move(series), *value});
  };
  add(SeriesName::Host(HostMetric::kCpuUtilisation), u.cpu);
  add(SeriesName::Host(HostMetric::kMemoryUtilisation), u.memory);
  if (snap.load) add(SeriesName::Host(HostMetric::kLoad1), snap.load->load1);
  for (const auto& [mountpoint, ratio] : u.filesystems) {
    add(SeriesName::HostFilesystem(mountpoint), ratio);
  }
  if (samples.empty()) return;
  // A failure is counted and logged by the store (once a minute on a full disk); the
  // daemon keeps sampling and alerting.
  (void)store::WriteHostSamples(store_, snap.time, samples);
}

void HostMonitor::EvaluateRules(const collector::HostSnapshot& snap,
                                const collector::HostUtilisation& u) {
  std::vector<config::AlertRuleConfig> rules;
  {
    std::lock_guard lock(rules_mu_);
    rules = rules_;
  }
  for (const auto& r : rules) {
    std::vector<slo::RuleSeries> series;
    switch (r.metric) {
      case config::AlertMetric::kCpuUtilisation:
        continue;  // evaluated by TickCpu over a trailing window
      case config::AlertMetric::kMemoryUtilisation:
        series.push_back({{}, u.memory});
        break;
      case config::AlertMetric::kLoad1:
        series.push_back({{}, snap.load ? std::optional(snap.load->load1) : std::nullopt});
        break;
      case config::AlertMetric::kFilesystemUtilisation:
        for (const auto& [mountpoint, ratio] : u.filesystems) {
          series.push_back({{{"mountpoint", mountpoint}}, ratio});
        }
        break;
    }
    alerts_.Evaluate(ToRule(r), series);
  }
}

}  // namespace steadystate::app
