// Outbox: at-least-once delivery of notifications across receiver outages and restarts
// (DESIGN.md §7). Enqueue makes a notification durable in the store's `outbox` family
// (a synced write) before it returns; RunOnce, called every second by the daemon's
// Scheduler, delivers what is due through its notifier and removes it once the receiver
// took it or refused it for good.
//
//   sent      -> deleted                       steadystate_notifications_total{result="sent"}
//   retry     -> attempts+1, next attempt after 1s, 2s, 4s ... capped at 5m, minus up to
//                20% jitter, never before the receiver's Retry-After; persisted  {"retry"}
//   rejected  -> deleted, logged as an error                                    {"rejected"}
//   older than 24h without success -> deleted, logged                           {"expired"}
//   notifier no longer configured  -> deleted with a warning
//
// A store that refuses writes (a full disk) does not stop delivery: the notification is
// queued in memory, and each RunOnce first writes the records the store did not take
// (and deletes the delivered ones it could not delete), so once the disk has room a
// restart neither loses a queued notification nor sends a delivered one again.
//
// Order: notifications for the same alert (rule + labels) and notifier go out in the order
// they were enqueued: a resolve waits while its trigger is being retried. Different alerts
// never wait for each other. After a retryable failure the rest of that notifier's queue
// waits for the next RunOnce, and a Retry-After pauses the whole notifier (a rate limit
// is per webhook / integration key), so a dead receiver costs one request per run.
//
// Time: only the injected Clock. Backoff and age run on its monotonic time while the
// process lives; the record keeps wall-clock enqueued_at/next_attempt_at, read once at
// Open to carry the schedule over a restart, so a wall-clock jump cannot expire or
// stall queued notifications.
//
// Thread safety: Enqueue and size() may be called from any thread, concurrently with
// RunOnce; RunOnce calls are serialised. Deliveries run without holding the lock that
// Enqueue takes. The store, clock, registry and notifiers must outlive the Outbox.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "notify/notification.h"
#include "notify/notifier.h"
#include "store/store.h"

namespace steadystate::notify {

struct OutboxOptions {
  Duration initial_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
  Duration max_retry_after = std::chrono::hours(1);  // a receiver cannot park us for longer
  Duration max_age = std::chrono::hours(24);
  double jitter = 0.2;  // a wait is backoff * (1 - jitter * U[0, 1))
  uint64_t seed = 0;    // jitter random seed; 0: from std::random_device
};

// What one RunOnce did, for tests and debug logs.
struct OutboxRunStats {
  int sent = 0;
  int retried = 0;
  int rejected = 0;
  int expired = 0;
  int dropped = 0;  // notifier no longer configured, or unreadable record
  int waiting = 0;  // not due yet, or held behind an earlier notification
};

class Outbox {
 public:
  // Loads every queued notification from the store. `notifiers` are looked up by name().
  static Result<std::unique_ptr<Outbox>> Open(store::Store& store, const Clock& clock,
                                              prometheus::Registry& registry,
                                              std::span<const std::unique_ptr<Notifier>> notifiers,
                                              OutboxOptions options = {});
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues `notification` for its notifier and returns once it is durable.
  // kInvalidInput if no notifier has that name. If the store write fails, the
  // notification is still queued in memory (delivered while this process lives) and the
  // store's error is returned, so the caller can say it is not durable.
  Status Enqueue(Notification notification);

  // Delivers every due notification, in enqueue order per alert and notifier.
  OutboxRunStats RunOnce();

  // Notifications waiting for delivery.
  size_t size() const;

  struct Entry;  // defined in outbox.cc

 private:
  Outbox(store::Store& store, const Clock& clock, prometheus::Registry& registry,
         std::span<const std::unique_ptr<Notifier>> notifiers, OutboxOptions options);
  Status Load();
  std::string NextKeyLocked(Timestamp now);
  Duration Backoff(int attempts);
  void Count(const std::string& notifier, std::string_view result);
  void Remove(const std::string& key);
  // Writes queued records the store refused, deletes delivered ones it kept.
  void CatchUpStore();

  store::Store& store_;
  const Clock& clock_;
  OutboxOptions options_;
  std::map<std::string, Notifier*, std::less<>> notifiers_;
  prometheus::Family<prometheus::Counter>* counters_ = nullptr;

  mutable std::mutex mu_;  // guards entries_, last_key_ms_, last_key_seq_
  std::map<std::string, std::unique_ptr<Entry>> entries_;  // by key = enqueue order
  int64_t last_key_ms_ = 0;
  uint32_t last_key_seq_ = 0;

  std::mutex run_mu_;  // serialises RunOnce; guards the members below
  std::map<std::string, MonotonicTime> paused_until_;  // notifier -> Retry-After end
  std::set<std::string> undeleted_;  // delivered, but the store still holds the record
  std::mt19937_64 rng_;
};

}  // namespace steadystate::notify
