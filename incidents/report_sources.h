// The correlation's inputs and the incident metrics and reports built on them, as the API
// serves them and the CLI prints them (GET /api/v1/metrics/incidents,
// /api/v1/reports/before-after, /api/v1/reports/attacks/{id}: DESIGN.md §6,
// docs/metrics.md). Reads through small functions so it does not depend on how incidents
// are stored: the PagerDuty importer's incident store plugs in as `incidents`.
// Thread-safe when the readers and the store are.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/result.h"
#include "incidents/correlation.h"
#include "incidents/incident.h"
#include "incidents/summary.h"
#include "store/store.h"

namespace steadystate::incidents {

// A probed service as the reports see it.
struct ReportService {
  std::string name;
  bool critical = false;
  double objective = 0.999;  // availability objective as a ratio (SLA attainment, burn)
};

struct IncidentReportSources {
  // Incidents created in [since, until) (unset: open-ended).
  std::function<Result<std::vector<incidents::Incident>>(std::optional<Timestamp>,
                                                         std::optional<Timestamp>)>
      incidents;
  // Attack windows overlapping [since, until), and one attack by id (AttackLog).
  std::function<Result<std::vector<chaos::Attack>>(std::optional<Timestamp>,
                                                   std::optional<Timestamp>)>
      attacks;
  std::function<Result<std::optional<chaos::Attack>>(std::string_view id)> attack;
  // steadystate alerts fired in [since, until); an empty function: none recorded.
  std::function<Result<std::vector<incidents::FiredAlert>>(Timestamp, Timestamp)> alerts;
  const store::Store* store = nullptr;  // probe rollups and host CPU; null: no probe data
  std::vector<ReportService> services;
  incidents::CorrelationOptions options;
  const Clock* clock = nullptr;  // required
};

// Correlates the incidents created in [since, until) with every attack, failing stretch
// and alert that can touch them.
Result<incidents::Correlation> CorrelateRange(const IncidentReportSources& sources,
                                              std::optional<Timestamp> since,
                                              std::optional<Timestamp> until);

struct RenderedReport {
  std::string content_type;
  std::string body;
};

// format: json | csv.
Result<RenderedReport> IncidentMetricsExport(const IncidentReportSources& sources,
                                             std::optional<Timestamp> since,
                                             std::optional<Timestamp> until,
                                             incidents::GroupBy group_by, std::string_view format);
// format: html | md | json; time_zone "" is UTC.
Result<RenderedReport> BeforeAfterReportFor(const IncidentReportSources& sources, Timestamp cutover,
                                            Duration window, std::string_view format,
                                            std::string_view time_zone);
// kNotFound for an unknown id.
Result<RenderedReport> AttackReportFor(const IncidentReportSources& sources, std::string_view id,
                                       std::string_view format, std::string_view time_zone);

}  // namespace steadystate::incidents
