// metrics, report before-after, report attack (DESIGN.md §6). Each goes through
// the running daemon's API when one answers at --server, else opens the store read-only
// and computes the same thing here (incidents/report_sources.h does both). `metrics
// --push` always correlates here, on the store read-only (that works while a daemon runs),
// because the Pushgateway wants the Prometheus families, not the rows.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "common/text.h"
#include "common/time.h"
#include "exporters/incident_metrics.h"
#include "exporters/push.h"
#include "incidents/incident_sources.h"
#include "incidents/pagerduty/client.h"
#include "incidents/report.h"
#include "incidents/report_sources.h"
#include "incidents/summary.h"

namespace steadystate::app {
namespace {

using incidents::IncidentReportSources;
using incidents::RenderedReport;
// A 90-day report over many incidents takes a moment on a busy daemon.
constexpr auto kReportTimeout = std::chrono::minutes(5);

struct MetricsFlags {
  std::string since;
  std::string until;
  std::string group_by = "none";
  std::string format = "table";
  std::string push;
};

struct BeforeAfterFlags {
  std::string cutover;
  std::string window = "90d";
  std::string format = "html";
  std::string output;
  std::string time_zone;
};

struct AttackReportFlags {
  std::string id;
  std::string format = "html";
  std::string output;
  std::string time_zone;
};

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

// The daemon's answer to a GET, or nullopt when no daemon answers. A 400 or 404 is the
// caller's input (exit 2).
Result<std::optional<std::string>> FromDaemon(const DaemonApi& api, const std::string& path) {
  auto answer = api.Call("GET", path, "", kReportTimeout);
  if (!answer.ok()) return answer.error();
  if (!answer->has_value()) return std::optional<std::string>{};
  const HttpResponse& r = **answer;
  if (r.status != 200) {
    const bool usage = r.status == 400 || r.status == 404;
    return MakeError(usage ? ErrorCode::kInvalidInput : ErrorCode::kUnavailable,
                     ApiErrorMessage(r));
  }
  return std::optional<std::string>(r.body);
}

// Runs `fn` on sources over the store opened read-only; without a data directory yet, on
// sources that hold nothing (no incidents, attacks or probe data).
Result<RenderedReport> Locally(
    const config::Config& config,
    const std::function<Result<RenderedReport>(const IncidentReportSources&)>& fn) {
  const Clock& clock = SystemClock();
  auto store = OpenStoreForReading(config, clock);
  if (!store.ok()) {
    if (store.error().code != ErrorCode::kNotFound) return store.error();
    IncidentReportSources empty;
    empty.incidents = [](std::optional<Timestamp>,
                         std::optional<Timestamp>) -> Result<std::vector<incidents::Incident>> {
      return std::vector<incidents::Incident>{};
    };
    empty.attack = [](std::string_view) -> Result<std::optional<chaos::Attack>> {
      return std::optional<chaos::Attack>{};
    };
    empty.clock = &clock;
    empty.options.attribution_grace = config.chaos.attribution_grace;
    empty.options.onset_lookback = config.chaos.onset_lookback;
    return fn(empty);
  }
  return fn(incidents::IncidentReportSourcesFor(config, **store, clock));
}

// Writes `body` to `path` (through a temporary file renamed into place, so a failure
// never leaves half a report), or to stdout when `path` is empty.
Status Output(const std::string& path, const std::string& body) {
  if (path.empty()) {
    std::cout << body;
    if (!body.empty() && body.back() != '\n') std::cout << "\n";
    return OkStatus();
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << body;
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return MakeError(ErrorCode::kInternal, "-o: cannot write " + path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "-o: cannot write " + path + ": " + ec.message());
  return OkStatus();
}

std::string Cell(const nlohmann::json& v, bool duration) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_number()) return v.dump();
  const double x = v.get<double>();
  if (duration) {
    const auto ms = std::chrono::milliseconds(static_cast<int64_t>(std::abs(x) * 1000));
    return (x < 0 ? "-" : "") + FormatDuration(ms);
  }
  return incidents::FormatNumber(x);
}

void PrintMetricsTable(const nlohmann::json& rows) {
  if (!rows.is_array()) return;
  struct Column {
    const char* key;
    const char* header;
    bool duration;
  };
  const std::vector<Column> columns{{"group", "GROUP", false},
                                    {"incidents", "INCIDENTS", false},
                                    {"chaos_incidents", "CHAOS", false},
                                    {"mttd_seconds", "MTTD", true},
                                    {"mtta_seconds", "MTTA", true},
                                    {"mttr_seconds", "MTTR", true},
                                    {"p50_ttr_seconds", "P50 TTR", true},
                                    {"p90_ttr_seconds", "P90 TTR", true},
                                    {"mtbf_seconds", "MTBF", true},
                                    {"detection_coverage", "COVERAGE", false}};
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header;
  header.reserve(columns.size());
  for (const auto& c : columns) header.emplace_back(c.header);
  table.push_back(std::move(header));
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (const auto& c : columns) {
      const auto& v = row.contains(c.key) ? row[c.key] : nlohmann::json();
      if (std::string_view(c.key) == "group" && v.is_null()) {
        line.emplace_back("(none)");
      } else if (std::string_view(c.key) == "detection_coverage" && v.is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f%%", v.get<double>() * 100);
        line.emplace_back(buf);
      } else {
        line.push_back(Cell(v, c.duration));
      }
    }
    table.push_back(std::move(line));
  }
  std::vector<size_t> width(columns.size(), 0);
  for (const auto& line : table) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  for (const auto& line : table) {
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out += std::string(width[i] - line[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  }
}

Status Push(const config::Config& config, const std::string& url, std::optional<Timestamp> since,
            std::optional<Timestamp> until) {
  auto pushed =
      Locally(config, [&](const IncidentReportSources& sources) -> Result<RenderedReport> {
        auto correlation = incidents::CorrelateRange(sources, since, until);
        if (!correlation.ok()) return correlation.error();
        auto metrics = std::make_shared<exporters::IncidentMetrics>();
        metrics->Update(exporters::MakeIncidentMetricsSnapshot(*correlation));
        exporters::PushTarget target;
        target.url = url;
        auto http = NewCurlHttpClient();
        RETURN_IF_ERROR(exporters::PushToGateway(*http, target, {metrics}));
        return RenderedReport{"text/plain", std::to_string(correlation->incidents.size())};
      });
  if (!pushed.ok()) return pushed.error();
  std::cerr << "pushed the metrics of " << pushed->body << " incident(s) to " << UrlHost(url)
            << "\n";
  return OkStatus();
}

int RunMetrics(const CliContext& context, const MetricsFlags& flags) {
  if (auto s = CheckChoice("--format", flags.format, {"table", "json", "csv"}); !s.ok())
    return FailCommand(s.error());
  auto group_by = incidents::ParseGroupBy(flags.group_by);
  if (!group_by.ok()) return FailCommand(Invalid("--group-by: " + group_by.error().message));
  auto since = FlagTime("--since", flags.since);
  if (!since.ok()) return FailCommand(since.error());
  auto until = FlagTime("--until", flags.until);
  if (!until.ok()) return FailCommand(until.error());
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());

  const std::string wire = flags.format == "csv" ? "csv" : "json";
  DaemonApi api = ConnectDaemon(context, *config);
  auto body =
      FromDaemon(api, "/api/v1/metrics/incidents" + QueryString({{"since", flags.since},
                                                                 {"until", flags.until},
                                                                 {"group_by", flags.group_by},
                                                                 {"format", wire}}));
  if (!body.ok()) return FailCommand(body.error());
  if (!body->has_value()) {
    auto local = Locally(*config, [&](const IncidentReportSources& sources) {
      return incidents::IncidentMetricsExport(sources, *since, *until, *group_by, wire);
    });
    if (!local.ok()) return FailCommand(local.error());
    *body = std::move(local->body);
  }
  if (flags.format == "table") {
    PrintMetricsTable(nlohmann::json::parse(**body, nullptr, false));
  } else if (auto s = Output("", **body); !s.ok()) {
    return FailCommand(s.error());
  }
  if (!flags.push.empty()) {
    if (auto s = Push(*config, flags.push, *since, *until); !s.ok()) return FailCommand(s.error());
  }
  return kExitOk;
}

int RunBeforeAfter(const CliContext& context, const BeforeAfterFlags& flags) {
  if (flags.cutover.empty()) return FailCommand(Invalid("--cutover: required (RFC 3339)"));
  auto cutover = FlagTime("--cutover", flags.cutover);
  if (!cutover.ok()) return FailCommand(cutover.error());
  auto window = ParseDuration(flags.window);
  if (!window.ok()) return FailCommand(Invalid("--window: " + window.error().message));
  if (*window <= Duration(0)) return FailCommand(Invalid("--window: must be positive"));
  if (auto s = CheckChoice("--format", flags.format, {"html", "md", "json"}); !s.ok())
    return FailCommand(s.error());
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());

