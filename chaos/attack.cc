#include "chaos/attack.h"
#include "common/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>
#include <random>

#include "chaos/limits.h"
#include "common/time.h"

namespace steadystate::chaos {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 13> kTypes{
    "cpu",       "memory", "io",          "disk",     "latency",        "packet_loss", "corruption",
    "blackhole", "dns",    "time_travel", "shutdown", "process_killer", "other"};
constexpr std::array<std::string_view, 5> kOutcomes{"running", "completed", "halted", "failed",
                                                    "abandoned"};
constexpr std::array<std::string_view, 3> kSteadyStates{"held", "broken", "unknown"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

json TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}
json StringOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Reads an object's fields with type checks; every error names the field.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  Status String(const char* key, std::string& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_string()) return Invalid(std::string(key) + ": expected a string");
    out = it->get<std::string>();
    return OkStatus();
  }
  Status Strings(const char* key, std::vector<std::string>& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_array()) return Invalid(std::string(key) + ": expected a list of strings");
    out.clear();
    for (const auto& v : *it) {
      if (!v.is_string()) return Invalid(std::string(key) + ": expected a list of strings");
      out.push_back(v.get<std::string>());
    }
    return OkStatus();
  }
  Status Time(const char* key, std::optional<Timestamp>& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_string()) return Invalid(std::string(key) + ": expected an RFC 3339 string");
    auto t = ParseRfc3339(it->get<std::string>());
    if (!t.ok()) return Invalid(std::string(key) + ": " + t.error().message);
    out = *t;
    return OkStatus();
  }
  Status Dur(const char* key, std::optional<Duration>& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_string()) return Invalid(std::string(key) + ": expected a duration like \"5m\"");
    auto d = ParseDuration(it->get<std::string>());
    if (!d.ok()) return Invalid(std::string(key) + ": " + d.error().message);
    out = *d;
    return OkStatus();
  }
  Status Int(const char* key, std::optional<int>& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_number_integer()) return Invalid(std::string(key) + ": expected an integer");
    out = it->get<int>();
    return OkStatus();
  }
  Status Steps(const char* key, std::vector<AttackStep>& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return OkStatus();
    if (!it->is_array()) return Invalid(std::string(key) + ": expected a list of steps");
    out.clear();
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) return Invalid(where + ": expected an object");
      Fields f(item);
      AttackStep step;
      auto named = [&](Status s) -> Status {
        if (s.ok()) return s;
        return Invalid(where + "." + s.error().message);
      };
      RETURN_IF_ERROR(named(f.String("name", step.name)));
      RETURN_IF_ERROR(named(f.String("type", step.type)));
      RETURN_IF_ERROR(named(f.Time("start", step.start)));
      RETURN_IF_ERROR(named(f.Time("end", step.end)));
      RETURN_IF_ERROR(named(f.String("status", step.status)));
      out.push_back(std::move(step));
    }
    return OkStatus();
  }
  Status OnlyKnown(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Invalid("unknown field \"" + key + "\"");
      }
    }
    return OkStatus();
  }

 private:
  const json& object_;
};

Result<json> ParseObject(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("body is not valid JSON");
  if (!doc.is_object()) return Invalid("body must be a JSON object");
  return doc;
}

Status CheckClosedSets(const Attack& a) {
  if (!IsAttackType(a.type)) {
    return Invalid("type: \"" + a.type + "\" is not an attack type (one of: " + Join(kTypes, ", ") +
                   ")");
  }
  if (!IsAttackOutcome(a.outcome)) {
    return Invalid("outcome: \"" + a.outcome +
                   "\" is not an outcome (one of: " + Join(kOutcomes, ", ") + ")");
  }
  if (!IsSteadyState(a.steady_state)) {
    return Invalid("steady_state: \"" + a.steady_state +
                   "\" is not one of: " + Join(kSteadyStates, ", "));
  }
  return OkStatus();
}

