// Daemon: builds every module from a Config and runs them: the store, the scheduler and
// the HTTP port. app/ is the only place that knows every module.
//
// Lifecycle: construct, Start() once, then Reload() any number of times from one thread
// (the signal loop), then Stop(). Not copyable.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/host_monitor.h"
#include "common/clock.h"
#include "common/clock_step.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/stop_signal.h"
#include "config/config.h"
#include "incidents/incident_store.h"
#include "notify/notifications.h"
#include "slo/alert.h"
#include "slo/slo_engine.h"

namespace prometheus {
class Counter;
}  // namespace prometheus
namespace steadystate::store {
class Store;
}
namespace steadystate::chaos {
class AttackLog;
class ChaosService;
}  // namespace steadystate::chaos
namespace steadystate::incidents {
class IncidentSync;
class LiveCorrelation;
struct IncidentReportSources;
}  // namespace steadystate::incidents
namespace steadystate::slo {
class AlertEngine;
class SloEngine;
}  // namespace steadystate::slo
namespace steadystate::collector {
class HostFilesystem;
}  // namespace steadystate::collector
namespace steadystate::collector {
class ProbeEngine;
struct ProbeResult;
}  // namespace steadystate::collector
namespace steadystate::http {
class HttpServer;
}  // namespace steadystate::http
namespace steadystate::exporters {
class Metrics;
class HostMetrics;
class ProbeMetrics;
class IncidentMetrics;
}  // namespace steadystate::exporters

namespace steadystate::app {

// The config path of the first thing in `config` that sends HTTP requests through libcurl
// (a probe, a notifier other than `log`, the PagerDuty import, a Gremlin source), or "".
std::string OutboundHttpUser(const config::Config& config);
// Loads libcurl when `config` needs it: kUnavailable naming the config entry and why the
// library cannot be loaded, so `serve` and `check-config` fail at start (exit 1) rather
// than run with probes and pages that never go out.
Status CheckLibcurlFor(const config::Config& config);

class Daemon {
 public:
  Daemon(config::Config config, const Clock& clock);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Resolves secrets, opens the store, starts the scheduler and the HTTP port. Errors
  // name what failed (a missing env var, a locked data dir, a busy port).
  Status Start();
  // Applies a new config. Settings that need a restart (listen address, storage path)
  // are kept and a warning says so.
  Status Reload(config::Config next);
  // Raises the stop signal first (so rate-limit waits, retry backoffs and outbound HTTP
  // exchanges of imports, syncs and deliveries end within about a second), then stops
  // accepting requests, stops the schedulers, flushes and closes the store.
  void Stop();

  int port() const;

 private:
  // The phases of Start, in order.
  Status OpenStore();
  Status BuildEngines();
  Status BuildIncidents();
  Result<std::function<void()>> Serve(std::optional<std::string> api_token);
  void Schedule(std::function<void()> warm_dashboard);

  std::string NotReadyReason() const;
  void EvaluateSlos();
  // Runs on the probe loop thread for every result.
  void OnProbeResult(const collector::ProbeResult& result);
  // The last probe result of each service, for the services and steady-state APIs.
  slo::LastProbeLookup LastProbes() const;
  // Where alerts link back to (generatorURL, externalURL).
  std::string ExternalUrl() const;
  // Attacks running now whose targets include this host (or that name no targets).
  std::vector<slo::AttackContext> ActiveAttacksHere() const;

  config::Config config_;
  const Clock& clock_;
  // Raised by Stop(); every client that may wait long (PagerDuty, Gremlin, notifiers)
  // observes it.
  StopSignal stop_;
  Scheduler scheduler_;
  // Long-running periodic work (incident correlation, the dashboard warm-up) on its own
  // thread, so it never delays host sampling and the 10 Hz CPU alert check.
  Scheduler background_;
  // Logs wall-clock steps and counts them in steadystate_wall_clock_steps_total.
  std::unique_ptr<WallClockStepWatch> clock_watch_;
  prometheus::Counter* clock_steps_ = nullptr;  // owned by metrics_' registry
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<chaos::AttackLog> attacks_;
  std::unique_ptr<exporters::Metrics> metrics_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<slo::AlertEngine> alerts_;
  std::shared_ptr<exporters::HostMetrics> host_metrics_;
  std::unique_ptr<collector::HostFilesystem> host_fs_;
  std::unique_ptr<HostMonitor> host_monitor_;
  std::unique_ptr<notify::Notifications> notifications_;
  std::unique_ptr<chaos::ChaosService> chaos_;
  std::unique_ptr<slo::SloEngine> slo_engine_;
  std::shared_ptr<exporters::ProbeMetrics> probe_metrics_;
  std::unique_ptr<collector::ProbeEngine> probes_;
  // Last probe result per service, for /api/v1/services and /api/v1/steady-state.
  mutable std::mutex last_probes_mu_;
  std::map<std::string, slo::LastProbe> last_probes_;
  std::string hostname_;
  std::unique_ptr<incidents::IncidentSync> incident_sync_;  // when pagerduty: is configured
  // The correlation engine's inputs, the correlation of every incident kept current, and
  // the incident metrics on /metrics.
  std::shared_ptr<const incidents::IncidentReportSources> incident_sources_;
  std::unique_ptr<incidents::LiveCorrelation> live_correlation_;
  std::shared_ptr<exporters::IncidentMetrics> incident_metrics_;
  // The open and recent incidents the dashboard shows, re-read only when they change.
  std::unique_ptr<incidents::RecentIncidents> recent_incidents_;
  void RefreshIncidentMetrics();
  void RefreshDashboardIncidents();
};

}  // namespace steadystate::app
