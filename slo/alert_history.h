// Alert history: a record of every alert that fired, kept in the store's alerts family
// under "history/<fired_at ms, 14 digits>/<instance key>" (so keys sort by firing time)
// and never expired (alerts are few). AlertEngine writes it; anyone with the store reads
// it, without an engine: detection coverage and "pages per week" read it here.
//
// Thread-safe as Store is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "slo/alert.h"
#include "store/store.h"

namespace steadystate::slo {

// Every history key starts with this; the alerts family's other keys are live alerts.
inline constexpr std::string_view kAlertHistoryPrefix = "history/";

// The history key of `alert` (fired_at unset counts as 0).
std::string AlertHistoryKey(const Alert& alert);

// Every alert that fired in [since, until) (either bound optional), firing or resolved,
// ordered by fired_at. A record that cannot be parsed is skipped and logged once per call.
Result<std::vector<Alert>> ReadAlertHistory(const store::Store& store,
                                            std::optional<Timestamp> since,
                                            std::optional<Timestamp> until);

}  // namespace steadystate::slo
