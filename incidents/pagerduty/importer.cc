#include "incidents/pagerduty/importer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <type_traits>
#include <unordered_map>

namespace steadystate::incidents::pagerduty {
namespace {

constexpr size_t kMaxProblems = 20;
// A page that parses as garbage (a proxy's HTML, a cut-off body the transport did not
// notice) is fetched again this many times before the import fails.
constexpr int kPageAttempts = 3;
// Windows are not halved below this: 10,000 incidents within one minute is not an account.
constexpr Duration kMinWindow = std::chrono::minutes(1);

std::string PageContext(const std::string& path, int64_t offset, Timestamp since, Timestamp until) {
  return "GET " + path + " " + FormatRfc3339(since) + ".." + FormatRfc3339(until) + " offset " +
         std::to_string(offset);
}

Result<PdPage<PdIncident>> ParseAny(std::string_view body, std::string_view context,
                                    const PdIncident*) {
  return ParsePagerDutyIncidentsPage(body, context);
}
Result<PdPage<PdLogEntry>> ParseAny(std::string_view body, std::string_view context,
                                    const PdLogEntry*) {
  return ParsePagerDutyLogEntriesPage(body, context);
}

std::string ReplyError(const std::string& what, const PdReply& reply) {
  std::string out = what + ": HTTP " + std::to_string(reply.status);
  if (reply.error) out += ": " + reply.error->ToString();
  if (reply.status == 401) out += " (check the API token in pagerduty.api_token_env/_file)";
  return out;
}

void EarliestAck(std::unordered_map<std::string, Timestamp>& acks,
                 const std::vector<PdLogEntry>& entries) {
  for (const auto& e : entries) {
    if (e.type != "acknowledge_log_entry") continue;
    auto [it, inserted] = acks.emplace(e.incident_id, e.created_at);
    if (!inserted && e.created_at < it->second) it->second = e.created_at;
  }
}

}  // namespace

struct PagerDutyImporter::Run {
  ImportSummary summary;
  ProgressFn progress;
  ImportProgress shown;
  MonotonicTime started;
  int64_t requests_before = 0;
  int64_t rate_limited_before = 0;
  std::optional<Timestamp> cursor;  // as stored; advanced as windows are written
  Timestamp log_until;              // log entries are never asked for past this
  // First acknowledgements from the bulk log entries fetched so far, and how far they go.
  std::unordered_map<std::string, Timestamp> acks;
  std::optional<Timestamp> log_covered;
};

std::string NormaliseTitle(std::string_view title) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < title.size(); ++i) {
    const auto c = static_cast<unsigned char>(title[i]);
    if (std::isdigit(c)) {
      while (i + 1 < title.size() && std::isdigit(static_cast<unsigned char>(title[i + 1]))) ++i;
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += '#';
    } else if (std::isalpha(c) || c >= 0x80) {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      pending_space = true;
    }
  }
  return out;
}

Incident MapIncident(const PdIncident& in, const PagerDutyMapping& mapping,
                     std::optional<Timestamp> acknowledged_at) {
  Incident out;
  out.id = "pagerduty:" + in.id;
  out.source = "pagerduty";
  out.number = in.number;
  out.title = in.title;
  auto service = mapping.services.find(in.service_id);
  out.service = service != mapping.services.end() ? service->second : in.service_summary;
  out.service_id = in.service_id;
  const std::string severity_key =
      mapping.severity_from_urgency ? in.urgency : in.priority.value_or("");
  auto severity = mapping.severity_map.find(severity_key);
  // Unmapped (no priority, or one the map does not name): "unknown", as
  // docs/configuration.md promises.
  out.severity = severity != mapping.severity_map.end() ? severity->second : "unknown";
  out.urgency = in.urgency;
  out.status = in.status;
  out.created_at = in.created_at;
  out.acknowledged_at = acknowledged_at;
  out.resolved_at = in.resolved_at;
  out.alert_count = in.alert_count;
  out.url = in.html_url;
  out.fingerprint = !in.incident_key.empty() ? in.incident_key : NormaliseTitle(in.title);
  return out;
}

