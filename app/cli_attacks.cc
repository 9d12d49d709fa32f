// attack run|start|end, attacks list, import chaostoolkit|gremlin (DESIGN.md §6).
// Commands that change data go through the running daemon's API when one answers at
// --server, and open the store directly when none does.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "chaos/attack.h"
#include "chaos/attack_run.h"
#include "chaos/chaostoolkit.h"
#include "chaos/pending_attack_ends.h"
#include "chaos/service.h"
#include "common/read_capped.h"
#include "common/redact.h"
#include "common/text.h"
#include "common/time.h"

namespace steadystate::app {
namespace {

using chaos::Attack;
using chaos::AttackEnd;

Error ApiError(const HttpResponse& response) {
  return MakeError(response.status >= 400 && response.status < 500 && response.status != 404
                       ? ErrorCode::kInvalidInput
                   : response.status == 404 ? ErrorCode::kNotFound
                                            : ErrorCode::kUnavailable,
                   ApiErrorMessage(response));
}

std::string UserName() {
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
  }
  return "";
}

std::string StartBody(const Attack& a) {
  nlohmann::json j;
  j["source"] = a.source;
  j["type"] = a.type;
  j["targets"] = a.targets;
  j["services"] = a.services;
  j["start"] = FormatRfc3339(a.start);
  if (!a.created_by.empty()) j["created_by"] = a.created_by;
  if (!a.name.empty()) j["name"] = a.name;
  j["reproduces"] = a.reproduces;
  if (!a.owner.empty()) j["owner"] = a.owner;
  if (a.expected_duration) j["expected_duration"] = FormatDuration(*a.expected_duration);
  return j.dump();
}

// Records windows through the daemon when it answers, else in the store (opened for each
// call, so a daemon started meanwhile can take the store). A window the daemon started is
// ended through the daemon: while it is away, End retries for `end_retry` (and records in
// the store only if the data directory exists and the daemon has let it go).
class CliBackend final : public chaos::AttackBackend {
 public:
  CliBackend(const config::Config& config, DaemonApi api, const Clock& clock,
             Duration end_retry = Duration{0})
      : config_(config), api_(std::move(api)), clock_(clock), end_retry_(end_retry) {}

  Result<Attack> Start(const Attack& attack) override {
    auto response = api_.Call("POST", "/api/v1/attacks", StartBody(attack));
    if (!response.ok()) return response.error();
    if (response->has_value()) {
      if ((*response)->status != 201 && (*response)->status != 200) return ApiError(**response);
      started_by_daemon_ = true;
      return chaos::AttackFromJson((*response)->body);
    }
    return WithStore([&](chaos::AttackLog& log) { return log.Start(attack); });
  }

  Result<Attack> End(const std::string& id, const AttackEnd& end,
                     const StopSignal& interrupted) override {
    if (started_by_daemon_) return EndThroughDaemon(id, end, interrupted);
    auto response =
        api_.Call("POST", "/api/v1/attacks/" + id + "/end", chaos::AttackEndToJson(end));
    if (!response.ok()) return response.error();
    if (response->has_value()) {
      if ((*response)->status != 200) return ApiError(**response);
      return chaos::AttackFromJson((*response)->body);
    }
    return WithStore([&](chaos::AttackLog& log) { return log.End(id, end); });
  }

  Result<std::string> Defer(const std::string& id, const AttackEnd& end) override {
    // Single-quoted for a POSIX shell.
    auto quote = [](const std::string& text) {
      std::string out = "'";
      for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      return out + "'";
    };
    std::string command = "steadystate --server " + api_.server_url() + " attack end " + id +
                          " --outcome " + end.outcome;
    if (end.end) command += " --at " + FormatRfc3339(*end.end);
    if (end.exit_status) command += " --exit-status " + std::to_string(*end.exit_status);
    if (!end.steady_state.empty()) command += " --steady-state " + end.steady_state;
    if (!end.halted_reason.empty()) command += " --reason " + quote(end.halted_reason);
    auto journaled = chaos::AppendPendingAttackEnd(config_.storage.path, id, end);
    if (!journaled.ok()) {
      return "its end is not recorded (" + journaled.error().message +
             "); record it when the daemon is back with:\n  " + command;
    }
    return "its end is kept in " + chaos::PendingAttackEndsPath(config_.storage.path) +
           ", which the daemon records when it starts (or within 30 s if it runs); or record it "
           "yourself with:\n  " +
           command;
  }

