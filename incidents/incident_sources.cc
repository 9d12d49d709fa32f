#include "incidents/incident_sources.h"

#include <memory>
#include <utility>

#include "chaos/attack.h"
#include "common/text.h"
#include "incidents/incident_store.h"
#include "slo/alert_history.h"

namespace steadystate::incidents {

IncidentReportSources IncidentReportSourcesFor(const config::Config& config, store::Store& store,
                                               const Clock& clock) {
  IncidentReportSources sources;
  store::Store* s = &store;
  sources.incidents = [s](std::optional<Timestamp> since, std::optional<Timestamp> until) {
    return incidents::IncidentStore(*s).List({since, until, ""});
  };
  auto attacks = std::make_shared<chaos::AttackLog>(store, clock);
  sources.attacks = [attacks](std::optional<Timestamp> since, std::optional<Timestamp> until) {
    return attacks->List(since, until);
  };
  sources.attack = [attacks](std::string_view id) { return attacks->Get(id); };
  sources.alerts = [s](Timestamp since,
                       Timestamp until) -> Result<std::vector<incidents::FiredAlert>> {
    auto history = slo::ReadAlertHistory(*s, since, until);
    if (!history.ok()) return history.error();
    std::vector<incidents::FiredAlert> out;
    out.reserve(history->size());
    for (auto& alert : *history) {
      if (!alert.fired_at) continue;
      out.push_back({alert.name, std::move(alert.labels), *alert.fired_at});
    }
    return out;
  };
  sources.store = &store;
  for (const config::ServiceConfig& service : config.services) {
    ReportService r;
    r.name = service.name;
    r.critical = service.critical;
    // The strictest objective among the service's SLOs (its SLA); the default without any.
    for (const config::SloConfig& slo : service.slos) {
      const double objective = slo.objective_percent / 100.0;
      if (&slo == &service.slos.front() || objective > r.objective) r.objective = objective;
    }
    sources.services.push_back(std::move(r));
  }
  sources.options.attribution_grace = config.chaos.attribution_grace;
  sources.options.onset_lookback = config.chaos.onset_lookback;
  sources.clock = &clock;
  return sources;
}

incidents::IncidentCorrelation ToIncidentCorrelation(const incidents::CorrelatedIncident& c) {
  incidents::IncidentCorrelation out;
  out.attack_id = c.attack_id;
  out.onset_at = c.onset_at;
  out.onset_source = std::string(incidents::ToString(c.onset_source));
  out.ttd_seconds = c.ttd_seconds;
  out.tta_seconds = c.tta_seconds;
  out.ttr_seconds = c.ttr_seconds;
  out.impact_seconds = c.impact_seconds;
  return out;
}

namespace {

Status CheckListFormat(std::string_view format) {
  if (format != "json" && format != "csv") {
    return MakeError(ErrorCode::kInvalidInput,
                     "format: \"" + std::string(format) + "\" is not one of: json, csv");
  }
  return OkStatus();
}

// The JSON array or CSV of the correlated incidents (of `service` when not empty).
std::string RenderIncidentList(const incidents::Correlation& correlation, std::string_view service,
                               std::string_view format) {
  std::string body;
  if (format == "csv") AppendCsvRow(body, incidents::IncidentFieldNames());
  if (format == "json") body = "[";
  bool first = true;
  for (const incidents::CorrelatedIncident& c : correlation.incidents) {
    if (!service.empty() && c.incident->service != service) continue;
    const incidents::IncidentCorrelation fields = ToIncidentCorrelation(c);
    if (format == "csv") {
      AppendCsvRow(body, incidents::IncidentCsvFields(*c.incident, fields));
    } else {
      if (!first) body += ',';
      body += incidents::IncidentToJson(*c.incident, fields);
    }
    first = false;
  }
  if (format == "json") body += "]";
  return body;
}

}  // namespace

Result<std::string> CorrelatedIncidentList(const IncidentReportSources& sources,
                                           std::optional<Timestamp> since,
                                           std::optional<Timestamp> until, std::string_view service,
                                           std::string_view format) {
  RETURN_IF_ERROR(CheckListFormat(format));
  auto correlation = CorrelateRange(sources, since, until);
  if (!correlation.ok()) return correlation.error();
  return RenderIncidentList(*correlation, service, format);
}

Result<IncidentListPage> CorrelatedIncidentPage(const IncidentReportSources& sources,
                                                store::Store& store, std::optional<Timestamp> since,
                                                std::optional<Timestamp> until,
                                                std::string_view service, std::string_view format,
                                                std::string_view after, size_t limit) {
  RETURN_IF_ERROR(CheckListFormat(format));
  auto page =
      incidents::IncidentStore(store).ListPage({since, until, std::string(service)}, after, limit);
  if (!page.ok()) return page.error();
  IncidentListPage out;
  out.next = std::move(page->next);
  // The correlation fields of an incident depend on the attacks, stretches and alerts
  // around it, not on the other incidents: correlating the page alone gives the same
  // fields as correlating the whole list.
  IncidentReportSources page_sources = sources;
  auto listed = std::make_shared<std::vector<incidents::Incident>>(std::move(page->incidents));
  page_sources.incidents = [listed](std::optional<Timestamp>, std::optional<Timestamp>) {
    return Result<std::vector<incidents::Incident>>(std::move(*listed));
  };
  auto correlation = CorrelateRange(page_sources, since, until);
  if (!correlation.ok()) return correlation.error();
  out.body = RenderIncidentList(*correlation, "", format);
  return out;
}

}  // namespace steadystate::incidents