// `check_limits`: the fields an API client sent (stored records are read as they are).
Status ReadAttackFields(const Fields& f, Attack& a, bool check_limits) {
  std::optional<Timestamp> start;
  RETURN_IF_ERROR(f.String("id", a.id));
  RETURN_IF_ERROR(f.String("source", a.source));
  RETURN_IF_ERROR(f.String("source_id", a.source_id));
  RETURN_IF_ERROR(f.String("type", a.type));
  RETURN_IF_ERROR(f.Strings("targets", a.targets));
  RETURN_IF_ERROR(f.Strings("services", a.services));
  RETURN_IF_ERROR(f.Time("start", start));
  RETURN_IF_ERROR(f.Time("end", a.end));
  RETURN_IF_ERROR(f.String("created_by", a.created_by));
  RETURN_IF_ERROR(f.String("name", a.name));
  RETURN_IF_ERROR(f.String("outcome", a.outcome));
  RETURN_IF_ERROR(f.String("steady_state", a.steady_state));
  RETURN_IF_ERROR(f.String("halted_reason", a.halted_reason));
  RETURN_IF_ERROR(f.Strings("reproduces", a.reproduces));
  RETURN_IF_ERROR(f.Dur("expected_duration", a.expected_duration));
  RETURN_IF_ERROR(f.Int("exit_status", a.exit_status));
  RETURN_IF_ERROR(f.String("owner", a.owner));
  RETURN_IF_ERROR(f.Steps("steps", a.steps));
  if (start) a.start = *start;
  if (check_limits) RETURN_IF_ERROR(CheckAttackLimits(a));
  return CheckClosedSets(a);
}

}  // namespace

bool IsAttackType(std::string_view type) { return OneOf(kTypes, type); }
bool IsAttackOutcome(std::string_view outcome) { return OneOf(kOutcomes, outcome); }
bool IsSteadyState(std::string_view steady_state) { return OneOf(kSteadyStates, steady_state); }

std::string AttackToJson(const Attack& a) {
  // nlohmann::ordered_json keeps DESIGN.md's field order.
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["source"] = a.source;
  j["source_id"] = StringOrNull(a.source_id);
  j["type"] = a.type;
  j["targets"] = a.targets;
  j["services"] = a.services;
  j["start"] = FormatRfc3339(a.start);
  j["end"] = TimeOrNull(a.end);
  j["created_by"] = StringOrNull(a.created_by);
  j["name"] = StringOrNull(a.name);
  j["outcome"] = a.outcome;
  j["steady_state"] = a.steady_state;
  j["halted_reason"] = StringOrNull(a.halted_reason);
  j["reproduces"] = a.reproduces;
  j["expected_duration"] =
      a.expected_duration ? json(FormatDuration(*a.expected_duration)) : json(nullptr);
  j["exit_status"] = a.exit_status ? nlohmann::ordered_json(*a.exit_status) : nullptr;
  j["owner"] = StringOrNull(a.owner);
  auto steps = nlohmann::ordered_json::array();
  for (const auto& step : a.steps) {
    nlohmann::ordered_json s;
    s["name"] = step.name;
    s["type"] = StringOrNull(step.type);
    s["start"] = TimeOrNull(step.start);
    s["end"] = TimeOrNull(step.end);
    s["status"] = StringOrNull(step.status);
    steps.push_back(std::move(s));
  }
  j["steps"] = std::move(steps);
  return j.dump();
}

Result<Attack> AttackFromJson(std::string_view text) {
  auto doc = ParseObject(text);
  if (!doc.ok()) return doc.error();
  Attack a;
  RETURN_IF_ERROR(ReadAttackFields(Fields(*doc), a, /*check_limits=*/false));
  return a;
}

Result<Attack> ParseAttackStart(std::string_view body) {
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.error();
  Fields f(*doc);
  RETURN_IF_ERROR(f.OnlyKnown({"source", "source_id", "type", "targets", "services", "start",
                               "created_by", "name", "reproduces", "owner", "expected_duration"}));
  Attack a;
  a.start = Timestamp{};
  RETURN_IF_ERROR(ReadAttackFields(f, a, /*check_limits=*/true));
  if (!doc->contains("type")) return Invalid("type: required (e.g. \"cpu\")");
  return a;
}