  Result<std::optional<std::string>> Breach(const std::vector<std::string>& services) override {
    std::string query;
    for (const auto& s : services) query += (query.empty() ? "" : ",") + s;
    auto response =
        api_.Call("GET", "/api/v1/steady-state?service=" + query, "", std::chrono::seconds(5));
    if (!response.ok()) return response.error();
    if (!response->has_value()) {
      return MakeError(ErrorCode::kUnavailable,
                       "no daemon answers at " + api_.server_url() +
                           " (--halt-on-breach needs its /api/v1/steady-state)");
    }
    const HttpResponse& r = **response;
    if (r.status == 200) return std::optional<std::string>{};
    if (r.status == 503) return std::optional<std::string>(chaos::BreachReason(r.body));
    return ApiError(r);
  }

 private:
  Result<Attack> WithStore(const std::function<Result<Attack>(chaos::AttackLog&)>& fn) {
    auto store = OpenStoreForWriting(config_, clock_);
    if (!store.ok()) return store.error();
    chaos::AttackLog log(**store, clock_);
    log.SetSteadyStateJudge([&](const Attack& a) { return chaos::JudgeSteadyState(**store, a); });
    return fn(log);
  }

  // One attempt: the attack, a definitive error, or nullopt (try again).
  std::optional<Result<Attack>> TryEnd(const std::string& id, const AttackEnd& end, bool retried,
                                       std::string& last_error) {
    // A daemon that accepts connections but does not answer (stopped, stuck) costs one
    // timeout per attempt: never longer than the whole retry period.
    const Duration timeout =
        std::clamp<Duration>(end_retry_, std::chrono::seconds(1), std::chrono::seconds(10));
    auto response =
        api_.Call("POST", "/api/v1/attacks/" + id + "/end", chaos::AttackEndToJson(end), timeout);
    if (!response.ok()) {
      last_error = response.error().message;
      return std::nullopt;
    }
    if (response->has_value()) {
      const HttpResponse& r = **response;
      if (r.status == 200) return chaos::AttackFromJson(r.body);
      if (r.status >= 500) {
        last_error = ApiErrorMessage(r);
        return std::nullopt;
      }
      // A retry after a lost reply finds the window ended by the attempt before.
      if (retried) {
        if (auto got = api_.Call("GET", "/api/v1/attacks/" + id);
            got.ok() && got->has_value() && (*got)->status == 200) {
          auto attack = chaos::AttackFromJson((*got)->body);
          if (attack.ok() && attack->outcome == end.outcome && attack->end == end.end) {
            return attack;
          }
        }
      }
      return ApiError(r);
    }
    // No daemon answers. Its data directory, if the CLI knows it, takes the end once the
    // daemon has let it go; a directory that does not exist is never created here.
    last_error = "no daemon answers at " + api_.server_url();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(config_.storage.path) / "CURRENT",
                                          ec)) {
      return std::nullopt;
    }
    auto ended = WithStore([&](chaos::AttackLog& log) { return log.End(id, end); });
    if (ended.ok()) return ended;
    if (ended.error().code == ErrorCode::kNotFound ||
        ended.error().code == ErrorCode::kInvalidInput) {
      return ended;
    }
    last_error = ended.error().message;  // busy (a daemon starting), or the disk is full
    return std::nullopt;
  }

  Result<Attack> EndThroughDaemon(const std::string& id, const AttackEnd& end,
                                  const StopSignal& interrupted) {
    const MonotonicTime deadline = clock_.Monotonic() + end_retry_;
    auto wait = std::chrono::milliseconds(250);
    std::string last_error;
    bool warned = false;
    for (bool retried = false;; retried = true) {
      if (auto done = TryEnd(id, end, retried, last_error)) return std::move(*done);
      const MonotonicTime now = clock_.Monotonic();
      if (now >= deadline) break;
      if (!warned) {
        std::cerr << "attack " << id << ": cannot record the end yet (" << last_error
                  << "); retrying for up to " << FormatDuration(end_retry_) << "\n";
        warned = true;
      }
      if (!SleepUnlessStopped(
              clock_, std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)),
              &interrupted)) {
        last_error = "interrupted while retrying (" + last_error + ")";
        break;
      }
      wait = std::min<std::chrono::milliseconds>(wait * 2, std::chrono::seconds(5));
    }
    return MakeError(ErrorCode::kUnavailable, last_error);
  }

  const config::Config& config_;
  DaemonApi api_;
  const Clock& clock_;
  Duration end_retry_;
  bool started_by_daemon_ = false;
};

