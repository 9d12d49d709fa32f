// import pagerduty, incidents list (DESIGN.md §6). Both go through the running
// daemon's API when one answers at --server (a second process never opens the store for
// writing), else work on the store directly: import opens it for writing, list read-only.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "common/redact.h"
#include "common/text.h"
#include "common/time.h"
#include "incidents/incident.h"
#include "incidents/incident_sources.h"
#include "incidents/incident_store.h"
#include "incidents/incident_sync.h"
#include "incidents/pagerduty/client.h"

namespace steadystate::app {
namespace {

// An import of a year on a large account takes a while at 960 requests/minute.
constexpr auto kImportTimeout = std::chrono::hours(6);

struct TimeFlags {
  std::string since;
  std::string until;
};

struct ListFlags : TimeFlags {
  std::string service;
  std::string format = "table";
};

void PrintSummary(const nlohmann::json& s) {
  if (!s.is_object()) {
    std::cout << "import done (the daemon's summary was not readable)\n";
    return;
  }
  std::cout << "PagerDuty " << s.value("since", "") << " .. " << s.value("until", "") << ": "
            << s.value("new", 0) << " new, " << s.value("updated", 0) << " updated, "
            << s.value("unchanged", 0) << " unchanged";
  if (s.value("refetched", 0) > 0) std::cout << " (" << s.value("refetched", 0) << " re-fetched)";
  std::cout << "; " << s.value("requests", 0) << " requests";
  if (s.value("rate_limited", 0) > 0) std::cout << ", " << s.value("rate_limited", 0) << " 429s";
  if (s.value("skipped", 0) > 0) {
    std::cout << "; " << s.value("skipped", 0) << " malformed items skipped";
  }
  std::cout << "\n";
  for (const auto& problem : s.value("problems", nlohmann::json::array())) {
    std::cerr << "warning: " << Redact(problem.get<std::string>()) << "\n";
  }
}

int ImportPagerDuty(const CliContext& context, const TimeFlags& flags) {
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());
  if (!config->pagerduty) {
    return FailCommand(MakeError(ErrorCode::kInvalidInput,
                                 "pagerduty: is not configured (add a pagerduty: section with "
                                 "api_token_env or api_token_file; see docs/pagerduty.md)"));
  }
  auto since = FlagTime("--since", flags.since);
  if (!since.ok()) return FailCommand(since.error());
  auto until = FlagTime("--until", flags.until);
  if (!until.ok()) return FailCommand(until.error());
  if (*until && !*since) {
    return FailCommand(MakeError(ErrorCode::kInvalidInput, "--until: needs --since"));
  }

  DaemonApi api = ConnectDaemon(context, *config);
  auto answer = api.Call(
      "POST",
      "/api/v1/import/pagerduty" + QueryString({{"since", flags.since}, {"until", flags.until}}),
      "", kImportTimeout);
  if (!answer.ok()) return FailCommand(answer.error());
  if (answer->has_value()) {
    const HttpResponse& r = **answer;
    if (r.status != 200) {
      std::cerr << "steadystate: import through the daemon at " << UrlHost(api.server_url())
                << " failed: " << ApiErrorMessage(r) << "\n";
      return r.status == 400 || r.status == 401 ? kExitUsage : kExitRuntime;
    }
    PrintSummary(nlohmann::json::parse(r.body, nullptr, false));
    return kExitOk;
  }

  // No daemon: work on the store directly.
  const Clock& clock = SystemClock();
  auto store = OpenStoreForWriting(*config, clock);
  if (!store.ok()) return FailCommand(store.error());
  auto sync = incidents::IncidentSync::Create(*config, **store, clock, nullptr);
  if (!sync.ok()) return FailCommand(sync.error());
  const bool tty = isatty(STDERR_FILENO) != 0;
  incidents::pagerduty::ProgressFn progress;
  if (tty) {
    progress = [](const incidents::pagerduty::ImportProgress& p) {
      std::fprintf(stderr,
                   "\r\033[Kwindow %d/%d, %lld pages, %lld incidents, %lld requests (%.0f/min)",
                   p.windows_done, p.windows_total, static_cast<long long>(p.pages),
                   static_cast<long long>(p.incidents), static_cast<long long>(p.requests),
                   p.requests_per_minute);
    };
  }
  auto summary = (*sync)->Import(*since, *until, progress);
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!summary.ok()) return FailCommand(summary.error());
  PrintSummary(nlohmann::json::parse(incidents::pagerduty::ImportSummaryToJson(*summary)));
  return kExitOk;
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float())
    return FormatDuration(std::chrono::milliseconds(static_cast<int64_t>(v.get<double>() * 1000)));
  return v.dump();
}

const std::vector<std::string>& TableColumns() {
  static const std::vector<std::string> columns{
      "id",        "created_at",  "service",     "severity",    "status",
      "attack_id", "ttd_seconds", "tta_seconds", "ttr_seconds", "title"};
  return columns;
}

// Parses one JSON list of incidents (a page, or the whole list read from the store) into
// table rows. An error says what is wrong with it.
// A JSON list of incident objects, or an error that says what is wrong with `body`.
Result<nlohmann::json> ParseIncidentList(std::string_view body) {
  auto list = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (list.is_discarded()) return MakeError(ErrorCode::kUnavailable, "is not valid JSON");
  if (!list.is_array()) return MakeError(ErrorCode::kUnavailable, "is not a JSON list");
  for (const auto& item : list) {
    if (!item.is_object()) {
      return MakeError(ErrorCode::kUnavailable, "holds an item that is not an incident object");
    }
  }
  return list;
}