  DaemonApi api = ConnectDaemon(context, *config);
  auto body = FromDaemon(
      api, "/api/v1/reports/before-after" + QueryString({{"cutover", flags.cutover},
                                                         {"window", flags.window},
                                                         {"format", flags.format},
                                                         {"time_zone", flags.time_zone}}));
  if (!body.ok()) return FailCommand(body.error());
  if (!body->has_value()) {
    auto local = Locally(*config, [&](const IncidentReportSources& sources) {
      return incidents::BeforeAfterReportFor(sources, **cutover, *window, flags.format,
                                             flags.time_zone);
    });
    if (!local.ok()) return FailCommand(local.error());
    *body = std::move(local->body);
  }
  if (auto s = Output(flags.output, **body); !s.ok()) return FailCommand(s.error());
  return kExitOk;
}

int RunAttackReport(const CliContext& context, const AttackReportFlags& flags) {
  if (auto s = CheckChoice("--format", flags.format, {"html", "md", "json"}); !s.ok())
    return FailCommand(s.error());
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());

  DaemonApi api = ConnectDaemon(context, *config);
  auto body =
      FromDaemon(api, "/api/v1/reports/attacks/" + UrlEncode(flags.id) +
                          QueryString({{"format", flags.format}, {"time_zone", flags.time_zone}}));
  if (!body.ok()) return FailCommand(body.error());
  if (!body->has_value()) {
    auto local = Locally(*config, [&](const IncidentReportSources& sources) {
      return incidents::AttackReportFor(sources, flags.id, flags.format, flags.time_zone);
    });
    if (!local.ok()) {
      // An unknown id is the caller's input.
      if (local.error().code == ErrorCode::kNotFound)
        return FailCommand(Invalid(local.error().message));
      return FailCommand(local.error());
    }
    *body = std::move(local->body);
  }
  if (auto s = Output(flags.output, **body); !s.ok()) return FailCommand(s.error());
  return kExitOk;
}

}  // namespace

