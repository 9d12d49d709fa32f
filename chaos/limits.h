// The longest attack and incident fields steadystate keeps (docs/api.md, docs/chaos.md).
// What a client sends to the API over a limit is refused (400 naming the field and the
// limit); what another tool sends (Chaos Toolkit journals, Gremlin, PagerDuty) keeps its
// free text cut to the limit with a marker, while an identifier over its limit rejects
// the record, since a cut identifier could name another record. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/attack.h"
#include "common/result.h"

namespace steadystate::chaos {

// Bytes of one string, entries of one list.
inline constexpr size_t kMaxIdBytes = 256;      // id, source, source_id, owner, incident ids
inline constexpr size_t kMaxNameBytes = 256;    // name, created_by, services and targets entries
inline constexpr size_t kMaxTypeBytes = 32;     // type, outcome, steady_state, status, urgency
inline constexpr size_t kMaxTextBytes = 1024;   // halted_reason, incident title, step names
inline constexpr size_t kMaxUrlBytes = 2048;    // incident html_url
inline constexpr size_t kMaxListEntries = 100;  // targets, services, reproduces
inline constexpr size_t kMaxSteps = 1000;       // an attack's steps

// The marker that ends a cut string or list.
inline constexpr std::string_view kCutMarker = "...[cut]";

// kInvalidInput "<field>: <n> bytes, over the limit of <max>" (or entries), or OK.
Status CheckLength(std::string_view field, std::string_view value, size_t max_bytes);
Status CheckList(std::string_view field, const std::vector<std::string>& values, size_t max_entries,
                 size_t max_entry_bytes);

// `value` cut to at most `max_bytes` (at a UTF-8 character boundary) ending in kCutMarker.
void CutToLength(std::string& value, size_t max_bytes);

// Every field an API client can set on a window (ParseAttackStart, ParseAttackEnd,
// AttackLog::Start, AttackLog::End) against its limit; the error names the first field
// over its limit, and the limit.
Status CheckAttackLimits(const Attack& attack);

// For a window from another tool (AttackLog::Import): identifiers over their limit are
// an error; free text is cut with kCutMarker; lists keep their first entries and end in
// one kCutMarker entry.
Status FitImportedAttack(Attack& attack);

}  // namespace steadystate::chaos
