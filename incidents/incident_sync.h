// IncidentSync: the PagerDuty import as the daemon and the CLI run it. Builds
// the REST client (token from pagerduty.api_token_env/_file, never logged), the shared
// rate limiter and the importer from the config; serialises imports (one at a time per
// process); keeps the import metrics; and in the daemon runs Sync every
// pagerduty.sync_interval on its own thread, so a long import never delays host sampling.
//
// Thread-safe: Import/Sync may be called from any thread (HTTP handlers, the sync thread).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/stop_signal.h"
#include "config/config.h"
#include "incidents/incident_store.h"
#include "incidents/pagerduty/client.h"
#include "incidents/pagerduty/importer.h"
#include "store/store.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace steadystate::incidents {

class IncidentSync {
 public:
  // Fails when `pagerduty:` is not configured or its token cannot be read. `registry`
  // may be null (the CLI keeps no metrics). `stop` may be null; once raised, an import in
  // progress (its HTTP exchange, rate-limit wait or retry backoff) fails within about a
  // second. `store`, `clock` and `stop` must outlive this.
  static Result<std::unique_ptr<IncidentSync>> Create(const config::Config& config,
                                                      store::Store& store, const Clock& clock,
                                                      prometheus::Registry* registry,
                                                      const StopSignal* stop = nullptr);
  ~IncidentSync();
  IncidentSync(const IncidentSync&) = delete;
  IncidentSync& operator=(const IncidentSync&) = delete;

  // since absent: an incremental Sync (cursor minus overlap, or now - lookback, plus the
  // re-fetch of unresolved incidents). until absent: now.
  Result<incidents::pagerduty::ImportSummary> Import(
      std::optional<Timestamp> since, std::optional<Timestamp> until,
      const incidents::pagerduty::ProgressFn& progress = {});

  // Called after every successful import (scheduled or on request), on the importing
  // thread; set before Start().
  void SetOnImported(std::function<void()> fn) { on_imported_ = std::move(fn); }

  // Starts the periodic sync (the first one at once). Stop() cancels a running import and
  // joins the thread; idempotent.
  void Start();
  void Stop();

 private:
  IncidentSync(const config::PagerDutyConfig& config, std::string token, store::Store& store,
               const Clock& clock, incidents::pagerduty::PagerDutyMapping mapping,
               prometheus::Registry* registry, const StopSignal* stop);
  void RunScheduled();

  config::PagerDutyConfig config_;
  const Clock& clock_;
  std::unique_ptr<HttpClient> http_;
  incidents::pagerduty::TokenBucket bucket_;
  incidents::pagerduty::PagerDutyClient client_;
  incidents::IncidentStore incidents_;
  incidents::pagerduty::PagerDutyImporter importer_;
  std::mutex import_mu_;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Counter* errors_ = nullptr;
  std::unique_ptr<Scheduler> scheduler_;
  std::function<void()> on_imported_;
};

// How config names map PagerDuty to steadystate (services[].pagerduty_service_ids,
// severity_from, severity_map).
incidents::pagerduty::PagerDutyMapping MappingFromConfig(const config::Config& config);

}  // namespace steadystate::incidents