// Every field goes through TerminalSafe: names and targets come from whoever started the
// window or wrote the journal.
void PrintTable(const std::vector<Attack>& attacks) {
  std::printf("%-26s  %-14s  %-20s  %-24s  %-24s  %-10s  %-7s  %s\n", "ID", "TYPE", "TARGETS",
              "START", "END", "OUTCOME", "STEADY", "NAME");
  for (const auto& a : attacks) {
    std::string targets;
    for (const auto& t : a.targets) targets += (targets.empty() ? "" : ",") + t;
    std::printf("%-26s  %-14s  %-20s  %-24s  %-24s  %-10s  %-7s  %s\n", TerminalSafe(a.id).c_str(),
                TerminalSafe(a.type).c_str(), TerminalSafe(targets).c_str(),
                FormatRfc3339(a.start).c_str(), a.end ? FormatRfc3339(*a.end).c_str() : "-",
                TerminalSafe(a.outcome).c_str(), TerminalSafe(a.steady_state).c_str(),
                TerminalSafe(a.name).c_str());
  }
}

void PrintCsv(const std::vector<Attack>& attacks) { std::cout << chaos::AttacksCsv(attacks); }

void PrintJson(const std::vector<Attack>& attacks) {
  std::cout << chaos::AttacksJson(attacks) << "\n";
}

int Fail(const std::string& what, const Error& error) {
  std::cerr << what << ": " << Redact(error.message) << "\n";
  return ExitCodeFor(error);
}

struct AttackFlags {
  std::string type;
  std::vector<std::string> targets;
  std::vector<std::string> services;
  std::string name;
  std::vector<std::string> reproduces;
  std::string expected;
};

void AddAttackFlags(CLI::App& cmd, AttackFlags& f) {
  cmd.add_option("--type", f.type,
                 "Attack type: cpu, memory, io, disk, latency, packet_loss, corruption, "
                 "blackhole, dns, time_travel, shutdown, process_killer, other")
      ->required();
  cmd.add_option("--target", f.targets, "Host under attack (repeatable; default: this host)");
  cmd.add_option("--service", f.services,
                 "Service expected to be affected (repeatable); its probes judge steady state");
  cmd.add_option("--name", f.name, "A name for the attack (e.g. the experiment's title)");
  cmd.add_option("--reproduces", f.reproduces, "Incident id this attack reproduces (repeatable)");
  cmd.add_option("--expected", f.expected, "How long the attack should run (e.g. 5m; announced)");
}

Result<Attack> AttackFromFlags(const AttackFlags& f) {
  if (!chaos::IsAttackType(f.type)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "--type: \"" + f.type +
                         "\" is not an attack type (cpu, memory, io, disk, latency, packet_loss, "
                         "corruption, blackhole, dns, time_travel, shutdown, process_killer, "
                         "other)");
  }
  Attack a;
  a.source = "cli";
  a.type = f.type;
  a.targets = f.targets.empty() ? std::vector<std::string>{chaos::LocalHostname()} : f.targets;
  a.services = f.services;
  a.name = f.name;
  a.reproduces = f.reproduces;
  a.created_by = UserName();
  if (!f.expected.empty()) {
    auto d = ParseDuration(f.expected);
    if (!d.ok()) return MakeError(ErrorCode::kInvalidInput, "--expected: " + d.error().message);
    a.expected_duration = *d;
  }
  return a;
}

struct AttackCliState {
  AttackFlags run_flags;
  bool halt_on_breach = false;
  std::string check_interval = "1s";
  std::string grace = "10s";
  std::string end_retry = "30s";
  std::vector<std::string> command;
  AttackFlags start_flags;
  std::string end_id;
  AttackEnd end_flags;
  std::string end_at;
  std::optional<int> end_exit_status;
  std::string since;
  std::string until;
  std::string format = "table";
  std::vector<std::string> journals;
  std::string import_type;
  std::string gremlin_since;
  std::string gremlin_until;
};

