#include "slo/alert_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "slo/alert_history.h"

namespace steadystate::slo {
namespace {

// Resolved alerts stay visible this long (Prometheus keeps them 15m for resending).
constexpr auto kResolvedRetention = std::chrono::minutes(15);

}  // namespace

AlertEngine::AlertEngine(store::Store& store, const Clock& clock, TransitionSink sink,
                         AttackSource attacks)
    : store_(store), clock_(clock), sink_(std::move(sink)), attacks_(std::move(attacks)) {}

Status AlertEngine::Load() {
  std::lock_guard lock(mu_);
  std::vector<std::string> unreadable;
  auto scanned = store_.ScanRecords(
      store::Family::kAlerts, "", [&](std::string_view key, std::string_view value) {
        if (key.substr(0, kAlertHistoryPrefix.size()) == kAlertHistoryPrefix) {
          return true;
        }
        auto alert = AlertFromJson(value);
        if (!alert.ok()) {
          unreadable.emplace_back(key);
          return true;
        }
        alerts_[alert->Fingerprint()] = std::move(*alert);
        return true;
      });
  RETURN_IF_ERROR(scanned);
  // A restored alert's age comes from its wall-clock stamps once, here, and is measured on
  // the monotonic clock from then on: a pending alert keeps the `for` progress it had
  // (counting the downtime, like Prometheus restoring ALERTS_FOR_STATE), and a stamp ahead
  // of the wall clock (stepped back while we were down) counts as "just now".
  const Timestamp wall_now = clock_.Now();
  const MonotonicTime monotonic_now = clock_.Monotonic();
  for (auto& [fingerprint, alert] : alerts_) {
    alert.active_monotonic = MonotonicOfWall(alert.active_at, wall_now, monotonic_now);
    if (alert.resolved_at) {
      alert.resolved_monotonic = MonotonicOfWall(*alert.resolved_at, wall_now, monotonic_now);
    }
  }
  for (const auto& key : unreadable) {
    spdlog::warn("dropping unreadable alert record {}", key);
    (void)store_.DeleteRecord(store::Family::kAlerts, key);
  }
  if (!alerts_.empty()) spdlog::info("restored {} active alert(s)", alerts_.size());
  return OkStatus();
}

void AlertEngine::Persist(const Alert& alert, bool remove) {
  const std::string fp = alert.Fingerprint();
  auto status = remove ? store_.DeleteRecord(store::Family::kAlerts, fp)
                       : store_.PutRecord(store::Family::kAlerts, fp, AlertToJson(alert));
  if (status.ok()) {
    unsaved_.erase(fp);
    return;
  }
  ++write_errors_;
  // One line per alert until it is saved, not one per evaluation.
  if (unsaved_.insert(fp).second) {
    spdlog::error("alert {}: cannot persist state (kept in memory, saved when the store can): {}",
                  alert.name, status.error().message);
  }
}

void AlertEngine::RecordHistory(const Alert& alert) {
  std::string key = AlertHistoryKey(alert);
  std::string record = AlertToJson(alert);
  if (auto status = store_.PutRecord(store::Family::kAlerts, key, record); !status.ok()) {
    ++write_errors_;
    spdlog::error("alert {}: cannot record history (kept in memory, saved when the store can): {}",
                  alert.name, status.error().message);
    unsaved_history_[std::move(key)] = std::move(record);
  }
}

bool AlertEngine::SaveUnsaved() {
  std::lock_guard lock(mu_);
  return SaveUnsavedLocked();
}

bool AlertEngine::SaveUnsavedLocked() {
  // In order; the first failure ends the round (the store is still refusing writes).
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    auto alert = alerts_.find(*it);
    auto status = alert == alerts_.end()
                      ? store_.DeleteRecord(store::Family::kAlerts, *it)
                      : store_.PutRecord(store::Family::kAlerts, *it, AlertToJson(alert->second));
    if (!status.ok()) {
      ++write_errors_;
      return false;
    }
    spdlog::info("alert {}: state saved after the store recovered",
                 alert == alerts_.end() ? *it : alert->second.name);
    it = unsaved_.erase(it);
  }
  for (auto it = unsaved_history_.begin(); it != unsaved_history_.end();) {
    if (!store_.PutRecord(store::Family::kAlerts, it->first, it->second).ok()) {
      ++write_errors_;
      return false;
    }
    it = unsaved_history_.erase(it);
  }
  return true;
}

void AlertEngine::Evaluate(const ThresholdRule& rule, const std::vector<RuleSeries>& series) {
  const Timestamp now = clock_.Now();
  const MonotonicTime monotonic_now = clock_.Monotonic();
  std::vector<std::pair<Alert, TransitionKind>> notify;
  {
    std::lock_guard lock(mu_);
    SaveUnsavedLocked();
    std::set<std::string> seen;
    auto advance = [&](Alert& alert, std::optional<double> value) {
      const TransitionKind kind = Step(alert, rule, value, now, monotonic_now);
      if (kind == TransitionKind::kNone) return;
      if (kind == TransitionKind::kFired && attacks_) alert.attacks = attacks_();
      Persist(alert, kind == TransitionKind::kCancelled);
      if (kind == TransitionKind::kFired || kind == TransitionKind::kResolved) {
        RecordHistory(alert);
        notify.emplace_back(alert, kind);
      }
    };
    for (const auto& s : series) {
      Alert probe;
      probe.name = rule.name;
      probe.labels = s.labels;
      probe.labels["alertname"] = rule.name;
      probe.labels["severity"] = rule.severity;
      const std::string fp = probe.Fingerprint();
      seen.insert(fp);
      auto it = alerts_.find(fp);
      if (it == alerts_.end()) {
        if (!s.value || *s.value <= rule.above) continue;  // stays inactive: keep nothing
        it = alerts_.emplace(fp, std::move(probe)).first;
      }
      advance(it->second, s.value);
    }
    for (auto it = alerts_.begin(); it != alerts_.end();) {
      Alert& alert = it->second;
      if (alert.name == rule.name && seen.count(it->first) == 0) advance(alert, std::nullopt);
      const bool expired = alert.state == AlertState::kResolved &&
                           monotonic_now - alert.resolved_monotonic > kResolvedRetention;
      if (expired) Persist(alert, /*remove=*/true);
      if (alert.state == AlertState::kInactive || expired) {
        it = alerts_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [alert, kind] : notify) sink_(alert, kind);
}

void AlertEngine::Retain(const std::vector<std::string>& rule_names) {
  std::lock_guard lock(mu_);
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    if (std::find(rule_names.begin(), rule_names.end(), it->second.name) == rule_names.end()) {
      Persist(it->second, /*remove=*/true);
      it = alerts_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<Alert> AlertEngine::Snapshot() const {
  std::vector<Alert> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [fp, alert] : alerts_) out.push_back(alert);
  }
  std::sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) {
    return std::tie(a.name, a.labels) < std::tie(b.name, b.labels);
  });
  return out;
}

Result<std::vector<Alert>> AlertEngine::History(std::optional<Timestamp> since,
                                                std::optional<Timestamp> until) const {
  return ReadAlertHistory(store_, since, until);
}

uint64_t AlertEngine::write_errors() const {
  std::lock_guard lock(mu_);
  return write_errors_;
}

size_t AlertEngine::unsaved() const {
  std::lock_guard lock(mu_);
  return unsaved_.size() + unsaved_history_.size();
}

}  // namespace steadystate::slo
