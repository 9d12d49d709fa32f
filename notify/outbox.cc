#include "notify/outbox.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

namespace steadystate::notify {

struct Outbox::Entry {
  Notification notification;
  std::string fingerprint;  // the alert's; with the notifier, the unit of ordering
  Timestamp enqueued_at;
  Timestamp next_attempt_at;
  Duration wait{0};  // the backoff that set next_attempt_at; 0 before the first attempt
  int attempts = 0;
  std::string last_error;
  // The schedule while this process lives (see the header on time).
  MonotonicTime enqueued_mono;
  MonotonicTime due;
  bool stored = true;  // false while the store has not taken the record
};

namespace {

constexpr std::string_view kResultSent = "sent";
constexpr std::string_view kResultRetry = "retry";
constexpr std::string_view kResultRejected = "rejected";
constexpr std::string_view kResultExpired = "expired";

// Record value: the notification's JSON plus the delivery state.
std::string RecordJson(const Outbox::Entry& e) {
  auto j = nlohmann::ordered_json::parse(NotificationToJson(e.notification));
  j["enqueued_at"] = FormatRfc3339(e.enqueued_at);
  j["attempts"] = e.attempts;
  j["next_attempt_at"] = FormatRfc3339(e.next_attempt_at);
  j["wait_ms"] = e.wait.count();
  j["last_error"] = e.last_error;
  return j.dump();
}

Result<Outbox::Entry> EntryFromRecord(std::string_view value) {
  auto notification = NotificationFromJson(value);
  if (!notification.ok()) return notification.error();
  auto j = nlohmann::json::parse(value, nullptr, false);  // valid: NotificationFromJson parsed it
  Outbox::Entry e;
  e.notification = std::move(notification).value();
  e.fingerprint = e.notification.alert.Fingerprint();
  auto time = [&](const char* key) -> Result<Timestamp> {
    if (!j.contains(key) || !j[key].is_string()) {
      return MakeError(ErrorCode::kCorruption, std::string("outbox record has no ") + key);
    }
    return ParseRfc3339(j[key].get<std::string>());
  };
  auto enqueued = time("enqueued_at");
  if (!enqueued.ok()) return enqueued.error();
  auto next = time("next_attempt_at");
  if (!next.ok()) return next.error();
  e.enqueued_at = *enqueued;
  e.next_attempt_at = *next;
  e.wait = Duration(j.value("wait_ms", Duration::rep{0}));
  e.attempts = j.value("attempts", 0);
  e.last_error = j.value("last_error", std::string());
  return e;
}

std::string Describe(const Outbox::Entry& e) {
  return std::string(ToString(e.notification.kind)) + " of " + e.notification.alert.name + " (" +
         e.fingerprint + ") to " + e.notification.notifier;
}

}  // namespace

Outbox::Outbox(store::Store& store, const Clock& clock, prometheus::Registry& registry,
               std::span<const std::unique_ptr<Notifier>> notifiers, OutboxOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      rng_(options.seed != 0 ? options.seed : std::random_device{}()) {
  for (const auto& n : notifiers) notifiers_.emplace(std::string(n->name()), n.get());
  // Registering the same family twice (an Outbox reopened on one registry) returns the
  // existing one, so counts carry on.
  counters_ = &prometheus::BuildCounter()
                   .Name("steadystate_notifications_total")
                   .Help(
                       "Notification delivery attempts by notifier and result "
                       "(sent, retry, rejected, expired).")
                   .Register(registry);
  for (const auto& [name, notifier] : notifiers_) {
    for (auto result : {kResultSent, kResultRetry, kResultRejected, kResultExpired}) {
      counters_->Add({{"notifier", name}, {"result", std::string(result)}});
    }
  }
}

Outbox::~Outbox() = default;

Result<std::unique_ptr<Outbox>> Outbox::Open(store::Store& store, const Clock& clock,
                                             prometheus::Registry& registry,
                                             std::span<const std::unique_ptr<Notifier>> notifiers,
                                             OutboxOptions options) {
  std::unique_ptr<Outbox> outbox;
  try {
    outbox.reset(new Outbox(store, clock, registry, notifiers, options));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("outbox metrics: ") + e.what());
  }
  RETURN_IF_ERROR(outbox->Load());
  return outbox;
}

Status Outbox::Load() {
  const Timestamp now = clock_.Now();
  const MonotonicTime mono = clock_.Monotonic();
  std::vector<std::string> unreadable;
  std::lock_guard lock(mu_);
  auto status = store_.ScanRecords(
      store::Family::kOutbox, "", [&](std::string_view key, std::string_view value) {
        unsigned long long ms = 0;
        unsigned int seq = 0;
        if (std::sscanf(std::string(key).c_str(), "%16llx-%8x", &ms, &seq) == 2) {
          const auto key_ms = static_cast<int64_t>(ms);
          if (key_ms > last_key_ms_ || (key_ms == last_key_ms_ && seq > last_key_seq_)) {
            last_key_ms_ = key_ms;
            last_key_seq_ = seq;
          }
        }
        auto entry = EntryFromRecord(value);
        if (!entry.ok()) {
          spdlog::error("outbox: dropping unreadable record {}: {}", key, entry.error().message);
          unreadable.emplace_back(key);
          return true;
        }
        auto e = std::make_unique<Entry>(std::move(entry).value());
        // Carry the wall-clock schedule over to this process's monotonic clock once. A
        // wall clock that stepped back while we were down must not stretch a backoff:
        // the remaining wait is never more than the wait that was scheduled.
        e->enqueued_mono = MonotonicOfWall(e->enqueued_at, now, mono);
        e->due = mono + std::clamp(e->next_attempt_at - now, Duration{0}, e->wait);
        entries_.emplace(std::string(key), std::move(e));
        return true;
      });
  if (!status.ok()) {
    return MakeError(status.error().code,
                     "outbox: cannot read queued notifications: " + status.error().message);
  }
  for (const auto& key : unreadable) {
    if (auto s = store_.DeleteRecord(store::Family::kOutbox, key); !s.ok()) {
      spdlog::error("outbox: cannot delete unreadable record {}: {}", key, s.error().message);
    }
  }
  if (!entries_.empty()) {
    spdlog::info("outbox: {} notification(s) queued from before the restart", entries_.size());
  }
  return OkStatus();
}

std::string Outbox::NextKeyLocked(Timestamp now) {
  // Never smaller than the last key, even if the wall clock stepped back, so keys keep
  // enqueue order; the sequence breaks ties within a millisecond.
  const int64_t ms = now.time_since_epoch().count();
  if (ms > last_key_ms_) {
    last_key_ms_ = ms;
    last_key_seq_ = 0;
  } else {
    ++last_key_seq_;
  }
  char key[32];
  std::snprintf(key, sizeof key, "%016" PRIx64 "-%08" PRIx32,
                static_cast<uint64_t>(std::max<int64_t>(last_key_ms_, 0)), last_key_seq_);
  return key;
}

Status Outbox::Enqueue(Notification notification) {
  if (notifiers_.find(notification.notifier) == notifiers_.end()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "no notifier named \"" + notification.notifier + "\"");
  }
  auto e = std::make_unique<Entry>();
  e->notification = std::move(notification);
  e->fingerprint = e->notification.alert.Fingerprint();
  e->enqueued_at = clock_.Now();
  e->next_attempt_at = e->enqueued_at;
  e->enqueued_mono = clock_.Monotonic();
  e->due = e->enqueued_mono;
  const std::string record = RecordJson(*e);
  const std::string description = Describe(*e);

