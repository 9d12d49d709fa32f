#include "app/daemon.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "app/cli_context.h"
#include "app/store_api.h"
#include "app/version.h"
#include "chaos/api.h"
#include "chaos/attack.h"
#include "chaos/service.h"
#include "collector/probe/probe_engine.h"
#include "collector/probe/probe_result.h"
#include "common/libcurl.h"
#include "dashboard/dashboard.h"
#include "exporters/alert_metrics.h"
#include "exporters/attack_metrics.h"
#include "exporters/host_metrics.h"
#include "exporters/incident_metrics.h"
#include "exporters/metrics.h"
#include "exporters/probe_metrics.h"
#include "exporters/read_api.h"
#include "exporters/slo_metrics.h"
#include "http/server.h"
#include "incidents/api.h"
#include "incidents/incident_sources.h"
#include "incidents/incident_store.h"
#include "incidents/incident_sync.h"
#include "incidents/live_correlation.h"
#include "slo/alert_engine.h"
#include "slo/burn_rate.h"
#include "slo/slo_engine.h"
#include "store/store.h"

namespace steadystate::app {
namespace {

// How often retention compactions are nudged. RocksDB's periodic compaction also runs,
// but an explicit nudge bounds how long expired data lingers on a quiet agent.
constexpr auto kRetentionInterval = std::chrono::hours(6);
// SLO rounds are cheap (hourly sums; ~14 ms for 50 services) and burn-rate pages want the
// 5m window to be fresh.
constexpr auto kSloInterval = std::chrono::seconds(5);
// The incident metrics on /metrics follow imports at once (after each PagerDuty sync) and
// attacks, alerts and open incidents' ages within a minute.
constexpr auto kIncidentMetricsInterval = std::chrono::minutes(1);
// How often the wall clock is compared with the monotonic clock for steps.
constexpr auto kClockWatchInterval = std::chrono::seconds(1);

std::string Compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

// What the dashboard's incident copy gave, or nothing (logged) when it could not be read.
std::vector<incidents::Incident> IncidentsOrNone(Result<std::vector<incidents::Incident>> read,
                                                 const std::string& what) {
  if (read.ok()) return std::move(*read);
  spdlog::warn("dashboard: {}: {}", what, read.error().message);
  return {};
}

}  // namespace

std::string OutboundHttpUser(const config::Config& config) {
  for (size_t i = 0; i < config.services.size(); ++i) {
    if (config.services[i].probe) return "services[" + std::to_string(i) + "].probe";
  }
  for (size_t i = 0; i < config.notifiers.size(); ++i) {
    if (config.notifiers[i].kind != config::NotifierKind::kLog) {
      return "notifiers[" + std::to_string(i) + "]";
    }
  }
  if (config.pagerduty) return "pagerduty";
  for (size_t i = 0; i < config.chaos.sources.size(); ++i) {
    if (config.chaos.sources[i].kind == config::ChaosSourceKind::kGremlin) {
      return "chaos.sources[" + std::to_string(i) + "]";
    }
  }
  return "";
}

Status CheckLibcurlFor(const config::Config& config) {
  const std::string user = OutboundHttpUser(config);
  if (user.empty() || LoadLibcurl()) return OkStatus();
  return MakeError(ErrorCode::kUnavailable, config.Where(user) + ": " + user +
                                                " needs outbound HTTP, but " + LibcurlLoadError() +
                                                " (install libcurl4)");
}

static std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

Daemon::Daemon(config::Config config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      scheduler_(clock),
      background_(clock),
      hostname_(Hostname()) {}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start() {
  // Secrets first: a missing variable is a config error the user must see at start.
  std::optional<std::string> api_token;
  if (config_.server.api_token.configured()) {
    auto token = config::ResolveSecret(config_.server.api_token);
    if (!token.ok()) return token.error();
    api_token = token->Reveal();
  }
  RETURN_IF_ERROR(config::CheckSecrets(config_));
  // libcurl is loaded on first use (common/libcurl.h). A config that sends requests loads
  // it now, so that the first page or sync does not wait for ~25 libraries to load, and
  // refuses to start without it rather than run probes and pages that never go out.
  RETURN_IF_ERROR(CheckLibcurlFor(config_));

  RETURN_IF_ERROR(OpenStore());
  RETURN_IF_ERROR(BuildEngines());
  RETURN_IF_ERROR(BuildIncidents());
  auto warm_dashboard = Serve(std::move(api_token));
  if (!warm_dashboard.ok()) return warm_dashboard.error();
  // After the port is bound, so alerts link back to the real address.
  RETURN_IF_ERROR(notifications_->Configure(config_, ExternalUrl()));
  RETURN_IF_ERROR(chaos_->Start());
  host_monitor_->Tick();  // the first sample now rather than one interval from now

  Schedule(*warm_dashboard);
  spdlog::info("steadystate {} listening on http://{}:{} (data in {})", STEADYSTATE_VERSION,
               config_.server.listen.host, http_->port(), config_.storage.path);
  return OkStatus();
}

// The store, the attack log, the registry and its self metrics.
Status Daemon::OpenStore() {
  auto store = store::Store::Open(StoreOptionsFor(config_), clock_);
  if (!store.ok()) return store.error();
  store_ = std::move(*store);
  attacks_ = std::make_unique<chaos::AttackLog>(*store_, clock_);

  metrics_ = std::make_unique<exporters::Metrics>(
      exporters::BuildInfo{STEADYSTATE_VERSION, STEADYSTATE_REVISION, Compiler()});
  metrics_->WatchStore(store_.get());
  clock_steps_ = &prometheus::BuildCounter()
                      .Name("steadystate_wall_clock_steps_total")
                      .Help(
                          "Wall-clock steps of 5 s or more (NTP, a VM resume, a time-travel "
                          "attack); alert timing keeps to the monotonic clock.")
                      .Register(metrics_->registry())
                      .Add({});
  clock_watch_ = std::make_unique<WallClockStepWatch>(clock_);

  return OkStatus();
}

// Notifications, chaos, alerting, host sampling, SLOs and probes, with their collectables.
Status Daemon::BuildEngines() {
  notifications_ = std::make_unique<notify::Notifications>(
      *store_, clock_, metrics_->registry(), [this] { return alerts_->Snapshot(); }, &stop_);
  chaos_ = std::make_unique<chaos::ChaosService>(config_.chaos, *store_, *attacks_, *notifications_,
                                                 clock_, hostname_, &stop_);
  metrics_->Add(std::make_shared<exporters::AttackMetrics>(
      [this] { return attacks_->List(std::nullopt, std::nullopt); }));
  alerts_ = std::make_unique<slo::AlertEngine>(
      *store_, clock_,
      [this](const slo::Alert& alert, slo::TransitionKind kind) {
        notifications_->OnTransition(alert, kind);
      },
      [this] { return ActiveAttacksHere(); });
  RETURN_IF_ERROR(alerts_->Load());
  metrics_->Add(std::make_shared<exporters::AlertMetrics>([this] { return alerts_->Snapshot(); }));
  host_metrics_ = std::make_shared<exporters::HostMetrics>();
  metrics_->Add(host_metrics_);
  host_fs_ = collector::RealHostFilesystem();
  host_monitor_ = std::make_unique<HostMonitor>(config_.host, *host_fs_, *store_, clock_, *alerts_,
                                                *host_metrics_);
  host_monitor_->SetRules(config_.alerts);
  slo_engine_ = std::make_unique<slo::SloEngine>(config_.services, config_.steady_state, *store_,
                                                 clock_, slo::BurnRateTiers(config_.slo_alerts));
  metrics_->Add(std::make_shared<exporters::SloCollectable>(*slo_engine_));
  probe_metrics_ = std::make_shared<exporters::ProbeMetrics>();
  metrics_->Add(probe_metrics_);
  probes_ = std::make_unique<collector::ProbeEngine>(
      config_.services, clock_, [this](const collector::ProbeResult& r) { OnProbeResult(r); });

  return OkStatus();
}

// The PagerDuty sync (when configured), the incident index, report sources and metrics.
Status Daemon::BuildIncidents() {
  if (config_.pagerduty) {
    auto sync =
        incidents::IncidentSync::Create(config_, *store_, clock_, &metrics_->registry(), &stop_);
    if (!sync.ok()) return sync.error();
    incident_sync_ = std::move(*sync);
  }
  // Incidents stored by an older version get their creation-time index, once. Without it
  // the incident list still pages, by scanning.
  if (auto indexed = incidents::IncidentStore(*store_).BuildCreatedIndex(); !indexed.ok()) {
    spdlog::warn("incident index not built (the incident list pages by scanning): {}",
                 indexed.error().message);
  }
  incident_sources_ = std::make_shared<const incidents::IncidentReportSources>(
      incidents::IncidentReportSourcesFor(config_, *store_, clock_));
  live_correlation_ = std::make_unique<incidents::LiveCorrelation>(*incident_sources_);
  incident_metrics_ = std::make_shared<exporters::IncidentMetrics>();
  metrics_->Add(incident_metrics_);
  recent_incidents_ = std::make_unique<incidents::RecentIncidents>(*store_, clock_);
  if (incident_sync_) {
    incident_sync_->SetOnImported([this] {
      RefreshIncidentMetrics();
      RefreshDashboardIncidents();  // here, so the next page view finds them read
    });
  }

  return OkStatus();
}

// Composes every module's routes on the one port and binds it. Returns the dashboard's
// cache warmer for the background scheduler.
Result<std::function<void()>> Daemon::Serve(std::optional<std::string> api_token) {
  http::HttpServerOptions http_options;
  http_options.host = config_.server.listen.host;
  http_options.port = config_.server.listen.port;
  http_options.api_token = std::move(api_token);
  http_options.max_connections = static_cast<unsigned>(config_.server.max_connections);
  http_options.max_connections_per_client =
      static_cast<unsigned>(config_.server.max_connections_per_client);
  http::HttpServerDeps deps;
  deps.not_ready_reason = [this] { return NotReadyReason(); };
  exporters::ReadApiSources read_api;
  read_api.metrics = metrics_.get();
  read_api.alerts = [this] { return alerts_->Snapshot(); };
  read_api.services_json = [this] {
    return slo::ServicesJson(*slo_engine_->Latest(), LastProbes());
  };
  read_api.steady_state = [this](std::string_view services) -> Result<std::pair<int, std::string>> {
    auto report = slo::SteadyState(*slo_engine_->Latest(), services, LastProbes());
    if (!report.ok()) return report.error();
    return std::make_pair(report->ok ? 200 : 503, slo::SteadyStateJson(*report));
  };
  for (auto& route : exporters::ReadApiRoutes(std::move(read_api))) {
    deps.routes.push_back(std::move(route));
  }
  for (auto& route : chaos::AttackRoutes(*attacks_)) deps.routes.push_back(std::move(route));
  for (auto& route : chaos_->Routes()) deps.routes.push_back(std::move(route));
  deps.routes.push_back(StoreBackupRoute(*store_, clock_));

  for (auto& route : incidents::IncidentRoutes(*incident_sources_, *store_, incident_sync_.get())) {
    deps.routes.push_back(std::move(route));
  }
  for (auto& route : incidents::IncidentReportRoutes(*incident_sources_)) {
    deps.routes.push_back(std::move(route));
  }

  dashboard::DashboardSources dashboard;
  dashboard.snapshot = [this] { return slo_engine_->Latest(); };
  dashboard.last_probe = LastProbes();
  dashboard.store = store_.get();
  dashboard.attacks = attacks_.get();
  dashboard.alerts = [this] { return alerts_->Snapshot(); };
  dashboard.tiers = slo_engine_->tiers();
  dashboard.attribution_grace = config_.chaos.attribution_grace;
  dashboard.open_incidents = [this] {
    return IncidentsOrNone(recent_incidents_->Unresolved(), "open incidents");
  };
  dashboard.service_incidents = [this](const std::string& service, Timestamp since) {
    return IncidentsOrNone(recent_incidents_->OfService(service, since), "incidents of " + service);
  };
  auto dashboard_parts = dashboard::MakeDashboard(std::move(dashboard), clock_);
  for (auto& route : dashboard_parts.routes) deps.routes.push_back(std::move(route));
  http_ = std::make_unique<http::HttpServer>(std::move(http_options), std::move(deps), clock_);
  RETURN_IF_ERROR(http_->Start());
  return std::move(dashboard_parts.warm);
}

// The periodic work: retention, host and SLO rounds, the clock watch on the scheduler;
// incident metrics and the dashboard's caches on the background one. Then starts them all.
void Daemon::Schedule(std::function<void()> warm_dashboard) {
  scheduler_.Every(
      "retention", kRetentionInterval,
      [this] {
        if (auto s = store_->CompactForRetention(); !s.ok()) {
          spdlog::warn("retention compaction failed: {}", s.error().message);
        }
      },
      kRetentionInterval);
  scheduler_.Every(
      "host", config_.host.interval, [this] { host_monitor_->Tick(); }, config_.host.interval);
  scheduler_.Every("host-cpu", config_.host.interval / kCpuTicksPerInterval,
                   [this] { host_monitor_->TickCpu(); });
  scheduler_.Every("slo", kSloInterval, [this] { EvaluateSlos(); });
  scheduler_.Every("wall-clock-watch", kClockWatchInterval, [this] {
    if (clock_watch_->Check()) clock_steps_->Increment();
  });
  background_.Every("incident-metrics", kIncidentMetricsInterval,
                    [this] { RefreshIncidentMetrics(); });
  // The incidents the dashboard shows: read at start and then every hour (a new read
  // only when they changed or the copy is 5 hours old), so no page view reads the store.
  background_.Every("dashboard-incidents", std::chrono::hours(1),
                    [this] { RefreshDashboardIncidents(); });
  // After the first SLO round, so the first viewer does not pay for 90 days of history.
  background_.Every("dashboard-warm", std::chrono::hours(1), std::move(warm_dashboard),
                    kSloInterval * 2);
  scheduler_.Start();
  background_.Start();
  notifications_->Start();
  probes_->Start();
  if (incident_sync_) incident_sync_->Start();
}

Status Daemon::Reload(config::Config next) {
  RETURN_IF_ERROR(config::CheckSecrets(next));
  if (next.server.listen != config_.server.listen) {
    spdlog::warn("server.listen changed to {}: takes effect after a restart",
                 next.server.listen.ToString());
    next.server.listen = config_.server.listen;
  }
  if (next.storage.path != config_.storage.path) {
    spdlog::warn("storage.path changed to {}: takes effect after a restart", next.storage.path);
    next.storage.path = config_.storage.path;
  }
  if (next.host.interval != config_.host.interval || next.host.procfs != config_.host.procfs ||
      next.host.mountpoints != config_.host.mountpoints) {
    spdlog::warn("host sampling settings changed: take effect after a restart");
    next.host = config_.host;
  }
  if (next.slo_alerts.tiers != config_.slo_alerts.tiers) {
    spdlog::warn("slo_alerts.tiers changed: take effect after a restart");
    next.slo_alerts.tiers = config_.slo_alerts.tiers;
  }
  RETURN_IF_ERROR(notifications_->Configure(next, ExternalUrl()));
  if (next.services != config_.services || next.steady_state != config_.steady_state) {
    spdlog::warn("services or SLOs changed: take effect after a restart");
    next.services = config_.services;
    next.steady_state = config_.steady_state;
  }
  std::vector<std::string> rule_names;
  for (const auto& r : next.alerts) rule_names.push_back(r.name);
  for (const auto& tier : slo_engine_->tiers()) rule_names.push_back(slo::BurnRateRuleName(tier));
  alerts_->Retain(rule_names);
  host_monitor_->SetRules(next.alerts);
  config_ = std::move(next);
  return OkStatus();
}

void Daemon::Stop() {
  stop_.Stop();  // first: ends every long wait, so the joins below return within seconds
  if (incident_sync_) incident_sync_->Stop();  // cancels an import an HTTP call runs
  if (http_) http_->Stop();
  if (probes_) probes_->Stop();
  scheduler_.Stop();
  background_.Stop();
  // Alert states a full disk kept from the store get one more try before the process goes.
  if (alerts_ && !alerts_->SaveUnsaved()) {
    spdlog::warn("alert states not saved at shutdown (the store refuses writes)");
  }
  if (chaos_) chaos_->Stop();
  if (notifications_) notifications_->Stop();
  if (metrics_) metrics_->WatchStore(nullptr);
  if (store_) {
    if (auto s = store_->Flush(); !s.ok())
      spdlog::warn("flush at shutdown failed: {}", s.error().message);
  }
  http_.reset();
  host_monitor_.reset();
  probes_.reset();
  alerts_.reset();
  slo_engine_.reset();
  chaos_.reset();
  notifications_.reset();
  attacks_.reset();
  incident_sync_.reset();
  recent_incidents_.reset();
  store_.reset();
}

void Daemon::RefreshIncidentMetrics() {
  if (auto s = exporters::RefreshIncidentMetrics(*live_correlation_, *incident_metrics_); !s.ok()) {
    spdlog::warn("incident metrics: {}", s.error().message);
  }
}

void Daemon::RefreshDashboardIncidents() {
  if (auto s = recent_incidents_->Refresh(); !s.ok()) {
    spdlog::warn("dashboard incidents: {}", s.error().message);
  }
}

int Daemon::port() const { return http_ ? http_->port() : 0; }

void Daemon::EvaluateSlos() {
  if (auto s = slo_engine_->Evaluate(); !s.ok()) {
    spdlog::warn("SLO evaluation: {}", s.error().message);
  }
  slo_engine_->EvaluateAlerts(*alerts_);
}

void Daemon::OnProbeResult(const collector::ProbeResult& result) {
  probe_metrics_->Update(result);
  const config::ServiceConfig* service = config_.FindService(result.service);
  const auto threshold = service ? collector::LatencyThreshold(*service) : std::nullopt;
  // A failed write is logged by the store (once a minute on a full disk).
  (void)collector::WriteProbeResult(*store_, result, threshold);
  std::lock_guard lock(last_probes_mu_);
  last_probes_[result.service] =
      slo::LastProbe{result.time, result.success, result.error_class, ToSeconds(result.duration)};
}

slo::LastProbeLookup Daemon::LastProbes() const {
  return [this](std::string_view service) -> std::optional<slo::LastProbe> {
    std::lock_guard lock(last_probes_mu_);
    auto it = last_probes_.find(std::string(service));
    if (it == last_probes_.end()) return std::nullopt;
    return it->second;
  };
}

std::string Daemon::ExternalUrl() const {
  // A wildcard listener is reached through the host's name.
  const std::string& host = config_.server.listen.host;
  const bool wildcard = host == "0.0.0.0" || host == "::";
  const std::string shown = wildcard                              ? hostname_
                            : host.find(':') != std::string::npos ? "[" + host + "]"
                                                                  : host;
  return "http://" + shown + ":" + std::to_string(port());
}

std::vector<slo::AttackContext> Daemon::ActiveAttacksHere() const {
  std::vector<slo::AttackContext> out;
  // Every running window rather than those whose wall-clock span holds "now": during a
  // time-travel attack the wall clock may stand before the window's own start.
  auto attacks = attacks_->List(std::nullopt, std::nullopt);
  if (!attacks.ok()) {
    spdlog::warn("cannot read attack windows for alert context: {}", attacks.error().message);
    return out;
  }
  for (const auto& a : *attacks) {
    if (a.outcome != "running") continue;
    const bool here = a.targets.empty() ||
                      std::find(a.targets.begin(), a.targets.end(), hostname_) != a.targets.end();
    if (here) out.push_back({a.id, a.type, a.created_by, a.name});
  }
  return out;
}

std::string Daemon::NotReadyReason() const { return store_->NotWritableReason(); }

}  // namespace steadystate::app