std::string ImportSummaryToJson(const ImportSummary& s) {
  nlohmann::ordered_json j;
  j["source"] = "pagerduty";
  j["since"] = FormatRfc3339(s.since);
  j["until"] = FormatRfc3339(s.until);
  j["windows"] = s.windows;
  j["pages"] = s.pages;
  j["fetched"] = s.fetched;
  j["new"] = s.counts.added;
  j["updated"] = s.counts.updated;
  j["unchanged"] = s.counts.unchanged;
  j["refetched"] = s.refetched;
  j["skipped"] = s.skipped;
  j["requests"] = s.requests;
  j["rate_limited"] = s.rate_limited;
  j["problems"] = s.problems;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

PagerDutyImporter::PagerDutyImporter(PagerDutyClient& client, IncidentStore& incidents,
                                     store::Store& store, PagerDutyMapping mapping,
                                     const Clock& clock)
    : client_(client),
      incidents_(incidents),
      store_(store),
      mapping_(std::move(mapping)),
      clock_(clock) {}

Result<std::optional<Timestamp>> PagerDutyImporter::Cursor() const {
  auto value = store_.GetMeta(kCursorKey);
  if (!value.ok()) return value.error();
  if (!value->has_value()) return std::optional<Timestamp>{};
  auto t = ParseRfc3339(**value);
  if (!t.ok()) {
    return MakeError(ErrorCode::kCorruption,
                     "store meta " + std::string(kCursorKey) + ": " + t.error().message);
  }
  return std::optional<Timestamp>(*t);
}

Status PagerDutyImporter::CheckCancelled() const {
  if (cancelled_) return MakeError(ErrorCode::kUnavailable, "PagerDuty import cancelled");
  return OkStatus();
}

void PagerDutyImporter::Report(Run& run) {
  const auto stats = client_.stats();
  run.summary.requests = stats.requests - run.requests_before;
  run.summary.rate_limited = stats.rate_limited - run.rate_limited_before;
  if (!run.progress) return;
  run.shown.pages = run.summary.pages;
  run.shown.requests = run.summary.requests;
  const double minutes =
      std::chrono::duration<double, std::ratio<60>>(clock_.Monotonic() - run.started).count();
  run.shown.requests_per_minute =
      minutes > 0 ? static_cast<double>(run.shown.requests) / minutes : 0;
  run.progress(run.shown);
}

template <typename T>
Result<std::optional<std::vector<T>>> PagerDutyImporter::FetchPages(
    Run& run, const std::string& path, std::vector<std::pair<std::string, std::string>> params,
    Range range, int64_t& split_parts) {
  split_parts = 2;
  params.emplace_back("since", FormatRfc3339(range.since));
  params.emplace_back("until", FormatRfc3339(range.until));
  params.emplace_back("limit", std::to_string(kPageLimit));
  std::vector<T> items;
  int64_t offset = 0;
  while (true) {
    // The API refuses offset+limit > 10,000 (400, code 2002): split before asking.
    if (offset + kPageLimit > kOffsetWall) return std::optional<std::vector<T>>{};
    auto page_params = params;
    page_params.emplace_back("offset", std::to_string(offset));
    // The first page asks for the total, so a window past the offset wall is split at
    // once into parts of about half the wall, instead of paging to 10,000 and throwing
    // it away. Paging itself follows `more`.
    if (offset == 0) page_params.emplace_back("total", "true");
    const std::string context = PageContext(path, offset, range.since, range.until);
    std::optional<PdPage<T>> page;
    for (int attempt = 1; attempt <= kPageAttempts && !page; ++attempt) {
      RETURN_IF_ERROR(CheckCancelled());
      auto reply = client_.Get(path, page_params);
      if (!reply.ok()) return reply.error();
      if (reply->status == 400 && reply->error && reply->error->code == 2002) {
        return std::optional<std::vector<T>>{};
      }
      if (reply->status != 200) {
        return MakeError(reply->status == 401 || reply->status == 403 ? ErrorCode::kInvalidInput
                                                                      : ErrorCode::kUnavailable,
                         ReplyError("PagerDuty " + context, *reply));
      }
      auto parsed = ParseAny(reply->body, context, static_cast<const T*>(nullptr));
      if (parsed.ok()) {
        page = std::move(*parsed);
      } else if (attempt == kPageAttempts) {
        // PagerDuty (or a proxy before it) answered garbage: an upstream failure.
        return MakeError(ErrorCode::kUnavailable, parsed.error().message);
      }
    }
    ++run.summary.pages;
    if (offset == 0 && page->total && *page->total > kOffsetWall - kPageLimit) {
      split_parts = (*page->total + kOffsetWall / 2 - 1) / (kOffsetWall / 2);
      return std::optional<std::vector<T>>{};
    }
    for (auto& problem : page->skipped) {
      ++run.summary.skipped;
      if (run.summary.problems.size() < kMaxProblems) run.summary.problems.push_back(problem);
    }
    const auto received = static_cast<int64_t>(page->items.size() + page->skipped.size());
    if constexpr (std::is_same_v<T, PdIncident>) run.shown.incidents += received;
    std::move(page->items.begin(), page->items.end(), std::back_inserter(items));
    Report(run);
    if (!page->more) break;
    // A server that says "more" but sends nothing would loop forever.
    if (received == 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "PagerDuty " + context + ": \"more\" is true but the page is empty");
    }
    offset += received;
  }
  return std::optional<std::vector<T>>(std::move(items));
}