void AddReportCommands(CLI::App& cli, CliContext& context) {
  auto metrics_flags = std::make_shared<MetricsFlags>();
  auto* metrics = cli.add_subcommand(
      "metrics", "Incident metrics: MTTD, MTTA, MTTR, MTBF, detection coverage (docs/metrics.md)");
  metrics->add_option("--since", metrics_flags->since, "Incidents created at or after (RFC 3339)");
  metrics->add_option("--until", metrics_flags->until, "Incidents created before (RFC 3339)");
  metrics->add_option("--group-by", metrics_flags->group_by, "service, severity or none")
      ->capture_default_str();
  metrics->add_option("--format", metrics_flags->format, "table, json or csv")
      ->capture_default_str();
  metrics->add_option("--push", metrics_flags->push,
                      "Also push the Prometheus incident metrics to this Pushgateway URL");
  metrics->callback(
      [&context, metrics_flags] { context.exit_code = RunMetrics(context, *metrics_flags); });

  auto* report = cli.add_subcommand("report", "Before-and-after and per-attack reports");
  report->require_subcommand(1);

  auto ba_flags = std::make_shared<BeforeAfterFlags>();
  auto* ba = report->add_subcommand("before-after",
                                    "Compare the windows before and after a cutover (adoption)");
  ba->add_option("--cutover", ba_flags->cutover, "The cutover instant (RFC 3339)");
  ba->add_option("--window", ba_flags->window, "Length of each period")->capture_default_str();
  ba->add_option("--format", ba_flags->format, "html, md or json")->capture_default_str();
  ba->add_option("-o,--output", ba_flags->output, "Write to FILE instead of stdout");
  ba->add_option("--time-zone", ba_flags->time_zone, "Render instants in this zone (default UTC)");
  ba->callback([&context, ba_flags] { context.exit_code = RunBeforeAfter(context, *ba_flags); });

  auto attack_flags = std::make_shared<AttackReportFlags>();
  auto* attack = report->add_subcommand("attack", "Game-day report of one chaos attack");
  attack->add_option("ID", attack_flags->id, "Attack id (see `attacks list`)")->required();
  attack->add_option("--format", attack_flags->format, "html, md or json")->capture_default_str();
  attack->add_option("-o,--output", attack_flags->output, "Write to FILE instead of stdout");
  attack->add_option("--time-zone", attack_flags->time_zone,
                     "Render instants in this zone (default UTC)");
  attack->callback(
      [&context, attack_flags] { context.exit_code = RunAttackReport(context, *attack_flags); });
}

}  // namespace steadystate::app