Result<AttackEnd> ParseAttackEnd(std::string_view body) {
  AttackEnd end;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return end;
  auto doc = ParseObject(body);
  if (!doc.ok()) return doc.error();
  Fields f(*doc);
  RETURN_IF_ERROR(
      f.OnlyKnown({"outcome", "end", "steady_state", "halted_reason", "exit_status", "start"}));
  RETURN_IF_ERROR(f.Time("start", end.start));
  RETURN_IF_ERROR(f.Int("exit_status", end.exit_status));
  RETURN_IF_ERROR(f.String("outcome", end.outcome));
  RETURN_IF_ERROR(f.Time("end", end.end));
  RETURN_IF_ERROR(f.String("steady_state", end.steady_state));
  RETURN_IF_ERROR(f.String("halted_reason", end.halted_reason));
  RETURN_IF_ERROR(CheckLength("outcome", end.outcome, kMaxTypeBytes));
  RETURN_IF_ERROR(CheckLength("steady_state", end.steady_state, kMaxTypeBytes));
  RETURN_IF_ERROR(CheckLength("halted_reason", end.halted_reason, kMaxTextBytes));
  if (!IsAttackOutcome(end.outcome) || end.outcome == "running") {
    return Invalid("outcome: \"" + end.outcome +
                   "\" is not a final outcome (one of: completed, halted, failed, abandoned)");
  }
  if (!end.steady_state.empty() && !IsSteadyState(end.steady_state)) {
    return Invalid("steady_state: \"" + end.steady_state +
                   "\" is not one of: held, broken, unknown");
  }
  return end;
}

namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// A ULID's layout: 48 bits of start time then 80 bits of `hi:lo`, Crockford base32, so
// ids sort by start.
std::string EncodeUlid(Timestamp start, uint64_t hi, uint64_t lo) {
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, start.time_since_epoch().count()));
  std::string id(26, '0');
  for (int i = 9; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kCrockford[ms & 31];
    ms >>= 5;
  }
  // 80 bits: 16 chars of 5 bits.
  for (int i = 25; i >= 10; --i) {
    id[static_cast<size_t>(i)] = kCrockford[lo & 31];
    lo = (lo >> 5) | (hi << 59);
    hi >>= 5;
  }
  return id;
}