Result<std::vector<PdLogEntry>> PagerDutyImporter::FetchLogEntries(Run& run, Range range) {
  if (range.until - range.since > kMaxWindow) {
    // A window plus the acknowledgement horizon can pass the API's six months.
    auto left = FetchLogEntries(run, {range.since, range.since + kMaxWindow});
    if (!left.ok()) return left.error();
    auto right = FetchLogEntries(run, {range.since + kMaxWindow, range.until});
    if (!right.ok()) return right.error();
    std::move(right->begin(), right->end(), std::back_inserter(*left));
    return std::move(*left);
  }
  int64_t parts = 2;
  auto entries =
      FetchPages<PdLogEntry>(run, "/log_entries", {{"is_overview", "true"}}, range, parts);
  if (!entries.ok()) return entries.error();
  if (entries->has_value()) return std::move(**entries);
  auto pieces = Split(range, parts);
  if (!pieces.ok()) return pieces.error();
  std::vector<PdLogEntry> out;
  for (const Range& piece : *pieces) {
    auto part = FetchLogEntries(run, piece);
    if (!part.ok()) return part.error();
    std::move(part->begin(), part->end(), std::back_inserter(out));
  }
  return out;
}

Result<std::vector<PagerDutyImporter::Range>> PagerDutyImporter::Split(Range range, int64_t parts) {
  parts = std::clamp<int64_t>(parts, 2, 1000);
  if (range.until - range.since < parts * kMinWindow) {
    return MakeError(ErrorCode::kUnavailable,
                     "PagerDuty: more than 10,000 items between " + FormatRfc3339(range.since) +
                         " and " + FormatRfc3339(range.until) + " even in one-minute windows");
  }
  std::vector<Range> out;
  const Duration step = (range.until - range.since) / parts;
  for (int64_t i = 0; i < parts; ++i) {
    const Timestamp from = range.since + step * i;
    out.push_back({from, i + 1 == parts ? range.until : from + step});
  }
  return out;
}

