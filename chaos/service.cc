#include "chaos/service.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chaos/chaostoolkit.h"
#include "chaos/gremlin.h"
#include "chaos/pending_attack_ends.h"
#include "collector/probe/probe_result.h"
#include "common/read_capped.h"
#include "common/time.h"

namespace steadystate::chaos {
namespace {

// Present in meta while a daemon runs; found at start, it means the last one crashed.
constexpr std::string_view kRunningMarker = "chaos/daemon_running";
constexpr auto kSweepInterval = std::chrono::seconds(30);
constexpr auto kJournalPollInterval = std::chrono::seconds(5);
// The first Gremlin sync (no cursor yet) looks back this far.
constexpr auto kGremlinFirstLookback = std::chrono::days(7);
// Later syncs re-read this much before the cursor: Gremlin may list an attack a little
// after its start time, and re-imports are no-ops.
constexpr auto kGremlinOverlap = std::chrono::hours(1);

std::string Targets(const Attack& a) {
  if (a.targets.empty()) return "";
  std::string out = " on ";
  for (size_t i = 0; i < a.targets.size(); ++i) {
    if (i > 0) out += ", ";
    out += a.targets[i];
  }
  return out;
}

// The file a clean stop leaves when the store cannot clear the running marker of `pid`.
std::string CleanStopFile(const std::string& data_dir, const std::string& pid) {
  return (std::filesystem::path(data_dir) / ("clean-stop." + pid)).string();
}

std::string GremlinCursorKey(const config::GremlinSourceConfig& source) {
  return "chaos/gremlin/" + (source.team_id.empty() ? std::string("default") : source.team_id) +
         "/cursor";
}

}  // namespace

std::string LocalHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string JudgeSteadyState(const store::Store& store, const Attack& attack) {
  if (attack.services.empty() || !attack.end) return "unknown";
  auto series = store.ListSeries();
  if (!series.ok()) return "unknown";
  bool any = false;
  bool failed = false;
  for (const auto& service : attack.services) {
    const std::string name = collector::ProbeSeriesName(service);
    for (const auto& [series_name, id] : *series) {
      if (series_name != name) continue;
      // Inclusive end: a probe in the window's last millisecond counts.
      auto scanned = store.ScanEvents(
          store::Family::kProbe, id, attack.start, *attack.end + std::chrono::milliseconds(1),
          [&](Timestamp time, std::string_view payload) {
            auto result = collector::ParseProbeResult(payload, service, time);
            if (!result.ok()) return;
            any = true;
            if (!result->success) failed = true;
          });
      if (!scanned.ok()) return "unknown";
    }
  }
  if (failed) return "broken";
  return any ? "held" : "unknown";
}

std::string AnnouncementText(const Attack& a, AttackEvent event) {
  std::string text = a.type + " attack" + Targets(a);
  if (event == AttackEvent::kStarted) {
    text += " started";
    if (!a.created_by.empty()) text += " by " + a.created_by;
    if (a.expected_duration) text += ", expected " + FormatDuration(*a.expected_duration);
  } else if (a.outcome == "halted") {
    text += " halted" + (a.halted_reason.empty() ? "" : ": " + a.halted_reason);
  } else {
    text += " " + a.outcome;
    if (a.outcome == "failed" && a.exit_status) {
      text += " (exit status " + std::to_string(*a.exit_status) + ")";
    }
    if (a.outcome == "abandoned" && !a.halted_reason.empty()) text += ": " + a.halted_reason;
  }
  if (event == AttackEvent::kEnded && a.steady_state != "unknown") {
    text += ", steady state " + a.steady_state;
  }
  text += " [" + a.id + (a.name.empty() ? "" : " \"" + a.name + "\"") + "]";
  return text;
}

bool OwnerGone(const Attack& a, const std::string& hostname) {
  const size_t at = a.owner.find('@');
  if (at == std::string::npos || a.owner.substr(at + 1) != hostname) return false;
  int pid = 0;
  try {
    pid = std::stoi(a.owner.substr(0, at));
  } catch (const std::exception&) {
    return false;
  }
  if (pid <= 0) return false;
  return kill(pid, 0) != 0 && errno == ESRCH;
}

Result<AttackLog::ImportResult> ImportJournalFile(AttackLog& attacks, const std::string& path,
                                                  std::string_view type_override,
                                                  uint64_t max_bytes) {
  auto text = ReadFileCapped(path, max_bytes, "chaos.max_journal_bytes");
  if (!text.ok()) return text.error();
  auto attack = ParseChaosToolkitJournal(*text, type_override);
  if (!attack.ok()) return MakeError(attack.error().code, path + ": " + attack.error().message);
  return attacks.Import(std::move(*attack));
}

Result<GremlinImportStats> ImportGremlin(AttackLog& attacks,
                                         const config::GremlinSourceConfig& source,
                                         const HttpClient& http, const Clock& clock,
                                         Timestamp since, Timestamp until, const StopSignal* stop) {
  auto key = config::ResolveSecret(source.api_key);
  if (!key.ok()) return MakeError(key.error().code, "gremlin api_key: " + key.error().message);
  GremlinClientOptions options;
  options.base_url = source.base_url;
  options.team_id = source.team_id;
  options.stop = stop;
  GremlinClient client(options, *key, http, clock);
  auto range = client.FetchRange(since, until);
  if (!range.ok()) return range.error();
  auto active = client.FetchActive();
  if (!active.ok()) return active.error();
  GremlinImportStats stats;
  // Active last: an attack listed by both is running now, whatever the range said.
  for (auto* list : {&*range, &*active}) {
    for (auto& a : *list) {
      ++stats.fetched;
      auto imported = attacks.Import(std::move(a));
      if (!imported.ok()) return imported.error();
      if (imported->created) {
        ++stats.created;
      } else if (imported->changed) {
        ++stats.updated;
      }
    }
  }
  return stats;
}

ChaosService::ChaosService(config::ChaosConfig config, store::Store& store, AttackLog& attacks,
                           notify::Notifications& notifications, const Clock& clock,
                           std::string hostname, const StopSignal* stop)
    : config_(std::move(config)),
      store_(store),
      attacks_(attacks),
      notifications_(notifications),
      clock_(clock),
      hostname_(std::move(hostname)),
      stop_(stop),
      http_(NewCurlHttpClient(stop)),
      scheduler_(clock) {}

ChaosService::~ChaosService() { Stop(); }

std::vector<http::ApiRoute> ChaosService::Routes() {
  std::vector<http::ApiRoute> routes;
  http::ApiRoute toolkit;
  toolkit.method = http::ApiRoute::Method::kPost;
  toolkit.pattern = "/api/v1/import/chaostoolkit";
  toolkit.write = true;
  toolkit.handler = [this](const http::ApiRequest& r) { return ImportChaosToolkit(r); };
  routes.push_back(std::move(toolkit));
  http::ApiRoute gremlin;
  gremlin.method = http::ApiRoute::Method::kPost;
  gremlin.pattern = "/api/v1/import/gremlin";
  gremlin.write = true;
  gremlin.handler = [this](const http::ApiRequest& r) { return ImportGremlinNow(r); };
  routes.push_back(std::move(gremlin));
  return routes;
}

Status ChaosService::Start() {
  attacks_.SetSteadyStateJudge([this](const Attack& a) { return JudgeSteadyState(store_, a); });
  attacks_.SetObserver([this](const Attack& a, AttackEvent event) { OnAttackEvent(a, event); });
  auto marker = store_.GetMeta(kRunningMarker);
  if (!marker.ok()) return marker.error();
  bool after_crash = marker->has_value();
  if (after_crash) {
    // The previous daemon stopped cleanly but could not clear its marker (a full disk).
    const std::string clean_stop = CleanStopFile(store_.path(), **marker);
    std::error_code ec;
    if (std::filesystem::remove(clean_stop, ec)) after_crash = false;
  }
  if (after_crash) {
    spdlog::warn(
        "the previous steadystate (pid {}) did not stop cleanly: closing the attack "
        "windows it left open",
        **marker);
  }
  SweepAbandoned(after_crash);
  RETURN_IF_ERROR(store_.PutMeta(kRunningMarker, std::to_string(getpid())));

  scheduler_.Every(
      "chaos-abandoned", kSweepInterval, [this] { SweepAbandoned(false); }, kSweepInterval);
  for (size_t i = 0; i < config_.sources.size(); ++i) {
    const auto& source = config_.sources[i];
    if (source.kind == config::ChaosSourceKind::kChaosToolkit) {
      const std::string dir = source.chaostoolkit.journal_dir;
      scheduler_.Every("chaostoolkit-" + std::to_string(i), kJournalPollInterval,
                       [this, dir] { PollJournals(dir); });
    } else {
      scheduler_.Every("gremlin-" + std::to_string(i), source.gremlin.sync_interval,
                       [this, i] { SyncGremlin(i); });
    }
  }
  scheduler_.Start();
  started_ = true;
  return OkStatus();
}

void ChaosService::Stop() {
  scheduler_.Stop();
  if (!started_) return;
  started_ = false;
  if (auto s = store_.DeleteRecord(store::Family::kMeta, kRunningMarker); !s.ok()) {
    // An empty file needs no free blocks, only an inode: the next start finds it and
    // knows this stop was clean, so it keeps the running windows running.
    const std::string clean_stop = CleanStopFile(store_.path(), std::to_string(getpid()));
    const int fd = open(clean_stop.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
      fsync(fd);
      close(fd);
      spdlog::warn("cannot clear the running marker ({}); recorded the clean stop in {}",
                   s.error().message, clean_stop);
    } else {
      spdlog::warn(
          "cannot clear the running marker ({}) nor create {}: the next start treats this "
          "stop as a crash",
          s.error().message, clean_stop);
    }
  }
}

void ChaosService::OnAttackEvent(const Attack& a, AttackEvent event) {
  if (config_.announce.empty()) return;
  const Timestamp at = event == AttackEvent::kStarted ? a.start : a.end.value_or(a.start);
  notifications_.Announce(config_.announce, a.id, at, AnnouncementText(a, event), AttackToJson(a));
}

void ChaosService::RecordPendingEnds() {
  // Ends `attack run` could not send while this daemon was away: before any window is
  // judged abandoned, so a completed attack never turns into an abandoned one.
  auto recorded = ApplyPendingAttackEnds(
      store_.path(),
      [this](const std::string& id, const AttackEnd& end) { return attacks_.End(id, end); });
  if (!recorded.ok()) spdlog::warn("pending attack ends: {}", recorded.error().message);
}

void ChaosService::SweepAbandoned(bool after_crash) {
  RecordPendingEnds();
  auto closed = attacks_.CloseAbandoned(config_.max_attack_duration, [&](const Attack& a) {
    if (OwnerGone(a, hostname_)) return true;
    if (!after_crash) return false;
    // After a crash, only a window whose owner is a live local process is still watched.
    const size_t at = a.owner.find('@');
    const bool local_owner = at != std::string::npos && a.owner.substr(at + 1) == hostname_;
    return !local_owner;
  });
  if (!closed.ok()) {
    spdlog::warn("closing abandoned attack windows failed: {}", closed.error().message);
    return;
  }
  for (const auto& a : *closed) {
    spdlog::warn("attack {} ({}) abandoned: {}; window closed at {}", a.id, a.type, a.halted_reason,
                 FormatRfc3339(*a.end));
  }
}

void ChaosService::PollJournals(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    spdlog::debug("chaostoolkit journal_dir {}: {}", dir, ec.message());
    return;
  }
  std::lock_guard lock(journals_mu_);
  for (const auto& entry : it) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".json") continue;
    const auto mtime = entry.last_write_time(ec);
    if (ec) continue;
    const std::string stamp = std::to_string(mtime.time_since_epoch().count()) + ":" +
                              std::to_string(entry.file_size(ec));
    const std::string path = entry.path().string();
    auto& seen = journals_seen_[path];
    if (seen == stamp) continue;
    seen = stamp;
    auto imported = ImportJournalFile(attacks_, path, "", config_.max_journal_bytes);
    if (!imported.ok()) {
      // A journal still being written fails to parse; its next change retries it.
      spdlog::warn("chaostoolkit journal {}", imported.error().message);
    } else if (imported->changed) {
      spdlog::info("imported chaostoolkit journal {} as attack {}", path, imported->attack.id);
    }
  }
}

