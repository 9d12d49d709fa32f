#include "incidents/incident_sync.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "common/time.h"

namespace steadystate::incidents {

using incidents::pagerduty::ImportSummary;

incidents::pagerduty::PagerDutyMapping MappingFromConfig(const config::Config& config) {
  incidents::pagerduty::PagerDutyMapping mapping;
  for (const auto& service : config.services) {
    for (const auto& id : service.pagerduty_service_ids) mapping.services[id] = service.name;
  }
  if (config.pagerduty) {
    mapping.severity_from_urgency =
        config.pagerduty->severity_from == config::SeverityFrom::kUrgency;
    mapping.severity_map = config.pagerduty->severity_map;
  }
  return mapping;
}

Result<std::unique_ptr<IncidentSync>> IncidentSync::Create(const config::Config& config,
                                                           store::Store& store, const Clock& clock,
                                                           prometheus::Registry* registry,
                                                           const StopSignal* stop) {
  if (!config.pagerduty) {
    return MakeError(ErrorCode::kInvalidInput,
                     "pagerduty: is not configured (add a pagerduty: section with api_token_env "
                     "or api_token_file; see docs/pagerduty.md)");
  }
  auto token = config::ResolveSecret(config.pagerduty->api_token);
  if (!token.ok()) return token.error();
  return std::unique_ptr<IncidentSync>(new IncidentSync(
      *config.pagerduty, token->Reveal(), store, clock, MappingFromConfig(config), registry, stop));
}

IncidentSync::IncidentSync(const config::PagerDutyConfig& config, std::string token,
                           store::Store& store, const Clock& clock,
                           incidents::pagerduty::PagerDutyMapping mapping,
                           prometheus::Registry* registry, const StopSignal* stop)
    : config_(config),
      clock_(clock),
      http_(NewCurlHttpClient(stop)),
      bucket_(clock, incidents::pagerduty::kPagerDutyRequestsPerMinute, stop),
      client_({.base_url = config.base_url, .stop = stop}, std::move(token), *http_, clock,
              bucket_),
      incidents_(store),
      importer_(client_, incidents_, store, std::move(mapping), clock) {
  client_.set_on_retry([](const std::string& line) { spdlog::warn("{}", line); });
  if (registry != nullptr) {
    last_success_ =
        &prometheus::BuildGauge()
             .Name("steadystate_import_last_success_timestamp_seconds")
             .Help("Unix time of the last import that completed without error, by source")
             .Register(*registry)
             .Add({{"source", "pagerduty"}});
    errors_ = &prometheus::BuildCounter()
                   .Name("steadystate_import_errors_total")
                   .Help("Imports that failed (after their retries), by source")
                   .Register(*registry)
                   .Add({{"source", "pagerduty"}});
  }
}

IncidentSync::~IncidentSync() { Stop(); }

Result<ImportSummary> IncidentSync::Import(std::optional<Timestamp> since,
                                           std::optional<Timestamp> until,
                                           const incidents::pagerduty::ProgressFn& progress) {
  std::lock_guard lock(import_mu_);
  auto summary = since ? importer_.Import(*since, until.value_or(clock_.Now()), progress)
                       : importer_.Sync(config_.lookback, progress);
  if (!summary.ok()) {
    if (errors_) errors_->Increment();
    spdlog::warn("PagerDuty import failed: {}", summary.error().message);
    return summary;
  }
  if (last_success_) {
    last_success_->Set(std::chrono::duration<double>(clock_.Now().time_since_epoch()).count());
  }
  for (const auto& problem : summary->problems) spdlog::warn("PagerDuty import: {}", problem);
  spdlog::info(
      "PagerDuty import {}..{}: {} new, {} updated, {} unchanged, {} re-fetched, {} skipped, "
      "{} requests, {} rate-limited",
      FormatRfc3339(summary->since), FormatRfc3339(summary->until), summary->counts.added,
      summary->counts.updated, summary->counts.unchanged, summary->refetched, summary->skipped,
      summary->requests, summary->rate_limited);
  if (on_imported_) on_imported_();
  return summary;
}

void IncidentSync::RunScheduled() { (void)Import(std::nullopt, std::nullopt); }

void IncidentSync::Start() {
  if (scheduler_) return;
  scheduler_ = std::make_unique<Scheduler>(clock_);
  scheduler_->Every("pagerduty-sync", config_.sync_interval, [this] { RunScheduled(); });
  scheduler_->Start();
}

void IncidentSync::Stop() {
  importer_.Cancel();
  if (!scheduler_) return;
  scheduler_->Stop();
  scheduler_.reset();
}

}  // namespace steadystate::incidents