// attack run: the wrapper (chaos/attack_run.h) around COMMAND.
void AddAttackRun(CLI::App* attack, CliContext& context,
                  const std::shared_ptr<AttackCliState>& st) {
  auto* run = attack->add_subcommand(
      "run", "Run COMMAND as a chaos attack: record its window, exit status and outcome");
  AddAttackFlags(*run, st->run_flags);
  run->add_flag("--halt-on-breach", st->halt_on_breach,
                "Stop the command (SIGTERM, then SIGKILL) when the services' steady state breaks");
  run->add_option("--check-interval", st->check_interval,
                  "How often --halt-on-breach asks the daemon (default 1s)");
  run->add_option("--grace", st->grace,
                  "SIGTERM to SIGKILL grace period when halting (default 10s)");
  run->add_option("--end-retry", st->end_retry,
                  "How long to retry recording the end while the daemon is away (default 30s)");
  run->add_option("command", st->command, "-- COMMAND [ARGS...]")->required();
  run->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("attack run", e); };
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    auto a = AttackFromFlags(st->run_flags);
    if (!a.ok()) return fail(a.error());
    a->owner = std::to_string(getpid()) + "@" + chaos::LocalHostname();
    chaos::AttackRunOptions options;
    options.attack = *a;
    options.command = st->command;
    options.halt_on_breach = st->halt_on_breach;
    auto interval = ParseDuration(st->check_interval);
    if (!interval.ok() || *interval <= Duration{0}) {
      return fail(MakeError(ErrorCode::kInvalidInput,
                            "--check-interval: expected a positive duration like 1s"));
    }
    auto grace_d = ParseDuration(st->grace);
    if (!grace_d.ok()) {
      return fail(MakeError(ErrorCode::kInvalidInput, "--grace: " + grace_d.error().message));
    }
    auto end_retry = ParseDuration(st->end_retry);
    if (!end_retry.ok()) {
      return fail(MakeError(ErrorCode::kInvalidInput, "--end-retry: " + end_retry.error().message));
    }
    options.check_interval = *interval;
    options.grace = *grace_d;
    CliBackend backend(*config, ConnectDaemon(context, *config), SystemClock(), *end_retry);
    context.exit_code = chaos::RunAttack(options, backend, SystemClock()).exit_status;
  });
}

// attack start: opens a window and prints its id.
void AddAttackStart(CLI::App* attack, CliContext& context,
                    const std::shared_ptr<AttackCliState>& st) {
  auto* start = attack->add_subcommand("start", "Start a window (prints its id)");
  AddAttackFlags(*start, st->start_flags);
  start->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("attack start", e); };
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    auto a = AttackFromFlags(st->start_flags);
    if (!a.ok()) return fail(a.error());
    a->start = SystemClock().Now();
    CliBackend backend(*config, ConnectDaemon(context, *config), SystemClock());
    auto started = backend.Start(*a);
    if (!started.ok()) return fail(started.error());
    std::cout << started->id << "\n";
  });
}

// attack end ID: closes a window.
void AddAttackEnd(CLI::App* attack, CliContext& context,
                  const std::shared_ptr<AttackCliState>& st) {
  auto* end = attack->add_subcommand("end", "End a window");
  end->add_option("ID", st->end_id, "The attack's id")->required();
  end->add_option("--outcome", st->end_flags.outcome,
                  "completed (default), failed, halted or abandoned");
  end->add_option("--reason", st->end_flags.halted_reason, "Why it was halted");
  end->add_option("--steady-state", st->end_flags.steady_state,
                  "held, broken or unknown (default: judged from the services' probes)");
  end->add_option("--at", st->end_at, "When it ended (RFC 3339; default now)");
  end->add_option("--exit-status", st->end_exit_status, "The attack command's exit status");
  end->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("attack end", e); };
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    // The same checks the API makes, before anything is sent.
    auto checked = chaos::ParseAttackEnd(chaos::AttackEndToJson(st->end_flags));
    if (!checked.ok()) return fail(checked.error());
    AttackEnd e = st->end_flags;
    auto at = FlagTime("--at", st->end_at);
    if (!at.ok()) return fail(at.error());
    e.end = at->value_or(SystemClock().Now());
    e.exit_status = st->end_exit_status;
    CliBackend backend(*config, ConnectDaemon(context, *config), SystemClock());
    auto ended = backend.End(st->end_id, e, StopSignal{});  // one attempt: nothing to cut
    if (!ended.ok()) return fail(ended.error());
    std::cout << ended->id << " " << ended->outcome << " (steady state " << ended->steady_state
              << ")\n";
  });
}