void ChaosService::SyncGremlin(size_t index) {
  std::lock_guard lock(gremlin_mu_);
  const auto& source = config_.sources[index].gremlin;
  const std::string cursor_key = GremlinCursorKey(source);
  const Timestamp now = clock_.Now();
  Timestamp since = now - kGremlinFirstLookback;
  if (auto cursor = store_.GetMeta(cursor_key); cursor.ok() && cursor->has_value()) {
    if (auto t = ParseRfc3339(**cursor); t.ok()) since = *t - kGremlinOverlap;
  }
  // Windows still running here must be re-read until Gremlin says they ended.
  if (auto running = attacks_.List(std::nullopt, std::nullopt); running.ok()) {
    for (const auto& a : *running) {
      if (a.source == "gremlin" && a.outcome == "running" && a.start < since) since = a.start;
    }
  }
  auto stats = ImportGremlin(attacks_, source, *http_, clock_, since, now, stop_);
  if (!stats.ok()) {
    spdlog::warn("gremlin sync: {} (will retry; cursor not advanced)", stats.error().message);
    return;
  }
  if (auto s = store_.PutMeta(cursor_key, FormatRfc3339(now)); !s.ok()) {
    spdlog::warn("gremlin sync: cannot save the cursor: {}", s.error().message);
  }
  if (stats->created + stats->updated > 0) {
    spdlog::info("gremlin sync: {} attacks read, {} new, {} updated", stats->fetched,
                 stats->created, stats->updated);
  }
}

