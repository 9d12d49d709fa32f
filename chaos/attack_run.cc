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

AttackRunResult RunAttack(const AttackRunOptions& options, AttackBackend& backend,
                          const Clock& clock) {
  AttackRunResult result;
  if (options.command.empty()) {
    std::cerr << "attack run: no command given (usage: attack run --type T -- COMMAND...)\n";
    result.exit_status = 2;
    return result;
  }
  if (options.halt_on_breach) {
    auto breach = backend.Breach(options.attack.services);
    if (!breach.ok()) {
      std::cerr << "attack run: --halt-on-breach: " << breach.error().message << "\n";
      result.exit_status = breach.error().code == ErrorCode::kInvalidInput ? 2 : 1;
      return result;
    }
    if (*breach) {
      std::cerr << "attack run: steady state does not hold before the attack, not starting: "
                << **breach << "\n";
      result.exit_status = 1;
      return result;
    }
  }

  SignalGuard signals;
  if (signals.fd() < 0) {
    std::cerr << "attack run: signalfd: " << std::strerror(errno) << "\n";
    result.exit_status = 1;
    return result;
  }
  Attack attack = options.attack;
  attack.start = clock.Now();
  auto started = backend.Start(attack);
  if (!started.ok()) {
    std::cerr << "attack run: cannot record the attack window, not running the command: "
              << started.error().message << "\n";
    result.exit_status = started.error().code == ErrorCode::kInvalidInput ? 2 : 1;
    return result;
  }
  const std::string id = started->id;
  std::cerr << "attack " << id << " started (" << started->type << ")\n";

  const bool foreground = IsForegroundTty();
  AttackEnd end;
  end.start = clock.Now();  // the fault begins now, a recorded-start round trip later
  auto spawned = Spawn(options.command, signals.old_mask(), foreground);
  if (!spawned.ok()) {
    end.end = clock.Now();
    end.outcome = "failed";
    end.exit_status = 127;
    std::cerr << "attack run: " << spawned.error().message << "\n";
    auto ended = EndWhileWatchingSignals(backend, id, end, signals.fd());
    if (ended.ok()) result.attack = *ended;
    result.exit_status = 127;
    return result;
  }
  const pid_t pid = *spawned;

  std::string halt_reason;
  bool breached = false;
  MonotonicTime kill_at = kNever;  // SIGKILL the group then, if it is still there
  MonotonicTime next_check = kNever;
  if (options.halt_on_breach) next_check = clock.Monotonic() + options.check_interval;
  std::optional<int> wait_status;

  auto halt = [&](std::string reason) {
    if (!halt_reason.empty()) return;
    halt_reason = std::move(reason);
    std::cerr << "attack " << id << ": halting: " << halt_reason << "\n";
    kill(-pid, SIGTERM);
    kill_at = clock.Monotonic() + options.grace;
    next_check = kNever;
  };

  // Waits until the command (the group leader) has exited.
  while (!wait_status) {
    pollfd pfd{signals.fd(), POLLIN, 0};
    const int timeout = PollTimeoutMs(clock.Monotonic(), next_check, kill_at);
    const int ready = poll(&pfd, 1, timeout);
    if (ready < 0 && errno != EINTR) break;
    signalfd_siginfo info{};
    while (read(signals.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      const int sig = static_cast<int>(info.ssi_signo);
      if (sig != SIGCHLD) halt("interrupted");
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      wait_status = status;
      break;
    }
    const MonotonicTime now = clock.Monotonic();
    if (now >= kill_at) {
      kill(-pid, SIGKILL);
      kill_at = kNever;
    }
    if (now >= next_check) {
      auto breach = backend.Breach(options.attack.services);
      if (!breach.ok()) {
        std::cerr << "attack " << id
                  << ": steady-state check failed (will retry): " << breach.error().message << "\n";
      } else if (*breach) {
        breached = true;
        halt(**breach);
      }
      if (!halt_reason.empty()) continue;
      next_check = clock.Monotonic() + options.check_interval;
    }
  }
  end.end = clock.Now();
  if (foreground) GiveTerminalTo(getpgrp());

  // A halted command's children go with it: wait out the grace period for the rest of the
  // group, then SIGKILL what is left.
  if (!halt_reason.empty()) {
    const MonotonicTime deadline = kill_at != kNever ? kill_at : clock.Monotonic();
    while (kill(-pid, 0) == 0 && clock.Monotonic() < deadline) {
      pollfd pfd{signals.fd(), POLLIN, 0};
      poll(&pfd, 1, std::min(50, PollTimeoutMs(clock.Monotonic(), deadline, kNever)));
      signalfd_siginfo info{};
      while (read(signals.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
    }
    kill(-pid, SIGKILL);
  }

  const int status = wait_status.value_or(0);
  result.exit_status = wait_status ? ExitStatusOf(status) : 1;
  end.exit_status = result.exit_status;
  // Ctrl-C on a terminal reaches the command's group (it has the foreground), not us.
  const bool interrupted_child = WIFSIGNALED(status) && WTERMSIG(status) == SIGINT;
  if (!halt_reason.empty()) {
    end.outcome = "halted";
    end.halted_reason = halt_reason;
  } else if (interrupted_child) {
    end.outcome = "halted";
    end.halted_reason = "interrupted";
  } else {
    end.outcome = result.exit_status == 0 ? "completed" : "failed";
  }
  if (breached) end.steady_state = "broken";
  auto ended = EndWhileWatchingSignals(backend, id, end, signals.fd());
  if (!ended.ok()) {
    std::cerr << "attack run: cannot record the end of attack " << id << ": "
              << ended.error().message << "\n";
    if (ended.error().code == ErrorCode::kUnavailable) {
      auto deferred = backend.Defer(id, end);
      std::cerr << "attack " << id << " " << end.outcome << " at " << FormatRfc3339(*end.end)
                << " (exit status " << result.exit_status
                << "): " << (deferred.ok() ? *deferred : deferred.error().message) << "\n";
    }
    return result;
  }
  result.attack = *ended;
  std::cerr << "attack " << id << " " << ended->outcome
            << (ended->halted_reason.empty() ? "" : ": " + ended->halted_reason) << " (exit status "
            << result.exit_status << ", steady state " << ended->steady_state << ")\n";
  return result;
}

}  // namespace steadystate::chaos
