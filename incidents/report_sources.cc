#include "incidents/report_sources.h"

#include <algorithm>

#include "common/time.h"
#include "incidents/report.h"

namespace steadystate::incidents {
namespace {

using chaos::Attack;
using incidents::Correlation;
using std::chrono::minutes;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

Result<std::vector<std::pair<Timestamp, store::Rollup>>> Minutes(const store::Store& store,
                                                                 const std::string& service,
                                                                 Timestamp from, Timestamp to) {
  std::vector<std::pair<Timestamp, store::Rollup>> out;
  auto id = store.FindSeries(store::SeriesName::Probe(service));
  if (!id.ok()) return id.error();
  if (!*id) return out;
  RETURN_IF_ERROR(store.ScanRollups(
      **id, from, to, [&](Timestamp m, const store::Rollup& r) { out.emplace_back(m, r); }));
  return out;
}

Result<incidents::ReportFormat> ReportFormatParam(std::string_view format) {
  return incidents::ParseReportFormat(format);
}

RenderedReport Rendered(incidents::ReportFormat format, std::string body) {
  switch (format) {
    case incidents::ReportFormat::kHtml:
      return {"text/html; charset=utf-8", std::move(body)};
    case incidents::ReportFormat::kMarkdown:
      return {"text/markdown; charset=utf-8", std::move(body)};
    case incidents::ReportFormat::kJson:
      break;
  }
  return {"application/json", std::move(body)};
}

}  // namespace

Result<Correlation> CorrelateRange(const IncidentReportSources& sources,
                                   std::optional<Timestamp> since, std::optional<Timestamp> until) {
  const Timestamp now = sources.clock->Now();
  auto found = sources.incidents(since, until);
  if (!found.ok()) return found.error();
  std::vector<incidents::Incident> list = std::move(*found);
  // What can touch those incidents: attacks up to a grace before, stretches up to the
  // onset lookback before, alerts in the same span.
  Timestamp first = since.value_or(now);
  for (const auto& i : list) first = std::min(first, i.created_at);
  const Timestamp last = until.value_or(now);
  const Timestamp from = first - sources.options.attribution_grace - sources.options.onset_lookback;
  std::vector<Attack> attacks;
  if (sources.attacks) {
    auto a = sources.attacks(from, last);
    if (!a.ok()) return a.error();
    attacks = std::move(*a);
  }
  // Attacks reach a grace past their end; stretches must cover that too.
  Timestamp to = std::max(last, now);
  incidents::FailingStretches stretches;
  if (sources.store != nullptr) {
    for (const ReportService& s : sources.services) {
      auto loaded = incidents::LoadFailingStretches(*sources.store, s.name, from, to);
      if (!loaded.ok()) return loaded.error();
      if (!loaded->empty()) stretches[s.name] = std::move(*loaded);
    }
  }
  std::vector<incidents::FiredAlert> alerts;
  if (sources.alerts) {
    auto fired = sources.alerts(from, to);
    if (!fired.ok()) return fired.error();
    alerts = std::move(*fired);
  }
  return incidents::Correlate(std::move(list), std::move(attacks), stretches, std::move(alerts),
                              now, sources.options);
}

Result<RenderedReport> IncidentMetricsExport(const IncidentReportSources& sources,
                                             std::optional<Timestamp> since,
                                             std::optional<Timestamp> until,
                                             incidents::GroupBy group_by, std::string_view format) {
  if (format != "json" && format != "csv") {
    return Invalid("format: expected json or csv, got \"" + std::string(format) + "\"");
  }
  auto c = CorrelateRange(sources, since, until);
  if (!c.ok()) return c.error();
  const auto rows = incidents::MetricsRows(*c, group_by, {since, until});
  if (format == "csv")
    return RenderedReport{"text/csv; charset=utf-8", incidents::MetricsRowsToCsv(rows)};
  return RenderedReport{"application/json", incidents::MetricsRowsToJson(rows)};
}

Result<RenderedReport> BeforeAfterReportFor(const IncidentReportSources& sources, Timestamp cutover,
                                            Duration window, std::string_view format,
                                            std::string_view time_zone) {
  auto f = ReportFormatParam(format);
  if (!f.ok()) return f.error();
  if (window <= Duration(0)) return Invalid("window: must be positive");
  auto c = CorrelateRange(sources, cutover - window, cutover + window);
  if (!c.ok()) return c.error();
  incidents::BeforeAfterInput in;
  in.cutover = cutover;
  in.window = window;
  in.now = sources.clock->Now();
  in.correlation = &*c;
  in.time_zone = std::string(time_zone);
  const Timestamp after_end = std::max(cutover, std::min(cutover + window, in.now));
  if (sources.store != nullptr) {
    for (const ReportService& s : sources.services) {
      if (!s.critical) continue;
      auto id = sources.store->FindSeries(store::SeriesName::Probe(s.name));
      if (!id.ok()) return id.error();
      incidents::ServiceAttainmentInput sla{s.name, s.objective, 0, 0, 0, 0};
      if (*id) {
        auto before = sources.store->SumRollups(**id, cutover - window, cutover);
        auto after = sources.store->SumRollups(**id, cutover, after_end);
        if (!before.ok()) return before.error();
        if (!after.ok()) return after.error();
        sla.good_before = before->good;
        sla.total_before = before->total;
        sla.good_after = after->good;
        sla.total_after = after->total;
      }
      in.sla.push_back(sla);
    }
  }
  const incidents::BeforeAfterReport report = incidents::BuildBeforeAfterReport(in);
  Result<std::string> body =
      *f == incidents::ReportFormat::kHtml       ? incidents::RenderBeforeAfterHtml(report)
      : *f == incidents::ReportFormat::kMarkdown ? incidents::RenderBeforeAfterMarkdown(report)
                                                 : incidents::RenderBeforeAfterJson(report);
  if (!body.ok()) return body.error();
  return Rendered(*f, std::move(*body));
}

Result<RenderedReport> AttackReportFor(const IncidentReportSources& sources, std::string_view id,
                                       std::string_view format, std::string_view time_zone) {
  auto f = ReportFormatParam(format);
  if (!f.ok()) return f.error();
  if (!sources.attack)
    return MakeError(ErrorCode::kNotFound, "attack " + std::string(id) + ": no attacks recorded");
  auto found = sources.attack(id);
  if (!found.ok()) return found.error();
  if (!*found) return MakeError(ErrorCode::kNotFound, "attack " + std::string(id) + " not found");
  const Attack& attack = **found;
  const Timestamp now = sources.clock->Now();
  const Timestamp end = attack.end.value_or(now);
  // The timeline shows 15 minutes either side (and the grace after the end).
  const Timestamp range_start = attack.start - minutes(15);
  const Timestamp range_end = std::max(end + sources.options.attribution_grace, end + minutes(15));
  auto c = CorrelateRange(sources, attack.start, end + sources.options.attribution_grace);
  if (!c.ok()) return c.error();
  incidents::AttackReportInput in;
  in.attack = attack;
  in.correlation = &*c;
  in.range_start = range_start;
  in.range_end = range_end;
  in.now = now;
  in.attribution_grace = sources.options.attribution_grace;
  in.time_zone = std::string(time_zone);
  if (sources.store != nullptr) {
    for (const ReportService& s : sources.services) {
      const bool affected = attack.services.empty() ||
                            std::find(attack.services.begin(), attack.services.end(), s.name) !=
                                attack.services.end();
      if (!affected) continue;
      auto minutes_seen = Minutes(*sources.store, s.name, range_start, range_end);
      if (!minutes_seen.ok()) return minutes_seen.error();
      in.services.push_back(incidents::ServiceTimelineFromRollups(
          s.name, s.objective, *minutes_seen, attack.start, end));
    }
    auto cpu =
        sources.store->FindSeries(store::SeriesName::Host(store::HostMetric::kCpuUtilisation));
    if (!cpu.ok()) return cpu.error();
    if (*cpu) {
      RETURN_IF_ERROR(sources.store->ScanSamples(store::Family::kHost, **cpu, range_start,
                                                 range_end, [&](const store::Sample& s) {
                                                   in.host_cpu.push_back({s.time, s.value});
                                                 }));
    }
  }
  if (sources.alerts) {
    auto fired = sources.alerts(range_start, range_end);
    if (!fired.ok()) return fired.error();
    in.alerts = std::move(*fired);
  }
  const incidents::AttackReport report = incidents::BuildAttackReport(in);
  Result<std::string> body =
      *f == incidents::ReportFormat::kHtml       ? incidents::RenderAttackHtml(report)
      : *f == incidents::ReportFormat::kMarkdown ? incidents::RenderAttackMarkdown(report)
                                                 : incidents::RenderAttackJson(report);
  if (!body.ok()) return body.error();
  return Rendered(*f, std::move(*body));
}

}  // namespace steadystate::incidents
