// Chaos Toolkit journals (the journal.json that `chaos run` writes) as attack windows.
// Pure: no I/O. The field-by-field rules are in docs/chaos.md; in short, one journal is one
// window from the start of the first action in run[] (the journal's start if there is
// none) to the journal's end, because a fault injected by an action often outlives the
// action until a later action or rollback removes it.
#pragma once

#include <string>
#include <string_view>

#include "chaos/attack.h"
#include "common/result.h"

namespace steadystate::chaos {

// Parses one journal. `type_override` (empty: none) replaces the type read from the
// experiment's tags or action providers. Errors (kInvalidInput) name the field.
// The result has source "chaostoolkit" and a source_id derived from the experiment title,
// the journal's start and node, so re-importing the same journal finds the same window.
Result<Attack> ParseChaosToolkitJournal(std::string_view journal,
                                        std::string_view type_override = "");

// The attack type a free-form text names ("stress-ng --cpu 2", "netem loss 10%",
// "iptables -j DROP"), or "" when it names none. Shared by the Chaos Toolkit and Gremlin
// importers.
std::string AttackTypeFromText(std::string_view text);

}  // namespace steadystate::chaos