// attacks list: from the daemon, or from the data directory when none runs.
void AddAttacksList(CLI::App& cli, CliContext& context, const std::shared_ptr<AttackCliState>& st) {
  auto* attacks = cli.add_subcommand("attacks", "List chaos attack windows");
  attacks->require_subcommand(1);
  auto* list = attacks->add_subcommand("list", "List windows overlapping [--since, --until)");
  list->add_option("--since", st->since, "RFC 3339 instant");
  list->add_option("--until", st->until, "RFC 3339 instant");
  list->add_option("--format", st->format, "table, json or csv")->capture_default_str();
  list->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("attacks list", e); };
    if (auto s = CheckChoice("--format", st->format, {"table", "json", "csv"}); !s.ok())
      return fail(s.error());
    auto from = FlagTime("--since", st->since);
    if (!from.ok()) return fail(from.error());
    auto to = FlagTime("--until", st->until);
    if (!to.ok()) return fail(to.error());
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    std::vector<Attack> found;
    DaemonApi api = ConnectDaemon(context, *config);
    std::string query = "/api/v1/attacks?format=json";
    if (*from) query += "&since=" + FormatRfc3339(**from);
    if (*to) query += "&until=" + FormatRfc3339(**to);
    auto read = ReadAllPages(api, query, [&](std::string_view body) -> Status {
      auto j = nlohmann::json::parse(body, nullptr, false);
      if (j.is_discarded()) return MakeError(ErrorCode::kUnavailable, "is not valid JSON");
      if (!j.is_array()) return MakeError(ErrorCode::kUnavailable, "is not a JSON list");
      for (const auto& item : j) {
        auto a = chaos::AttackFromJson(item.dump());
        if (!a.ok()) {
          return MakeError(ErrorCode::kUnavailable,
                           "holds an unreadable attack: " + a.error().message);
        }
        found.push_back(std::move(*a));
      }
      return OkStatus();
    });
    if (!read.ok()) return fail(read.error());
    if (!*read) {
      auto store = OpenStoreForReading(*config, SystemClock());
      if (!store.ok()) {
        if (store.error().code == ErrorCode::kNotFound) {
          found.clear();  // no data yet: an empty list
        } else {
          return fail(store.error());
        }
      } else {
        chaos::AttackLog log(**store, SystemClock());
        auto listed = log.List(*from, *to);
        if (!listed.ok()) return fail(listed.error());
        found = std::move(*listed);
      }
    }
    if (st->format == "json") {
      PrintJson(found);
    } else if (st->format == "csv") {
      PrintCsv(found);
    } else {
      PrintTable(found);
    }
  });
}

// import chaostoolkit JOURNAL...: through the daemon, or into the data directory.
void AddImportChaosToolkit(CLI::App& import_cmd, CliContext& context,
                           const std::shared_ptr<AttackCliState>& st) {
  auto* toolkit = import_cmd.add_subcommand(
      "chaostoolkit", "Import Chaos Toolkit journals (journal.json), one window each");
  toolkit->add_option("JOURNAL", st->journals, "journal.json files")->required();
  toolkit->add_option("--type", st->import_type, "Attack type for every journal (overrides tags)");
  toolkit->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("import chaostoolkit", e); };
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    // Parse everything first: a bad journal imports nothing (exit 2 naming the file).
    std::vector<std::string> bodies;
    for (const auto& path : st->journals) {
      auto text = ReadFileCapped(path, config->chaos.max_journal_bytes, "chaos.max_journal_bytes");
      if (!text.ok()) return fail(text.error());
      auto parsed = chaos::ParseChaosToolkitJournal(*text, st->import_type);
      if (!parsed.ok())
        return fail(MakeError(parsed.error().code, path + ": " + parsed.error().message));
      bodies.push_back(std::move(*text));
    }
    DaemonApi api = ConnectDaemon(context, *config);
    std::unique_ptr<store::Store> store;
    std::unique_ptr<chaos::AttackLog> log;
    for (size_t i = 0; i < st->journals.size(); ++i) {
      std::string id;
      bool created = false;
      bool changed = false;
      auto response =
          log ? Result<std::optional<HttpResponse>>(std::optional<HttpResponse>{})
              : api.Call("POST",
                         "/api/v1/import/chaostoolkit" +
                             (st->import_type.empty() ? "" : "?type=" + st->import_type),
                         bodies[i]);
      if (!response.ok()) return fail(response.error());
      if (response->has_value()) {
        if ((*response)->status != 200 && (*response)->status != 201) {
          return fail(MakeError(ApiError(**response).code,
                                st->journals[i] + ": " + ApiErrorMessage(**response)));
        }
        auto j = nlohmann::json::parse((*response)->body, nullptr, false);
        id = j.value("id", "");
        created = j.value("created", false);
        changed = j.value("changed", false);
      } else {
        if (!log) {
          auto opened = OpenStoreForWriting(*config, SystemClock());
          if (!opened.ok()) return fail(opened.error());
          store = std::move(*opened);
          log = std::make_unique<chaos::AttackLog>(*store, SystemClock());
        }
        auto imported = chaos::ImportJournalFile(*log, st->journals[i], st->import_type,
                                                 config->chaos.max_journal_bytes);
        if (!imported.ok()) return fail(imported.error());
        id = imported->attack.id;
        created = imported->created;
        changed = imported->changed;
      }
      std::cout << st->journals[i] << ": " << id << " "
                << (created   ? "imported"
                    : changed ? "updated"
                              : "unchanged")
                << "\n";
    }
  });
}

