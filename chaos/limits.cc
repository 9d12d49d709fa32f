#include "chaos/limits.h"

namespace steadystate::chaos {
namespace {

Error Over(std::string_view field, size_t size, std::string_view unit, size_t max) {
  return MakeError(ErrorCode::kInvalidInput, std::string(field) + ": " + std::to_string(size) +
                                                 " " + std::string(unit) + ", over the limit of " +
                                                 std::to_string(max));
}

void CutList(std::vector<std::string>& values, size_t max_entries, size_t max_entry_bytes) {
  if (values.size() > max_entries) {
    values.resize(max_entries);
    values.back() = std::string(kCutMarker);
  }
  for (auto& v : values) CutToLength(v, max_entry_bytes);
}

}  // namespace

Status CheckLength(std::string_view field, std::string_view value, size_t max_bytes) {
  if (value.size() > max_bytes) return Over(field, value.size(), "bytes", max_bytes);
  return OkStatus();
}

Status CheckList(std::string_view field, const std::vector<std::string>& values, size_t max_entries,
                 size_t max_entry_bytes) {
  if (values.size() > max_entries) return Over(field, values.size(), "entries", max_entries);
  for (size_t i = 0; i < values.size(); ++i) {
    RETURN_IF_ERROR(CheckLength(std::string(field) + "[" + std::to_string(i) + "]", values[i],
                                max_entry_bytes));
  }
  return OkStatus();
}

void CutToLength(std::string& value, size_t max_bytes) {
  if (value.size() <= max_bytes) return;
  size_t keep = max_bytes > kCutMarker.size() ? max_bytes - kCutMarker.size() : 0;
  // Back up over UTF-8 continuation bytes so a character is never split.
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  value.resize(keep);
  value += kCutMarker.substr(0, max_bytes - keep);
}

Status CheckAttackLimits(const Attack& a) {
  RETURN_IF_ERROR(CheckLength("id", a.id, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("source", a.source, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("source_id", a.source_id, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("type", a.type, kMaxTypeBytes));
  RETURN_IF_ERROR(CheckList("targets", a.targets, kMaxListEntries, kMaxNameBytes));
  RETURN_IF_ERROR(CheckList("services", a.services, kMaxListEntries, kMaxNameBytes));
  RETURN_IF_ERROR(CheckLength("created_by", a.created_by, kMaxNameBytes));
  RETURN_IF_ERROR(CheckLength("name", a.name, kMaxNameBytes));
  RETURN_IF_ERROR(CheckLength("outcome", a.outcome, kMaxTypeBytes));
  RETURN_IF_ERROR(CheckLength("steady_state", a.steady_state, kMaxTypeBytes));
  RETURN_IF_ERROR(CheckLength("halted_reason", a.halted_reason, kMaxTextBytes));
  RETURN_IF_ERROR(CheckList("reproduces", a.reproduces, kMaxListEntries, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("owner", a.owner, kMaxIdBytes));
  if (a.steps.size() > kMaxSteps) return Over("steps", a.steps.size(), "entries", kMaxSteps);
  for (const auto& step : a.steps) {
    RETURN_IF_ERROR(CheckLength("steps[].name", step.name, kMaxTextBytes));
    RETURN_IF_ERROR(CheckLength("steps[].type", step.type, kMaxTypeBytes));
    RETURN_IF_ERROR(CheckLength("steps[].status", step.status, kMaxTypeBytes));
  }
  return OkStatus();
}

Status FitImportedAttack(Attack& a) {
  RETURN_IF_ERROR(CheckLength("id", a.id, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("source", a.source, kMaxIdBytes));
  RETURN_IF_ERROR(CheckLength("source_id", a.source_id, kMaxIdBytes));
  CutList(a.targets, kMaxListEntries, kMaxNameBytes);
  CutList(a.services, kMaxListEntries, kMaxNameBytes);
  CutToLength(a.created_by, kMaxNameBytes);
  CutToLength(a.name, kMaxNameBytes);
  CutToLength(a.halted_reason, kMaxTextBytes);
  CutList(a.reproduces, kMaxListEntries, kMaxIdBytes);
  CutToLength(a.owner, kMaxIdBytes);
  if (a.steps.size() > kMaxSteps) a.steps.resize(kMaxSteps);
  for (auto& step : a.steps) {
    CutToLength(step.name, kMaxTextBytes);
    CutToLength(step.type, kMaxTypeBytes);
    CutToLength(step.status, kMaxTypeBytes);
  }
  // type, outcome and steady_state are closed sets, checked after this.
  return OkStatus();
}

}  // namespace steadystate::chaos