http::ApiResponse ChaosService::ImportChaosToolkit(const http::ApiRequest& request) {
  auto attack = ParseChaosToolkitJournal(request.body, request.Param("type"));
  if (!attack.ok()) return http::ApiResponse::FromError(attack.error());
  auto imported = attacks_.Import(std::move(*attack));
  if (!imported.ok()) return http::ApiResponse::FromError(imported.error());
  nlohmann::ordered_json j;
  j["id"] = imported->attack.id;
  j["created"] = imported->created;
  j["changed"] = imported->changed;
  j["attack"] = nlohmann::ordered_json::parse(AttackToJson(imported->attack));
  return http::ApiResponse::Json(imported->created ? 201 : 200, j.dump());
}

http::ApiResponse ChaosService::ImportGremlinNow(const http::ApiRequest& request) {
  auto since = http::TimeParam(request, "since");
  if (!since.ok()) return http::ApiResponse::FromError(since.error());
  auto until = http::TimeParam(request, "until");
  if (!until.ok()) return http::ApiResponse::FromError(until.error());
  const config::GremlinSourceConfig* source = nullptr;
  for (const auto& s : config_.sources) {
    if (s.kind == config::ChaosSourceKind::kGremlin) {
      source = &s.gremlin;
      break;
    }
  }
  if (source == nullptr) {
    return http::ApiResponse::Error(400, "no gremlin source is configured (chaos.sources)");
  }
  const Timestamp now = clock_.Now();
  std::lock_guard lock(gremlin_mu_);
  auto stats =
      ImportGremlin(attacks_, *source, *http_, clock_, since->value_or(now - kGremlinFirstLookback),
                    until->value_or(now), stop_);
  if (!stats.ok()) return http::ApiResponse::FromError(stats.error());
  nlohmann::ordered_json j;
  j["fetched"] = stats->fetched;
  j["created"] = stats->created;
  j["updated"] = stats->updated;
  return http::ApiResponse::Json(200, j.dump());
}

}  // namespace steadystate::chaos