Result<std::optional<Timestamp>> PagerDutyImporter::FirstAckOf(Run& run,
                                                               const std::string& incident_id,
                                                               Timestamp created_at) {
  // Within six months of creation, so the range is one the API accepts.
  const Range range{created_at, std::max(created_at + std::chrono::minutes(1),
                                         std::min(created_at + kMaxWindow, run.log_until))};
  int64_t parts = 2;
  auto entries =
      FetchPages<PdLogEntry>(run, "/incidents/" + incident_id + "/log_entries", {}, range, parts);
  if (!entries.ok()) return entries.error();
  std::unordered_map<std::string, Timestamp> acks;
  if (entries->has_value()) EarliestAck(acks, **entries);
  auto it = acks.find(incident_id);
  if (it == acks.end()) return std::optional<Timestamp>{};
  return std::optional<Timestamp>(it->second);
}

Status PagerDutyImporter::ImportWindow(Run& run, Range range) {
  int64_t parts = 2;
  auto fetched = FetchPages<PdIncident>(run, "/incidents", {}, range, parts);
  if (!fetched.ok()) return fetched.error();
  if (!fetched->has_value()) {
    auto pieces = Split(range, parts);
    if (!pieces.ok()) return pieces.error();
    run.shown.windows_total += static_cast<int>(pieces->size()) - 1;  // one became several
    for (const Range& piece : *pieces) RETURN_IF_ERROR(ImportWindow(run, piece));
    return OkStatus();
  }
  std::vector<PdIncident>& incidents = **fetched;
  // The same incident can come on two pages (and at a window's edge, in two windows).
  std::sort(incidents.begin(), incidents.end(),
            [](const PdIncident& a, const PdIncident& b) { return a.id < b.id; });
  incidents.erase(
      std::unique(incidents.begin(), incidents.end(),
                  [](const PdIncident& a, const PdIncident& b) { return a.id == b.id; }),
      incidents.end());

  // Log entries are fetched once per stretch of time: windows go oldest first, and the
  // part of this window's range that the previous window's horizon covered is known.
  if (!incidents.empty()) {
    const Timestamp from = std::max(range.since, run.log_covered.value_or(range.since));
    const Timestamp to = std::min(range.until + kAckHorizon, run.log_until);
    if (from < to) {
      auto entries = FetchLogEntries(run, {from, to});
      if (!entries.ok()) return entries.error();
      EarliestAck(run.acks, *entries);
      run.log_covered = to;
    }
  }
  const auto& acks = run.acks;
  std::vector<Incident> mapped;
  mapped.reserve(incidents.size());
  for (const auto& in : incidents) {
    std::optional<Timestamp> ack;
    if (auto it = acks.find(in.id); it != acks.end()) {
      ack = it->second;
    } else if (in.status == "acknowledged") {
      // Acknowledged after the bulk range: ask for this one incident's entries.
      auto first = FirstAckOf(run, in.id, in.created_at);
      if (!first.ok()) return first.error();
      ack = *first;
    }
    mapped.push_back(MapIncident(in, mapping_, ack));
  }

  // The cursor moves only over contiguous imported time, in the same batch as the data.
  std::vector<store::RecordWrite> extra;
  std::string cursor_text;
  const bool contiguous = !run.cursor || range.since <= *run.cursor;
  if (contiguous && (!run.cursor || range.until > *run.cursor)) {
    cursor_text = FormatRfc3339(range.until);
    extra.push_back({store::Family::kMeta, kCursorKey, cursor_text});
  }
  auto counts = incidents_.Upsert(mapped, extra);
  if (!counts.ok()) return counts.error();
  if (!cursor_text.empty()) run.cursor = range.until;
  run.summary.counts += *counts;
  run.summary.fetched += static_cast<int64_t>(incidents.size());
  ++run.summary.windows;
  ++run.shown.windows_done;
  Report(run);
  return OkStatus();
}

