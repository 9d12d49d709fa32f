// ChaosService: the daemon's side of chaos attack windows (docs/chaos.md).
//
//   - announcements: every window start, end and halt goes to chaos.announce's notifiers
//   - steady state: a window that ends without one is judged from its services' probes
//   - late ends: ends `attack run` left in the data directory's pending-ends journal
//     (chaos/pending_attack_ends.h) are recorded at start and before every sweep below
//   - abandoned windows: at start after a crash (the previous daemon left its "running"
//     marker in meta) every running window whose owner is not a live local process is
//     closed as `abandoned`; then every 30s, windows open longer than
//     chaos.max_attack_duration, or whose local owner process is gone, are too
//   - imports: POST /api/v1/import/chaostoolkit, POST /api/v1/import/gremlin, the watched
//     chaostoolkit journal_dir and the periodic Gremlin sync
//
// Runs its own Scheduler thread, because a Gremlin sync may block in retry backoff.
// Construct after the store, attack log and notifications; Start() before the HTTP server
// serves; Stop() before they go. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/stop_signal.h"
#include "config/config.h"
#include "http/server.h"
#include "notify/notifications.h"
#include "store/store.h"

namespace steadystate::chaos {

// "held" when every probe of the attack's services in [start, end] succeeded, "broken"
// when one failed, "unknown" without probes (or without services).
std::string JudgeSteadyState(const store::Store& store, const Attack& attack);

// "cpu attack on web-1 started by alice, expected 5m", "... completed", "... halted: why".
std::string AnnouncementText(const Attack& attack, AttackEvent event);

// True when the attack's owner ("pid@host") is a process on `hostname` that is gone.
bool OwnerGone(const Attack& attack, const std::string& hostname);

// This machine's host name (the default attack target).
std::string LocalHostname();

// Reads and imports one journal file (the CLI and the journal_dir watcher). A file over
// `max_bytes` (chaos.max_journal_bytes) is an error naming it and the limit, and no more
// than max_bytes + 1 bytes of it are read.
Result<AttackLog::ImportResult> ImportJournalFile(AttackLog& attacks, const std::string& path,
                                                  std::string_view type_override,
                                                  uint64_t max_bytes);

// Fetches Gremlin attacks in [since, until) plus the active ones and imports them.
struct GremlinImportStats {
  int fetched = 0;
  int created = 0;
  int updated = 0;
};
Result<GremlinImportStats> ImportGremlin(AttackLog& attacks,
                                         const config::GremlinSourceConfig& source,
                                         const HttpClient& http, const Clock& clock,
                                         Timestamp since, Timestamp until,
                                         const StopSignal* stop = nullptr);

class ChaosService {
 public:
  // `stop` (may be null; must outlive this) ends a Gremlin sync's HTTP exchange or retry
  // wait early at shutdown.
  ChaosService(config::ChaosConfig config, store::Store& store, AttackLog& attacks,
               notify::Notifications& notifications, const Clock& clock, std::string hostname,
               const StopSignal* stop = nullptr);
  ~ChaosService();
  ChaosService(const ChaosService&) = delete;
  ChaosService& operator=(const ChaosService&) = delete;

  // Routes for the HTTP server (before it starts).
  std::vector<http::ApiRoute> Routes();

  // Hooks the attack log, closes what a crash left open, starts the scheduler.
  Status Start();
  // Clean shutdown: stops the scheduler and removes the crash marker. When the store
  // refuses the delete (a full disk), an empty DATA/clean-stop.<pid> file records the clean
  // stop instead, and the next Start removes it and treats the stop as clean.
  void Stop();

 private:
  void OnAttackEvent(const Attack& attack, AttackEvent event);
  void RecordPendingEnds();
  void SweepAbandoned(bool after_crash);
  void PollJournals(const std::string& dir);
  void SyncGremlin(size_t index);
  http::ApiResponse ImportChaosToolkit(const http::ApiRequest& request);
  http::ApiResponse ImportGremlinNow(const http::ApiRequest& request);

  config::ChaosConfig config_;
  store::Store& store_;
  AttackLog& attacks_;
  notify::Notifications& notifications_;
  const Clock& clock_;
  std::string hostname_;
  const StopSignal* stop_;
  std::unique_ptr<HttpClient> http_;
  Scheduler scheduler_;
  bool started_ = false;

  std::mutex journals_mu_;
  // path -> "mtime:size" last imported (or last failed), so unchanged files are skipped.
  std::map<std::string, std::string> journals_seen_;
  std::mutex gremlin_mu_;  // one Gremlin sync at a time
};

}  // namespace steadystate::chaos
