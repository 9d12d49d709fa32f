// HostMonitor: one host-sampling cycle every host.interval. Samples /proc, publishes
// node_exporter-style metrics, stores the utilisation series, and evaluates the `alerts:`
// threshold rules. Runs on the scheduler thread; SetRules may be called from another.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collector/host/sampler.h"
#include "common/clock.h"
#include "config/config.h"
#include "exporters/host_metrics.h"
#include "slo/alert_engine.h"
#include "store/store.h"

namespace steadystate::app {

inline constexpr int kCpuTicksPerInterval = 10;

class HostMonitor {
 public:
  HostMonitor(const config::HostConfig& host, const collector::HostFilesystem& fs,
              store::Store& store, const Clock& clock, slo::AlertEngine& alerts,
              exporters::HostMetrics& metrics);

  void Tick();
  // Reads only /proc/stat and evaluates the cpu_utilisation rules over the trailing
  // host.interval. The daemon runs it kCpuTicksPerInterval times per interval, so a burn
  // above a threshold T is detected about T to T + 0.1 intervals after it starts (the
  // trailing interval must be that busy) instead of up to 2 intervals (a whole-interval
  // sample that began before the burn is mostly idle). Each run costs about 10 us.
  void TickCpu();
  void SetRules(const std::vector<config::AlertRuleConfig>& rules);

 private:
  void StoreSamples(const collector::HostSnapshot& snap, const collector::HostUtilisation& u);
  void EvaluateRules(const collector::HostSnapshot& snap, const collector::HostUtilisation& u);
  static slo::ThresholdRule ToRule(const config::AlertRuleConfig& r);

  collector::HostSampler sampler_;
  store::Store& store_;
  slo::AlertEngine& alerts_;
  exporters::HostMetrics& metrics_;
  std::optional<collector::HostSnapshot> previous_;
  struct CpuPoint {
    MonotonicTime at;
    collector::CpuTimes total;
  };
  const collector::HostFilesystem& fs_;
  const Clock& clock_;
  std::string stat_path_;
  Duration interval_;
  std::deque<CpuPoint> cpu_points_;  // TickCpu's readings over the last interval and a bit
  std::vector<std::string> last_errors_;
  std::mutex rules_mu_;
  std::vector<config::AlertRuleConfig> rules_;
};

}  // namespace steadystate::app