// FNV-1a, 64 bits, with a seed: stable across builds and platforms (std::hash is not).
uint64_t Fnv1a(std::string_view data, uint64_t seed) {
  uint64_t h = 14695981039346656037ull ^ seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string DerivedAttackId(Timestamp start, std::string_view source, std::string_view source_id) {
  std::string key = std::string(source) + '\0' + std::string(source_id);
  return EncodeUlid(start, Fnv1a(key, 0x5eed), Fnv1a(key, 0xc4a05));
}

std::string AttackLog::NewId(Timestamp start) {
  // Random low bits so two windows started in the same millisecond still differ.
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi;
  uint64_t lo;
  {
    std::lock_guard lock(mu);
    hi = rng();
    lo = rng();
  }
  return EncodeUlid(start, hi, lo);
}

Result<Attack> AttackLog::Start(Attack attack) {
  if (attack.start == Timestamp{}) attack.start = clock_.Now();
  attack.id = NewId(attack.start);
  attack.outcome = "running";
  attack.end.reset();
  RETURN_IF_ERROR(CheckAttackLimits(attack));
  RETURN_IF_ERROR(store_.PutRecord(store::Family::kAttacks, attack.id, AttackToJson(attack)));
  {
    std::lock_guard lock(monotonic_mu_);
    started_monotonic_[attack.id] = MonotonicOfWall(attack.start, clock_.Now(), clock_.Monotonic());
  }
  Notify(attack, AttackEvent::kStarted);
  return attack;
}

Result<Attack> AttackLog::End(std::string_view id, const AttackEnd& end) {
  RETURN_IF_ERROR(CheckLength("halted_reason", end.halted_reason, kMaxTextBytes));
  auto found = Get(id);
  if (!found.ok()) return found.error();
  if (!found->has_value()) {
    return MakeError(ErrorCode::kNotFound, "no attack with id \"" + std::string(id) + "\"");
  }
  Attack attack = std::move(**found);
  // `abandoned` is the daemon's guess (the owner went away, the window ran too long). For
  // a window with an owner (`attack run`), the owner's own end arriving late (its daemon
  // was away) replaces the guess. A window without one keeps it.
  const bool corrects_guess =
      attack.outcome == "abandoned" && !attack.owner.empty() && end.outcome != "abandoned";
  if (attack.outcome != "running" && !corrects_guess) {
    return MakeError(ErrorCode::kInvalidInput,
                     "attack " + attack.id + " already ended (" + attack.outcome + ")");
  }
  attack.end = end.end.value_or(clock_.Now());
  if (*attack.end < attack.start) {
    return Invalid("end: " + FormatRfc3339(*attack.end) + " is before the attack's start " +
                   FormatRfc3339(attack.start));
  }
  if (end.start && *end.start > attack.start && *end.start <= *attack.end) {
    attack.start = *end.start;
  }
  attack.outcome = end.outcome;
  attack.halted_reason = end.halted_reason;
  if (end.exit_status) attack.exit_status = end.exit_status;
  if (!end.steady_state.empty()) {
    attack.steady_state = end.steady_state;
  } else if (judge_) {
    attack.steady_state = judge_(attack);
  }
  RETURN_IF_ERROR(store_.PutRecord(store::Family::kAttacks, attack.id, AttackToJson(attack)));
  {
    std::lock_guard lock(monotonic_mu_);
    started_monotonic_.erase(attack.id);
  }
  Notify(attack, AttackEvent::kEnded);
  return attack;
}

Result<AttackLog::ImportResult> AttackLog::Import(Attack attack) {
  if (attack.source.empty() || attack.source_id.empty()) {
    return Invalid("an imported attack needs a source and a source_id");
  }
  RETURN_IF_ERROR(FitImportedAttack(attack));
  RETURN_IF_ERROR(CheckClosedSets(attack));
  if (attack.end && *attack.end < attack.start) {
    return Invalid("end: " + FormatRfc3339(*attack.end) + " is before the attack's start " +
                   FormatRfc3339(attack.start));
  }
  std::lock_guard lock(import_mu_);
  std::optional<Attack> existing;
  std::optional<Error> failure;
  auto scanned = store_.ScanRecords(
      store::Family::kAttacks, "", [&](std::string_view, std::string_view value) {
        auto stored = AttackFromJson(value);
        if (!stored.ok()) return true;  // List reports unreadable records; not our business
        if (stored->source == attack.source && stored->source_id == attack.source_id) {
          existing = std::move(*stored);
          return false;
        }
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  if (failure) return *failure;
  ImportResult result;
  attack.id =
      existing ? existing->id : DerivedAttackId(attack.start, attack.source, attack.source_id);
  const std::string record = AttackToJson(attack);
  result.created = !existing;
  result.changed = !existing || AttackToJson(*existing) != record;
  result.attack = attack;
  if (!result.changed) return result;
  RETURN_IF_ERROR(store_.PutRecord(store::Family::kAttacks, attack.id, record));
  // Observers hear of windows that are running now or that started or ended here.
  if (attack.outcome == "running" && (!existing || existing->outcome != "running")) {
    Notify(attack, AttackEvent::kStarted);
  } else if (attack.outcome != "running" && existing && existing->outcome == "running") {
    Notify(attack, AttackEvent::kEnded);
  }
  return result;
}

Result<std::vector<Attack>> AttackLog::CloseAbandoned(
    Duration max_duration, const std::function<bool(const Attack&)>& orphaned) {
  const Timestamp now = clock_.Now();
  const MonotonicTime monotonic_now = clock_.Monotonic();
  auto all = List(std::nullopt, std::nullopt);
  if (!all.ok()) return all.error();
  std::map<std::string, Duration> open_for;  // running windows by id
  {
    std::lock_guard lock(monotonic_mu_);
    for (const Attack& a : *all) {
      if (a.outcome != "running") {
        started_monotonic_.erase(a.id);  // ended by an import
        continue;
      }
      const auto [it, first_seen] = started_monotonic_.try_emplace(a.id);
      if (first_seen) it->second = MonotonicOfWall(a.start, now, monotonic_now);
      open_for[a.id] =
          std::max(Duration{0}, std::chrono::duration_cast<Duration>(monotonic_now - it->second));
    }
  }
  std::vector<Attack> closed;
  for (const Attack& a : *all) {
    auto age = open_for.find(a.id);
    if (age == open_for.end()) continue;
    const bool too_long = age->second > max_duration;
    if (!too_long && !(orphaned && orphaned(a))) continue;
    AttackEnd end;
    end.outcome = "abandoned";
    end.end = a.start + std::min(age->second, max_duration);
    end.halted_reason = too_long
                            ? "open longer than max_attack_duration " + FormatDuration(max_duration)
                            : "its owner went away without ending it";
    auto ended = End(a.id, end);
    if (!ended.ok()) {
      // Someone ended it meanwhile: fine. Anything else is a store failure.
      if (ended.error().code == ErrorCode::kInvalidInput) continue;
      return ended.error();
    }
    closed.push_back(std::move(*ended));
  }
  return closed;
}

Result<std::optional<Attack>> AttackLog::Get(std::string_view id) const {
  auto record = store_.GetRecord(store::Family::kAttacks, id);
  if (!record.ok()) return record.error();
  if (!record->has_value()) return std::optional<Attack>{};
  auto attack = AttackFromJson(**record);
  if (!attack.ok()) {
    return MakeError(ErrorCode::kCorruption, "stored attack " + std::string(id) +
                                                 " is unreadable: " + attack.error().message);
  }
  return std::optional<Attack>(std::move(*attack));
}

Result<std::vector<Attack>> AttackLog::List(std::optional<Timestamp> since,
                                            std::optional<Timestamp> until) const {
  auto page = ListPage(since, until, "", std::numeric_limits<size_t>::max());
  if (!page.ok()) return page.error();
  std::stable_sort(page->attacks.begin(), page->attacks.end(),
                   [](const Attack& a, const Attack& b) { return a.start < b.start; });
  return std::move(page->attacks);
}

Result<AttackLog::Page> AttackLog::ListPage(std::optional<Timestamp> since,
                                            std::optional<Timestamp> until, std::string_view after,
                                            size_t limit) const {
  if (limit == 0) return MakeError(ErrorCode::kInvalidInput, "limit: must be at least 1");
  Page page;
  std::optional<Error> failure;
  const std::string from = after.empty() ? std::string() : std::string(after) + '\0';
  RETURN_IF_ERROR(store_.ScanRecordsFrom(
      store::Family::kAttacks, "", from, [&](std::string_view key, std::string_view value) {
        auto attack = AttackFromJson(value);
        if (!attack.ok()) {
          failure =
              MakeError(ErrorCode::kCorruption, "stored attack " + std::string(key) +
                                                    " is unreadable: " + attack.error().message);
          return false;
        }
        const Timestamp end = attack->end.value_or(Timestamp::max());
        if (until && attack->start >= *until) return true;
        if (since && end < *since) return true;
        if (page.attacks.size() == limit) {
          page.next = page.attacks.back().id;
          return false;
        }
        page.attacks.push_back(std::move(*attack));
        return true;
      }));
  if (failure) return *failure;
  return page;
}

std::string AttacksCsv(const std::vector<Attack>& attacks) {
  std::string out;
  AppendCsvRow(out,
               {"id", "source", "source_id", "type", "targets", "services", "start", "end",
                "created_by", "name", "outcome", "steady_state", "halted_reason", "reproduces"});
  for (const auto& a : attacks) {
    AppendCsvRow(out,
                 {a.id, a.source, a.source_id, a.type, Join(a.targets, ";"), Join(a.services, ";"),
                  FormatRfc3339(a.start), a.end ? FormatRfc3339(*a.end) : "", a.created_by, a.name,
                  a.outcome, a.steady_state, a.halted_reason, Join(a.reproduces, ";")});
  }
  return out;
}

std::string AttacksJson(const std::vector<Attack>& attacks) {
  std::string out = "[";
  for (size_t i = 0; i < attacks.size(); ++i) {
    if (i > 0) out += ',';
    out += AttackToJson(attacks[i]);
  }
  return out + "]";
}

}  // namespace steadystate::chaos