  // Held across the synced write so that keys reach the store in key order.
  std::lock_guard lock(mu_);
  const std::string key = NextKeyLocked(e->enqueued_at);
  Status written = store_.PutRecord(store::Family::kOutbox, key, record);
  e->stored = written.ok();
  entries_.emplace(key, std::move(e));
  if (!written.ok()) {
    spdlog::error(
        "outbox: {} is queued in memory only until the store takes it (lost on a restart "
        "before that): {}",
        description, written.error().message);
    return MakeError(written.error().code,
                     "notification queued in memory only: " + written.error().message);
  }
  return OkStatus();
}

size_t Outbox::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

Duration Outbox::Backoff(int attempts) {
  const double base_ms = static_cast<double>(options_.initial_backoff.count()) *
                         std::pow(2.0, std::min(attempts - 1, 40));
  const double capped_ms = std::min(base_ms, static_cast<double>(options_.max_backoff.count()));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double wait_ms = capped_ms * (1.0 - options_.jitter * unit(rng_));
  return Duration(static_cast<Duration::rep>(wait_ms));
}

void Outbox::Count(const std::string& notifier, std::string_view result) {
  counters_->Add({{"notifier", notifier}, {"result", std::string(result)}}).Increment();
}

void Outbox::Remove(const std::string& key) {
  if (auto s = store_.DeleteRecord(store::Family::kOutbox, key); !s.ok()) {
    // Deleted again by later runs; if a restart comes first, it is delivered again: at
    // least once, never lost.
    spdlog::error("outbox: cannot delete delivered record {} (retried): {}", key,
                  s.error().message);
    undeleted_.insert(key);
  }
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

void Outbox::CatchUpStore() {
  // The first failure ends the round: the store is still refusing writes.
  if (!undeleted_.empty()) {
    for (auto it = undeleted_.begin(); it != undeleted_.end();) {
      if (!store_.DeleteRecord(store::Family::kOutbox, *it).ok()) return;
      it = undeleted_.erase(it);
    }
    spdlog::info("outbox: delivered records the store kept while it refused writes are deleted");
  }
  std::vector<std::pair<std::string, Entry*>> unstored;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, entry] : entries_) {
      if (!entry->stored) unstored.emplace_back(key, entry.get());
    }
  }
  for (const auto& [key, e] : unstored) {
    if (!store_.PutRecord(store::Family::kOutbox, key, RecordJson(*e)).ok()) return;
    e->stored = true;
    spdlog::info("outbox: the {} is stored now", Describe(*e));
  }
}

