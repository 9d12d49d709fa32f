// `steadystate attack run`: records a chaos attack window around a command.
//
// The window is started before the command runs (so nothing runs unrecorded), the command
// runs in its own process group with stdio passed through, and the window ends when the
// command exits, with its exit status (128+signal when killed), outcome (completed for 0,
// failed otherwise, halted when we stopped it) and steady state.
//
// --halt-on-breach polls the daemon's /api/v1/steady-state for the named services; on a
// 503 it sends SIGTERM to the whole process group, then SIGKILL after the grace period,
// and records `halted` with the reason from the answer. SIGINT/SIGTERM/SIGHUP to us do
// the same with the reason "interrupted". Waiting uses signalfd + poll timeouts measured
// on the injected Clock; nothing sleeps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/stop_signal.h"

namespace steadystate::chaos {

// Where windows are recorded and steady state is read: the daemon's API, or the store.
class AttackBackend {
 public:
  virtual ~AttackBackend() = default;
  virtual Result<Attack> Start(const Attack& attack) = 0;
  // `interrupted` is raised when the user interrupts (Ctrl-C, SIGTERM, SIGHUP) while the
  // end is being recorded: a backend that retries stops and returns kUnavailable, so the
  // end goes to Defer at once.
  virtual Result<Attack> End(const std::string& id, const AttackEnd& end,
                             const StopSignal& interrupted) = 0;
  // nullopt while the services hold their steady state, else why not. Errors are
  // transient (the daemon did not answer): the runner warns and keeps going.
  virtual Result<std::optional<std::string>> Breach(const std::vector<std::string>& services) = 0;
  // Keeps an end that End could not record (kUnavailable: the daemon stayed away) for
  // later, and says where, or how the user records it. Default: nowhere.
  virtual Result<std::string> Defer(const std::string& /*id*/, const AttackEnd&) {
    return MakeError(ErrorCode::kUnavailable, "nowhere to keep it");
  }
};

struct AttackRunOptions {
  Attack attack;  // type, targets, services, name, reproduces, created_by, owner
  std::vector<std::string> command;
  bool halt_on_breach = false;
  Duration check_interval = std::chrono::seconds(1);
  Duration grace = std::chrono::seconds(10);
};

struct AttackRunResult {
  int exit_status = 0;           // what `steadystate attack run` exits with
  std::optional<Attack> attack;  // the recorded window, if recording worked
};

// Runs the attack. Messages for the user go to stderr. Usage errors return exit 2 before
// anything starts; a failure to record the start returns 1 without running the command.
// Once the command ran, the exit status is the command's, whether or not its end could be
// recorded: an end the backend could not record (the daemon went away) goes to Defer, and
// any other failure to record it is reported on stderr.
AttackRunResult RunAttack(const AttackRunOptions& options, AttackBackend& backend,
                          const Clock& clock);

// The reason a /api/v1/steady-state 503 body gives: "www: slo availability: ...; db: ...".
std::string BreachReason(const std::string& body);

}  // namespace steadystate::chaos