Result<ImportSummary> PagerDutyImporter::Import(Timestamp since, Timestamp until,
                                                const ProgressFn& progress) {
  const Timestamp now = clock_.Now();
  until = std::min(until, now);
  if (since >= until) {
    return MakeError(
        ErrorCode::kInvalidInput,
        "since (" + FormatRfc3339(since) + ") must be before until (" + FormatRfc3339(until) + ")");
  }
  Run run;
  run.summary.since = since;
  run.summary.until = until;
  run.progress = progress;
  run.started = clock_.Monotonic();
  run.log_until = now;
  const auto stats = client_.stats();
  run.requests_before = stats.requests;
  run.rate_limited_before = stats.rate_limited;
  auto cursor = Cursor();
  if (!cursor.ok()) return cursor.error();
  run.cursor = *cursor;

  std::vector<Range> windows;
  for (Timestamp t = since; t < until; t += kMaxWindow) {
    windows.push_back({t, std::min(t + kMaxWindow, until)});
  }
  run.shown.windows_total = static_cast<int>(windows.size());
  Report(run);
  for (const Range& w : windows) {
    RETURN_IF_ERROR(ImportWindow(run, w));
  }
  Report(run);
  return run.summary;
}

Status PagerDutyImporter::Refetch(Run& run, const Incident& stored) {
  constexpr std::string_view kPrefix = "pagerduty:";
  if (stored.id.rfind(kPrefix, 0) != 0) return OkStatus();
  const std::string native = stored.id.substr(kPrefix.size());
  RETURN_IF_ERROR(CheckCancelled());
  auto reply = client_.Get("/incidents/" + native, {});
  if (!reply.ok()) return reply.error();
  if (reply->status == 404) {
    // Deleted, or merged into another incident: keep what we have and say so.
    if (run.summary.problems.size() < kMaxProblems) {
      run.summary.problems.push_back("incident " + native + " no longer exists in PagerDuty");
    }
    return OkStatus();
  }
  if (reply->status != 200) {
    return MakeError(ErrorCode::kUnavailable,
                     ReplyError("PagerDuty GET /incidents/" + native, *reply));
  }
  auto incident = ParsePagerDutyIncident(reply->body, "GET /incidents/" + native);
  if (!incident.ok()) {
    ++run.summary.skipped;
    if (run.summary.problems.size() < kMaxProblems) {
      run.summary.problems.push_back(incident.error().message);
    }
    return OkStatus();
  }
  std::optional<Timestamp> ack = stored.acknowledged_at;
  if (!ack && incident->status != "triggered") {
    auto first = FirstAckOf(run, native, incident->created_at);
    if (!first.ok()) return first.error();
    ack = *first;
  }
  const Incident mapped = MapIncident(*incident, mapping_, ack);
  auto counts = incidents_.Upsert(std::span<const Incident>(&mapped, 1));
  if (!counts.ok()) return counts.error();
  run.summary.counts += *counts;
  ++run.summary.refetched;
  Report(run);
  return OkStatus();
}

Result<ImportSummary> PagerDutyImporter::Sync(Duration lookback, const ProgressFn& progress) {
  auto cursor = Cursor();
  if (!cursor.ok()) return cursor.error();
  const Timestamp now = clock_.Now();
  const Timestamp since = *cursor ? **cursor - kSyncOverlap : now - lookback;
  auto summary = Import(std::min(since, now - std::chrono::minutes(1)), now, progress);
  if (!summary.ok()) return summary;

  // Incidents still open in our store may have been acknowledged or resolved since.
  auto unresolved = incidents_.ListUnresolved();
  if (!unresolved.ok()) return unresolved.error();
  Run run;
  run.summary = std::move(*summary);
  run.progress = progress;
  run.started = clock_.Monotonic();
  run.log_until = now;
  const auto stats = client_.stats();
  run.requests_before = stats.requests - run.summary.requests;
  run.rate_limited_before = stats.rate_limited - run.summary.rate_limited;
  // Ones this import just fetched (created since the cursor) are already current.
  std::vector<Incident> stale;
  for (auto& incident : *unresolved) {
    if (incident.created_at < since) stale.push_back(std::move(incident));
  }
  for (const auto& incident : stale) RETURN_IF_ERROR(Refetch(run, incident));
  Report(run);
  return run.summary;
}

}  // namespace steadystate::incidents::pagerduty
