// Notifications: routes alert transitions to the notifiers each rule names, through the
// persistent Outbox, and runs delivery on its own thread (a receiver that hangs for its
// whole timeout must not delay host sampling). Also re-sends firing alerts to
// Alertmanager every minute, as Prometheus does, so Alertmanager does not time them out.
//
// Thread-safe: OnTransition is called from the sampling thread, Configure from the signal
// loop; delivery runs on the internal scheduler.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/scheduler.h"
#include "common/stop_signal.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "notify/outbox.h"
#include "slo/alert.h"
#include "store/store.h"

namespace steadystate::notify {

class Notifications {
 public:
  using FiringSource = std::function<std::vector<slo::Alert>()>;

  // `stop` (may be null; must outlive this) aborts a delivery in flight at shutdown (it is
  // retried from the outbox after the restart).
  Notifications(store::Store& store, const Clock& clock, prometheus::Registry& registry,
                FiringSource firing, const StopSignal* stop = nullptr);
  ~Notifications();

  // Builds the notifiers of `config` (resolving their secrets) and (re)opens the outbox.
  // On error the previous notifiers stay in use.
  Status Configure(const config::Config& config, const std::string& external_url);
  // Queues a trigger or resolve for every notifier the alert's rule names (`log` when
  // it names none).
  void OnTransition(const slo::Alert& alert, slo::TransitionKind kind);
  // Queues a chaos announcement (`text`, `details` = the attack's JSON) for each named
  // notifier, in order per attack id; `at` is when the event happened. Thread-safe.
  void Announce(const std::vector<std::string>& notifiers, const std::string& attack_id,
                Timestamp at, const std::string& text, const std::string& details);

  void Start();
  void Stop();

 private:
  void Deliver();
  void ResendFiring();

  store::Store& store_;
  const Clock& clock_;
  prometheus::Registry& registry_;
  FiringSource firing_;
  std::unique_ptr<HttpClient> http_;
  Scheduler scheduler_;

  // run_mu_ is held while delivering (which may wait on slow receivers); mu_ only while
  // queueing. The members below change only with both held, so either one makes reading
  // them safe.
  std::mutex run_mu_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Notifier>> notifiers_;
  std::unique_ptr<Outbox> outbox_;
  std::map<std::string, std::vector<std::string>> routes_;  // rule name -> notifier names
};

}  // namespace steadystate::notify
