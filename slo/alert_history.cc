#include "slo/alert_history.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <utility>

namespace steadystate::slo {

std::string AlertHistoryKey(const Alert& alert) {
  const auto ms = alert.fired_at ? alert.fired_at->time_since_epoch().count() : 0;
  char digits[32];
  std::snprintf(digits, sizeof digits, "%014lld", static_cast<long long>(ms));
  return std::string(kAlertHistoryPrefix) + digits + "/" + alert.InstanceKey();
}

Result<std::vector<Alert>> ReadAlertHistory(const store::Store& store,
                                            std::optional<Timestamp> since,
                                            std::optional<Timestamp> until) {
  std::vector<Alert> out;
  std::string bad_key;
  auto scanned = store.ScanRecords(store::Family::kAlerts, std::string(kAlertHistoryPrefix),
                                   [&](std::string_view key, std::string_view value) {
                                     auto alert = AlertFromJson(value);
                                     if (!alert.ok()) {
                                       bad_key = key;
                                       return true;  // skipped; named in the log below
                                     }
                                     if (!alert->fired_at) return true;
                                     if (since && *alert->fired_at < *since) return true;
                                     if (until && *alert->fired_at >= *until) {
                                       return false;  // keys sort by fired_at
                                     }
                                     out.push_back(std::move(*alert));
                                     return true;
                                   });
  RETURN_IF_ERROR(scanned);
  if (!bad_key.empty()) spdlog::warn("alert history: skipped unreadable record {}", bad_key);
  return out;
}

}  // namespace steadystate::slo
