// Where the correlation engine and the incident reports read from, in the daemon and in
// the CLI without a daemon: incidents from the IncidentStore, attack windows from the
// AttackLog, fired alerts from the alert history (slo/alert_history.h), failing probe
// stretches of every configured service, and chaos.attribution_grace / onset_lookback. Also
// the correlated incident list behind GET /api/v1/incidents and `incidents list`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "incidents/correlation.h"
#include "incidents/incident.h"
#include "incidents/report_sources.h"
#include "store/store.h"

namespace steadystate::incidents {

// `store` and `clock` must outlive the sources (and every route built from them).
IncidentReportSources IncidentReportSourcesFor(const config::Config& config, store::Store& store,
                                               const Clock& clock);

// The seven correlation fields of the incident JSON/CSV (DESIGN.md §6).
incidents::IncidentCorrelation ToIncidentCorrelation(const incidents::CorrelatedIncident& c);

// The incidents created in [since, until) (of `service` when not empty), each with its
// correlation fields, as the JSON array or CSV (header included) of DESIGN.md §6.
// format: json | csv.
Result<std::string> CorrelatedIncidentList(const IncidentReportSources& sources,
                                           std::optional<Timestamp> since,
                                           std::optional<Timestamp> until, std::string_view service,
                                           std::string_view format);

// One page of that list: at most `limit` incidents after the position `after` (empty: from
// the first), in (created_at, id) order, each correlated as in the whole list. `next` is
// where the next page starts (IncidentStore::ListPage), unset on the last page. A
// malformed `after` is kInvalidInput.
struct IncidentListPage {
  std::string body;
  std::optional<std::string> next;
};
Result<IncidentListPage> CorrelatedIncidentPage(const IncidentReportSources& sources,
                                                store::Store& store, std::optional<Timestamp> since,
                                                std::optional<Timestamp> until,
                                                std::string_view service, std::string_view format,
                                                std::string_view after, size_t limit);

}  // namespace steadystate::incidents