Status AddTableRows(std::string_view body, std::vector<std::vector<std::string>>& rows) {
  auto list = ParseIncidentList(body);
  if (!list.ok()) return list.error();
  for (const auto& item : *list) {
    std::vector<std::string> row;
    for (const auto& c : TableColumns()) {
      const auto found = item.find(c);
      const nlohmann::json value = found == item.end() ? nlohmann::json() : *found;
      // Negative durations (clock skew) are shown as such.
      if ((c == "ttd_seconds" || c == "tta_seconds" || c == "ttr_seconds") && value.is_number() &&
          value.get<double>() < 0) {
        row.push_back("-" + Cell(nlohmann::json(-value.get<double>())));
      } else {
        row.push_back(TerminalSafe(Cell(value)));
      }
    }
    rows.push_back(std::move(row));
  }
  return OkStatus();
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  const std::vector<std::string> headers{"ID",     "CREATED", "SERVICE", "SEVERITY", "STATUS",
                                         "ATTACK", "TTD",     "TTA",     "TTR",      "TITLE"};
  std::vector<size_t> width(headers.size(), 0);
  for (size_t i = 0; i + 1 < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i + 1 < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  auto print = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  };
  print(headers);
  for (const auto& row : rows) print(row);
  std::cout << out;
}

// Joins pages into one output: a JSON array, a CSV with one header, or table rows.
class ListOutput {
 public:
  explicit ListOutput(std::string format) : format_(std::move(format)) {
    AppendCsvRow(csv_header_, incidents::IncidentFieldNames());
    if (format_ == "json") out_ = "[";
  }

  Status Add(std::string_view body) {
    if (format_ == "table") return AddTableRows(body, rows_);
    if (format_ == "json") {
      if (auto list = ParseIncidentList(body); !list.ok()) return list.error();
      // The items as the daemon wrote them (field order kept), without the brackets.
      const std::string_view trimmed = TrimSpace(body);
      const std::string_view items = TrimSpace(trimmed.substr(1, trimmed.size() - 2));
      if (!items.empty()) {
        if (out_.size() > 1) out_ += ',';
        out_.append(items);
      }
      return OkStatus();
    }
    // CSV: every page starts with the header; it is printed once.
    if (!body.starts_with(csv_header_)) {
      return MakeError(ErrorCode::kUnavailable, "does not start with the incident CSV header");
    }
    if (out_.empty()) out_ = csv_header_;
    out_.append(body.substr(csv_header_.size()));
    return OkStatus();
  }

  void Print() {
    if (format_ == "table") return PrintTable(rows_);
    if (format_ == "json") out_ += "]\n";
    if (format_ == "csv" && out_.empty()) out_ = csv_header_;
    std::cout << out_;
  }

 private:
  std::string format_;
  std::string csv_header_;
  std::string out_;
  std::vector<std::vector<std::string>> rows_;
};

int ListIncidents(const CliContext& context, const ListFlags& flags) {
  if (auto s = CheckChoice("--format", flags.format, {"table", "json", "csv"}); !s.ok())
    return FailCommand(s.error());
  auto since = FlagTime("--since", flags.since);
  if (!since.ok()) return FailCommand(since.error());
  auto until = FlagTime("--until", flags.until);
  if (!until.ok()) return FailCommand(until.error());
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());

  const std::string wire = flags.format == "csv" ? "csv" : "json";
  ListOutput output(flags.format);
  DaemonApi api = ConnectDaemon(context, *config);
  // Pages of the default size: each is quick for the daemon to correlate and answer.
  auto read = ReadAllPages(api,
                           "/api/v1/incidents" + QueryString({{"since", flags.since},
                                                              {"until", flags.until},
                                                              {"service", flags.service},
                                                              {"format", wire}}),
                           [&](std::string_view body) { return output.Add(body); });
  if (!read.ok()) return FailCommand(read.error());
  if (!*read) {
    auto store = OpenStoreForReading(*config, SystemClock());
    if (!store.ok()) {
      if (store.error().code != ErrorCode::kNotFound) return FailCommand(store.error());
      // No data directory yet: no incidents.
    } else {
      auto list = incidents::CorrelatedIncidentList(
          incidents::IncidentReportSourcesFor(*config, **store, SystemClock()), *since, *until,
          flags.service, wire);
      if (!list.ok()) return FailCommand(list.error());
      if (auto added = output.Add(*list); !added.ok()) return FailCommand(added.error());
    }
  }
  output.Print();
  return kExitOk;
}

}  // namespace

void AddIncidentCommands(CLI::App& cli, CLI::App& import_cmd, CliContext& context) {
  auto import_flags = std::make_shared<TimeFlags>();
  auto* pagerduty = import_cmd.add_subcommand(
      "pagerduty", "Import PagerDuty incidents (default: incremental since the last import)");
  pagerduty->add_option("--since", import_flags->since, "Start (RFC 3339, e.g. 2025-11-01)");
  pagerduty->add_option("--until", import_flags->until, "End (RFC 3339; default now)");
  pagerduty->callback(
      [&context, import_flags] { context.exit_code = ImportPagerDuty(context, *import_flags); });

  auto list_flags = std::make_shared<ListFlags>();
  auto* incidents_cmd = cli.add_subcommand("incidents", "Imported incidents");
  incidents_cmd->require_subcommand(1);
  auto* list = incidents_cmd->add_subcommand("list", "List incidents by creation time");
  list->add_option("--since", list_flags->since, "Created at or after (RFC 3339)");
  list->add_option("--until", list_flags->until, "Created before (RFC 3339)");
  list->add_option("--service", list_flags->service, "Only this service");
  list->add_option("--format", list_flags->format, "table, json or csv");
  list->callback(
      [&context, list_flags] { context.exit_code = ListIncidents(context, *list_flags); });
}

}  // namespace steadystate::app
