#include "chaos/attack_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <thread>

namespace steadystate::chaos {
namespace {

using Ms = std::chrono::milliseconds;

int ExitStatusOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

// The signals we take through the signalfd, blocked while the command runs.
sigset_t RunSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  return set;
}

// Restores the signal mask and the terminal's foreground group however we leave.
class SignalGuard {
 public:
  SignalGuard() {
    sigset_t set = RunSignals();
    sigprocmask(SIG_BLOCK, &set, &old_);
    fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~SignalGuard() {
    if (fd_ >= 0) close(fd_);
    sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  int fd() const { return fd_; }
  const sigset_t& old_mask() const { return old_; }

 private:
  sigset_t old_;
  int fd_ = -1;
};

bool IsForegroundTty() { return isatty(STDIN_FILENO) == 1 && tcgetpgrp(STDIN_FILENO) == getpgrp(); }

void GiveTerminalTo(pid_t pgid) {
  // Changing the foreground group from a background group raises SIGTTOU: ignore it here.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGTTOU, &ignore, &previous);
  tcsetpgrp(STDIN_FILENO, pgid);
  sigaction(SIGTTOU, &previous, nullptr);
}

// fork + exec in a new process group. Returns the pid, or an error if exec failed (read
// back through a close-on-exec pipe, so "no such file" is reported, not exit 127).
Result<pid_t> Spawn(const std::vector<std::string>& command, const sigset_t& child_mask,
                    bool foreground) {
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return MakeError(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    setpgid(0, 0);
    if (foreground) GiveTerminalTo(getpid());
    sigprocmask(SIG_SETMASK, &child_mask, nullptr);
    execvp(argv[0], argv.data());
    const int err = errno;
    (void)!write(pipe_fds[1], &err, sizeof err);
    _exit(127);
  }
  close(pipe_fds[1]);
  setpgid(pid, pid);  // also in the parent: whichever runs first wins, both agree
  if (foreground) GiveTerminalTo(pid);
  int err = 0;
  ssize_t n;
  do {
    n = read(pipe_fds[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    waitpid(pid, nullptr, 0);
    return MakeError(ErrorCode::kInvalidInput,
                     "cannot run \"" + command.front() + "\": " + std::strerror(err));
  }
  return pid;
}

// "Not scheduled", for deadlines (a sentinel rather than std::optional, on which g++ -O3
// reports false maybe-uninitialized warnings).
constexpr MonotonicTime kNever = MonotonicTime::max();

// poll()'s timeout until the earlier of two deadlines; -1 (wait) when neither is set.
int PollTimeoutMs(MonotonicTime now, MonotonicTime a, MonotonicTime b) {
  const MonotonicTime next = std::min(a, b);
  if (next == kNever) return -1;
  if (next <= now) return 0;
  const auto ms = std::chrono::ceil<Ms>(next - now).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

// Records the end; an interrupting signal read from `signal_fd` meanwhile (the command has
// exited, so it is ours) raises the backend's `interrupted`, which cuts its retries short.
Result<Attack> EndWhileWatchingSignals(AttackBackend& backend, const std::string& id,
                                       const AttackEnd& end, int signal_fd) {
  StopSignal interrupted;
  StopSignal recorded;
  std::thread watcher([&] {
    while (!recorded.stopped()) {
      pollfd pfd{signal_fd, POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(kStopCheckInterval.count())) <= 0) continue;
      signalfd_siginfo info{};
      while (read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo != SIGCHLD) interrupted.Stop();
      }
    }
  });
  auto ended = backend.End(id, end, interrupted);
  recorded.Stop();
  watcher.join();
  return ended;
}

}  // namespace

std::string BreachReason(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  // The strings of `object`'s "reasons" array, joined with `separator`.
  auto reasons = [](const nlohmann::json& object, std::string_view separator) {
    std::string out;
    if (!object.contains("reasons") || !object["reasons"].is_array()) return out;
    for (const auto& r : object["reasons"]) {
      if (r.is_string()) out += (out.empty() ? "" : std::string(separator)) + r.get<std::string>();
    }
    return out;
  };
  std::string reason = j.is_object() ? reasons(j, "; ") : "";
  if (j.is_object() && j.contains("services") && j["services"].is_array()) {
    for (const auto& s : j["services"]) {
      if (!s.is_object() || s.value("ok", true)) continue;
      const std::string why = reasons(s, ", ");
      const std::string line =
          s.value("name", std::string("?")) + (why.empty() ? ": steady state broken" : ": " + why);
      reason += (reason.empty() ? "" : "; ") + line;
    }
  }
  return reason.empty() ? "steady state broken" : reason;
}

namespace {

// One `attack run`, phase by phase: check, record the start, run the command (halting it on
// a breach or a signal), reap its process group, record the end.
class AttackRun {
 public:
  AttackRun(const AttackRunOptions& options, AttackBackend& backend, const Clock& clock)
      : options_(options), backend_(backend), clock_(clock) {}

  AttackRunResult Run() {
    if (auto refused = Preflight()) return Exit(*refused);
    signals_.emplace();  // from here on, signals reach the run through its signalfd
    if (signals_->fd() < 0) {
      std::cerr << "attack run: signalfd: " << std::strerror(errno) << "\n";
      return Exit(1);
    }
    if (auto refused = RecordStart()) return Exit(*refused);
    const bool foreground = IsForegroundTty();
    end_.start = clock_.Now();  // the fault begins now, a recorded-start round trip later
    auto spawned = Spawn(options_.command, signals_->old_mask(), foreground);
    if (!spawned.ok()) return RecordSpawnFailure(spawned.error());
    pid_ = *spawned;
    WaitForCommand();
    end_.end = clock_.Now();
    if (foreground) GiveTerminalTo(getpgrp());
    if (!halt_reason_.empty()) ReapGroup();
    SetOutcome();
    return RecordEnd();
  }

 private:
  static AttackRunResult Exit(int status) {
    AttackRunResult result;
    result.exit_status = status;
    return result;
  }

  // The exit status that refuses to start (a usage error, or steady state already broken).
  std::optional<int> Preflight() {
    if (options_.command.empty()) {
      std::cerr << "attack run: no command given (usage: attack run --type T -- COMMAND...)\n";
      return 2;
    }
    if (!options_.halt_on_breach) return std::nullopt;
    auto breach = backend_.Breach(options_.attack.services);
    if (!breach.ok()) {
      std::cerr << "attack run: --halt-on-breach: " << breach.error().message << "\n";
      return breach.error().code == ErrorCode::kInvalidInput ? 2 : 1;
    }
    if (*breach) {
      std::cerr << "attack run: steady state does not hold before the attack, not starting: "
                << **breach << "\n";
      return 1;
    }
    return std::nullopt;
  }

  std::optional<int> RecordStart() {
    Attack attack = options_.attack;
    attack.start = clock_.Now();
    auto started = backend_.Start(attack);
    if (!started.ok()) {
      std::cerr << "attack run: cannot record the attack window, not running the command: "
                << started.error().message << "\n";
      return started.error().code == ErrorCode::kInvalidInput ? 2 : 1;
    }
    id_ = started->id;
    std::cerr << "attack " << id_ << " started (" << started->type << ")\n";
    return std::nullopt;
  }

  AttackRunResult RecordSpawnFailure(const Error& error) {
    end_.end = clock_.Now();
    end_.outcome = "failed";
    end_.exit_status = 127;
    std::cerr << "attack run: " << error.message << "\n";
    AttackRunResult result = Exit(127);
    auto ended = EndWhileWatchingSignals(backend_, id_, end_, signals_->fd());
    if (ended.ok()) result.attack = *ended;
    return result;
  }

  void Halt(std::string reason) {
    if (!halt_reason_.empty()) return;
    halt_reason_ = std::move(reason);
    std::cerr << "attack " << id_ << ": halting: " << halt_reason_ << "\n";
    kill(-pid_, SIGTERM);
    kill_at_ = clock_.Monotonic() + options_.grace;
    next_check_ = kNever;
  }

  // Until the command (the group leader) has exited: signals halt it, the steady-state
  // check (with --halt-on-breach) halts it on a breach, the grace period ends in SIGKILL.
  void WaitForCommand() {
    if (options_.halt_on_breach) next_check_ = clock_.Monotonic() + options_.check_interval;
    while (!wait_status_) {
      pollfd pfd{signals_->fd(), POLLIN, 0};
      const int timeout = PollTimeoutMs(clock_.Monotonic(), next_check_, kill_at_);
      const int ready = poll(&pfd, 1, timeout);
      if (ready < 0 && errno != EINTR) break;
      signalfd_siginfo info{};
      while (read(signals_->fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const int sig = static_cast<int>(info.ssi_signo);
        if (sig != SIGCHLD) Halt("interrupted");
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        wait_status_ = status;
        break;
      }
      const MonotonicTime now = clock_.Monotonic();
      if (now >= kill_at_) {
        kill(-pid_, SIGKILL);
        kill_at_ = kNever;
      }
      if (now >= next_check_) CheckSteadyState();
    }
  }

  void CheckSteadyState() {
    auto breach = backend_.Breach(options_.attack.services);
    if (!breach.ok()) {
      std::cerr << "attack " << id_
                << ": steady-state check failed (will retry): " << breach.error().message << "\n";
    } else if (*breach) {
      breached_ = true;
      Halt(**breach);
    }
    if (halt_reason_.empty()) next_check_ = clock_.Monotonic() + options_.check_interval;
  }

  // A halted command's children go with it: waits out the grace period for the rest of the
  // group, then SIGKILLs what is left.
  void ReapGroup() {
    const MonotonicTime deadline = kill_at_ != kNever ? kill_at_ : clock_.Monotonic();
    while (kill(-pid_, 0) == 0 && clock_.Monotonic() < deadline) {
      pollfd pfd{signals_->fd(), POLLIN, 0};
      poll(&pfd, 1, std::min(50, PollTimeoutMs(clock_.Monotonic(), deadline, kNever)));
      signalfd_siginfo info{};
      while (read(signals_->fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
    }
    kill(-pid_, SIGKILL);
  }

  void SetOutcome() {
    const int status = wait_status_.value_or(0);
    exit_status_ = wait_status_ ? ExitStatusOf(status) : 1;
    end_.exit_status = exit_status_;
    // Ctrl-C on a terminal reaches the command's group (it has the foreground), not us.
    const bool interrupted_child = WIFSIGNALED(status) && WTERMSIG(status) == SIGINT;
    if (!halt_reason_.empty()) {
      end_.outcome = "halted";
      end_.halted_reason = halt_reason_;
    } else if (interrupted_child) {
      end_.outcome = "halted";
      end_.halted_reason = "interrupted";
    } else {
      end_.outcome = exit_status_ == 0 ? "completed" : "failed";
    }
    if (breached_) end_.steady_state = "broken";
  }

  AttackRunResult RecordEnd() {
    AttackRunResult result = Exit(exit_status_);
    auto ended = EndWhileWatchingSignals(backend_, id_, end_, signals_->fd());
    if (!ended.ok()) {
      std::cerr << "attack run: cannot record the end of attack " << id_ << ": "
                << ended.error().message << "\n";
      if (ended.error().code == ErrorCode::kUnavailable) {
        auto deferred = backend_.Defer(id_, end_);
        std::cerr << "attack " << id_ << " " << end_.outcome << " at " << FormatRfc3339(*end_.end)
                  << " (exit status " << exit_status_
                  << "): " << (deferred.ok() ? *deferred : deferred.error().message) << "\n";
      }
      return result;
    }
    result.attack = *ended;
    std::cerr << "attack " << id_ << " " << ended->outcome
              << (ended->halted_reason.empty() ? "" : ": " + ended->halted_reason)
              << " (exit status " << exit_status_ << ", steady state " << ended->steady_state
              << ")\n";
    return result;
  }

  const AttackRunOptions& options_;
  AttackBackend& backend_;
  const Clock& clock_;
  std::optional<SignalGuard> signals_;
  std::string id_;
  pid_t pid_ = -1;
  AttackEnd end_;
  std::string halt_reason_;
  bool breached_ = false;
  MonotonicTime kill_at_ = kNever;     // SIGKILL the group then, if it is still there
  MonotonicTime next_check_ = kNever;  // the next steady-state check (--halt-on-breach)
  std::optional<int> wait_status_;
  int exit_status_ = 1;
};

}  // namespace

AttackRunResult RunAttack(const AttackRunOptions& options, AttackBackend& backend,
                          const Clock& clock) {
  return AttackRun(options, backend, clock).Run();
}

}  // namespace steadystate::chaos
