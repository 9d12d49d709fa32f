// Attack: one chaos attack window (DESIGN.md §3), and AttackLog, which records windows
// durably in the store. Windows are few (thousands), so they are stored as JSON records
// keyed by id; ids sort by start time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "store/store.h"

namespace steadystate::chaos {

// One action of an imported experiment (a Chaos Toolkit run[] record), kept so a report
// can show what the window consisted of.
struct AttackStep {
  std::string name;
  std::string type;  // action | probe
  std::optional<Timestamp> start;
  std::optional<Timestamp> end;
  std::string status;  // succeeded | failed | ...
  friend bool operator==(const AttackStep&, const AttackStep&) = default;
};

struct Attack {
  std::string id;
  std::string source = "api";  // cli, api, chaostoolkit, gremlin, ...
  std::string source_id;
  std::string type = "other";  // cpu, memory, io, ..., other
  std::vector<std::string> targets;
  std::vector<std::string> services;
  Timestamp start;
  std::optional<Timestamp> end;
  std::string created_by;
  std::string name;
  std::string outcome = "running";       // running, completed, halted, failed, abandoned
  std::string steady_state = "unknown";  // held, broken, unknown
  std::string halted_reason;
  std::vector<std::string> reproduces;
  // Fields beyond DESIGN.md §3, after `reproduces` in JSON (not in CSV):
  std::optional<Duration> expected_duration;  // how long the caller said it would run
  std::optional<int> exit_status;  // `attack run`: the command's exit status (128+signal)
  // "pid@host" of the process that will end the window (`attack run`); empty when the
  // caller is not a local process. Lets the daemon tell a live window from an orphan.
  std::string owner;
  std::vector<AttackStep> steps;

  friend bool operator==(const Attack&, const Attack&) = default;
};

// The closed sets of DESIGN.md §3.
bool IsAttackType(std::string_view type);
bool IsAttackOutcome(std::string_view outcome);
bool IsSteadyState(std::string_view steady_state);

// JSON in the field order of DESIGN.md §6. Absent values are null.
std::string AttackToJson(const Attack& attack);
// Parses a stored record or an API body; errors name the field.
Result<Attack> AttackFromJson(std::string_view json);

// A JSON array of AttackToJson objects, and the CSV export (a header row, then one row per
// attack; lists joined with ';'), as GET /api/v1/attacks and `attacks list` print them.
std::string AttacksJson(const std::vector<Attack>& attacks);
std::string AttacksCsv(const std::vector<Attack>& attacks);

// What a caller may set when starting a window (POST /api/v1/attacks).
// Unknown fields, a bad type, or bad instants are errors that name the field.
Result<Attack> ParseAttackStart(std::string_view json_body);

struct AttackEnd {
  std::string outcome = "completed";
  std::optional<Timestamp> end;  // default: now
  std::string steady_state;      // empty: keep
  std::string halted_reason;
  std::optional<int> exit_status;
  // When the fault really began, if later than the recorded start: `attack run` records the
  // window before it spawns the command (so nothing runs unrecorded) and sends the spawn
  // time here. Never moves the start earlier, nor past the end.
  std::optional<Timestamp> start;
};
Result<AttackEnd> ParseAttackEnd(std::string_view json_body);

// What happened to a window, for observers (announcements, metrics).
enum class AttackEvent { kStarted, kEnded };

// An id that sorts by `start` like AttackLog's ids, but is the same for the same
// (source, source_id): 10 Crockford base32 chars of start ms, 16 of a hash.
std::string DerivedAttackId(Timestamp start, std::string_view source, std::string_view source_id);

// Records attack windows in the store's attacks family with synced writes: once a
// method returns OK, the window survives kill -9. Thread-safe, provided the hooks are set
// before the log is shared between threads.
class AttackLog {
 public:
  // Called after a window was durably started or ended (not for imports of windows that
  // were already over, nor for re-imports that change nothing). Runs on the caller's thread.
  using Observer = std::function<void(const Attack&, AttackEvent)>;
  // Judges steady_state for a window that ends without one: "held", "broken" or "unknown".
  using SteadyStateJudge = std::function<std::string(const Attack&)>;

  AttackLog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  void SetObserver(Observer observer) { observer_ = std::move(observer); }
  void SetSteadyStateJudge(SteadyStateJudge judge) { judge_ = std::move(judge); }

  // Assigns an id (and start = now when unset) and stores the window.
  Result<Attack> Start(Attack attack);
  // Ends a running window, or corrects a window with an owner (`attack run`) that the
  // daemon closed as `abandoned` with the owner's real end (any other outcome). Without a
  // steady_state in `end`, the judge (if any) decides.
  Result<Attack> End(std::string_view id, const AttackEnd& end);

  struct ImportResult {
    Attack attack;
    bool created = false;
    bool changed = false;  // created, or an existing window's fields differ
  };
  // Stores a window from another tool (source + source_id identify it). The first import
  // gets an id derived from start, source and source_id; a later import of the same
  // (source, source_id) keeps the id and rewrites the record only if something changed,
  // so re-importing the same journal or Gremlin attack is a no-op.
  Result<ImportResult> Import(Attack attack);

  // Closes running windows as `abandoned`: those open longer than `max_duration`, and
  // those for which `orphaned` returns true (their owner is gone). How long a window has
  // been open is measured on the monotonic clock, so a wall-clock step neither closes a
  // young window nor keeps an old one: from Start in this process, or, for a window this
  // process did not start (a restart, an import), from its wall-clock start read once when
  // CloseAbandoned first sees it. End = start + min(time open, max_duration), which is
  // min(now, start + max_duration) while the wall clock keeps time. Returns the windows it
  // closed.
  Result<std::vector<Attack>> CloseAbandoned(Duration max_duration,
                                             const std::function<bool(const Attack&)>& orphaned);
  Result<std::optional<Attack>> Get(std::string_view id) const;
  // Windows overlapping [since, until), ordered by start.
  Result<std::vector<Attack>> List(std::optional<Timestamp> since,
                                   std::optional<Timestamp> until) const;
  struct Page {
    std::vector<Attack> attacks;
    std::optional<std::string> next;  // the id to resume after; unset on the last page
  };
  // At most `limit` (> 0) windows overlapping [since, until), in id order (which is start
  // order, as ids sort by the start they were given), after the id `after` (empty: from
  // the first). Each page reads the store from `after` on, so reading page after page
  // returns every window that exists throughout the reading exactly once.
  Result<Page> ListPage(std::optional<Timestamp> since, std::optional<Timestamp> until,
                        std::string_view after, size_t limit) const;

 private:
  std::string NewId(Timestamp start);
  void Notify(const Attack& attack, AttackEvent event) const {
    if (observer_) observer_(attack, event);
  }

  store::Store& store_;
  const Clock& clock_;
  Observer observer_;
  SteadyStateJudge judge_;
  std::mutex import_mu_;  // one import at a time, so two imports cannot create twins
  std::mutex monotonic_mu_;
  // Running windows' starts on the monotonic clock (see CloseAbandoned), by id.
  std::map<std::string, MonotonicTime, std::less<>> started_monotonic_;
};

}  // namespace steadystate::chaos
