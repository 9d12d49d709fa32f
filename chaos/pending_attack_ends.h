// The pending-ends journal: ends of attack windows that `attack run` could not record
// because its daemon stayed away, kept in the daemon's data directory
// (DIR/pending-attack-ends.jsonl, one JSON object per line) until the daemon records
// them: at start, before it closes abandoned windows, and before every abandoned-window
// sweep. Writers and the reader take an exclusive flock on the file, so an end appended
// while the daemon applies the journal is never lost.
#pragma once

#include <functional>
#include <string>

#include "chaos/attack.h"
#include "common/result.h"

namespace steadystate::chaos {

// DIR/pending-attack-ends.jsonl.
std::string PendingAttackEndsPath(const std::string& data_dir);

// The body of POST /api/v1/attacks/{id}/end for `end` (ParseAttackEnd reads it back).
std::string AttackEndToJson(const AttackEnd& end);

// Appends the end of window `id` (synced). Never creates `data_dir`: kNotFound when it is
// not a data directory (has no CURRENT file).
Status AppendPendingAttackEnd(const std::string& data_dir, const std::string& id,
                              const AttackEnd& end);

// Records every pending end with `record`. An end that is recorded, or refused for good
// (unknown id, already ended, unreadable line: logged), leaves the journal; one that
// fails otherwise (the store refuses writes) stays for the next call. Returns how many
// were recorded. No journal: 0.
using RecordAttackEnd = std::function<Result<Attack>(const std::string& id, const AttackEnd&)>;
Result<int> ApplyPendingAttackEnds(const std::string& data_dir, const RecordAttackEnd& record);

}  // namespace steadystate::chaos