// import gremlin: through the daemon, or into the data directory.
void AddImportGremlin(CLI::App& import_cmd, CliContext& context,
                      const std::shared_ptr<AttackCliState>& st) {
  auto* gremlin = import_cmd.add_subcommand(
      "gremlin", "Import Gremlin attacks (chaos.sources gremlin) in [--since, --until)");
  gremlin->add_option("--since", st->gremlin_since, "RFC 3339 instant (default: 7 days ago)");
  gremlin->add_option("--until", st->gremlin_until, "RFC 3339 instant (default: now)");
  gremlin->callback([&context, st] {
    auto fail = [&](const Error& e) { context.exit_code = Fail("import gremlin", e); };
    auto from = FlagTime("--since", st->gremlin_since);
    if (!from.ok()) return fail(from.error());
    auto to = FlagTime("--until", st->gremlin_until);
    if (!to.ok()) return fail(to.error());
    auto config = LoadCliConfig(context);
    if (!config.ok()) return fail(config.error());
    const config::GremlinSourceConfig* source = nullptr;
    for (const auto& s : config->chaos.sources) {
      if (s.kind == config::ChaosSourceKind::kGremlin) {
        source = &s.gremlin;
        break;
      }
    }
    if (source == nullptr) {
      return fail(MakeError(ErrorCode::kInvalidInput,
                            "no gremlin source in chaos.sources of the config (--config)"));
    }
    const Timestamp now = SystemClock().Now();
    const Timestamp since_t = from->value_or(now - std::chrono::days(7));
    const Timestamp until_t = to->value_or(now);
    DaemonApi api = ConnectDaemon(context, *config);
    auto response = api.Call("POST",
                             "/api/v1/import/gremlin?since=" + FormatRfc3339(since_t) +
                                 "&until=" + FormatRfc3339(until_t),
                             "", std::chrono::minutes(5));
    if (!response.ok()) return fail(response.error());
    if (response->has_value()) {
      if ((*response)->status != 200) return fail(ApiError(**response));
      auto j = nlohmann::json::parse((*response)->body, nullptr, false);
      std::cout << "gremlin: " << j.value("fetched", 0) << " attacks read, "
                << j.value("created", 0) << " new, " << j.value("updated", 0) << " updated\n";
      return;
    }
    auto store = OpenStoreForWriting(*config, SystemClock());
    if (!store.ok()) return fail(store.error());
    chaos::AttackLog log(**store, SystemClock());
    auto http = NewCurlHttpClient();
    auto stats = chaos::ImportGremlin(log, *source, *http, SystemClock(), since_t, until_t);
    if (!stats.ok()) return fail(stats.error());
    std::cout << "gremlin: " << stats->fetched << " attacks read, " << stats->created << " new, "
              << stats->updated << " updated\n";
  });
}

}  // namespace

void AddAttackCommands(CLI::App& cli, CLI::App& import_cmd, CliContext& context) {
  // Flag values live as long as the callbacks that read them.
  auto st = std::make_shared<AttackCliState>();
  auto* attack = cli.add_subcommand("attack", "Record chaos attack windows");
  attack->require_subcommand(1);
  AddAttackRun(attack, context, st);
  AddAttackStart(attack, context, st);
  AddAttackEnd(attack, context, st);
  AddAttacksList(cli, context, st);
  AddImportChaosToolkit(import_cmd, context, st);
  AddImportGremlin(import_cmd, context, st);
}

}  // namespace steadystate::app