OutboxRunStats Outbox::RunOnce() {
  std::lock_guard run_lock(run_mu_);
  OutboxRunStats stats;
  CatchUpStore();

  // Only RunOnce removes or changes entries, and std::map keeps pointers stable across
  // Enqueue's inserts, so the entries can be used without mu_ below.
  std::vector<std::pair<std::string, Entry*>> queue;
  {
    std::lock_guard lock(mu_);
    queue.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) queue.emplace_back(key, entry.get());
  }

  std::set<std::string> held;                  // notifier + fingerprint with an earlier one waiting
  std::set<std::string, std::less<>> resting;  // notifiers that failed in this run
  for (const auto& [key, e] : queue) {
    const std::string& notifier_name = e->notification.notifier;
    const std::string order_key = notifier_name + '\0' + e->fingerprint;
    if (held.contains(order_key)) {
      ++stats.waiting;
      continue;
    }
    auto found = notifiers_.find(notifier_name);
    if (found == notifiers_.end()) {
      spdlog::warn("outbox: notifier {} is no longer configured; dropping the queued {}",
                   notifier_name, Describe(*e));
      Remove(key);
      ++stats.dropped;
      continue;
    }
    const MonotonicTime now = clock_.Monotonic();
    if (now - e->enqueued_mono >= options_.max_age) {
      spdlog::error("outbox: giving up on the {} after {} and {} attempt(s); last error: {}",
                    Describe(*e), FormatDuration(options_.max_age), e->attempts,
                    e->last_error.empty() ? "none" : e->last_error);
      Count(notifier_name, kResultExpired);
      Remove(key);
      ++stats.expired;
      continue;
    }
    auto paused = paused_until_.find(notifier_name);
    if (e->due > now || resting.contains(notifier_name) ||
        (paused != paused_until_.end() && paused->second > now)) {
      held.insert(order_key);
      ++stats.waiting;
      continue;
    }

    DeliveryResult result = found->second->Deliver(e->notification);
    switch (result.outcome) {
      case DeliveryResult::Outcome::kSent:
        spdlog::info("outbox: delivered the {}", Describe(*e));
        Count(notifier_name, kResultSent);
        Remove(key);
        ++stats.sent;
        break;
      case DeliveryResult::Outcome::kRejected:
        spdlog::error("outbox: the {} was rejected and dropped: {}", Describe(*e), result.message);
        Count(notifier_name, kResultRejected);
        Remove(key);
        ++stats.rejected;
        break;
      case DeliveryResult::Outcome::kRetry: {
        ++e->attempts;
        Duration wait = Backoff(e->attempts);
        if (result.retry_after) {
          const Duration asked = std::min(*result.retry_after, options_.max_retry_after);
          wait = std::max(wait, asked);
          paused_until_[notifier_name] = clock_.Monotonic() + asked;
        }
        e->last_error = result.message;
        e->wait = wait;
        e->due = clock_.Monotonic() + wait;
        e->next_attempt_at = clock_.Now() + wait;
        if (auto s = store_.PutRecord(store::Family::kOutbox, key, RecordJson(*e)); !s.ok()) {
          spdlog::error("outbox: cannot record the retry of the {}: {}", Describe(*e),
                        s.error().message);
        } else {
          e->stored = true;
        }
        spdlog::warn("outbox: the {} failed (attempt {}), next try in {}: {}", Describe(*e),
                     e->attempts, FormatDuration(wait), result.message);
        Count(notifier_name, kResultRetry);
        held.insert(order_key);
        resting.insert(notifier_name);
        ++stats.retried;
        break;
      }
    }
  }
  return stats;
}

}  // namespace steadystate::notify
