// Attack: one chaos attack window (DESIGN.md §3), and AttackLog, which records windows
// durably in the store. Windows are few (thousands), so they are stored as JSON records
// keyed by id; ids sort by start time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace steadystate::incidents {

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
};

// The closed sets of DESIGN.md §3.
bool IsAttackType(std::string_view type);
bool IsAttackOutcome(std::string_view outcome);
bool IsSteadyState(std::string_view steady_state);

// JSON in the field order of DESIGN.md §6. Absent values are null.
std::string AttackToJson(const Attack& attack);
// Parses a stored record or an API body; errors name the field.
Result<Attack> AttackFromJson(std::string_view json);

// What a caller may set when starting a window (POST /api/v1/attacks).
// Unknown fields, a bad type, or bad instants are errors that name the field.
Result<Attack> ParseAttackStart(std::string_view json_body);

struct AttackEnd {
  std::string outcome = "completed";
  std::optional<Timestamp> end;  // default: now
  std::string steady_state;      // empty: keep
  std::string halted_reason;
};
Result<AttackEnd> ParseAttackEnd(std::string_view json_body);

// Records attack windows in the store's attacks family with synced writes: once a
// method returns OK, the window survives kill -9. Thread-safe.
class AttackLog {
 public:
  AttackLog(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Assigns an id (and start = now when unset) and stores the window.
  Result<Attack> Start(Attack attack);
  Result<Attack> End(std::string_view id, const AttackEnd& end);
  Result<std::optional<Attack>> Get(std::string_view id) const;
  // Windows overlapping [since, until), ordered by start.
  Result<std::vector<Attack>> List(std::optional<Timestamp> since,
                                   std::optional<Timestamp> until) const;

 private:
  std::string NewId(Timestamp start);

  store::Store& store_;
  const Clock& clock_;
};

}  // namespace steadystate::incidents
