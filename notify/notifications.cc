#include "notify/notifications.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "slo/burn_rate.h"

namespace steadystate::notify {
namespace {

constexpr auto kDeliveryInterval = std::chrono::seconds(1);
// Prometheus re-sends firing alerts about every minute; Alertmanager resolves an alert
// whose endsAt (now + 4m at each send) passes without news.
constexpr auto kResendInterval = std::chrono::minutes(1);

}  // namespace

Notifications::Notifications(store::Store& store, const Clock& clock,
                             prometheus::Registry& registry, FiringSource firing,
                             const StopSignal* stop)
    : store_(store),
      clock_(clock),
      registry_(registry),
      firing_(std::move(firing)),
      http_(NewCurlHttpClient(stop)),
      scheduler_(clock) {
  scheduler_.Every("notify", kDeliveryInterval, [this] { Deliver(); });
  scheduler_.Every(
      "alertmanager-resend", kResendInterval, [this] { ResendFiring(); }, kResendInterval);
}

Notifications::~Notifications() { Stop(); }

Status Notifications::Configure(const config::Config& config, const std::string& external_url) {
  NotifierOptions options;
  options.external_url = external_url;
  auto notifiers = BuildNotifiers(config.notifiers, *http_, clock_, ::getenv, options);
  if (!notifiers.ok()) return notifiers.error();
  std::map<std::string, std::vector<std::string>> routes;
  for (const auto& rule : config.alerts) {
    routes[rule.name] = rule.notify.empty() ? std::vector<std::string>{"log"} : rule.notify;
  }
  const std::vector<slo::BurnRateTier> tiers = slo::BurnRateTiers(config.slo_alerts);
  for (size_t i = 0; i < tiers.size(); ++i) {
    // Configured tiers are in config order; a tier's own notify list wins.
    const std::vector<std::string>* notify = &config.slo_alerts.notify;
    if (i < config.slo_alerts.tiers.size() && !config.slo_alerts.tiers[i].notify.empty()) {
      notify = &config.slo_alerts.tiers[i].notify;
    }
    routes[slo::BurnRateRuleName(tiers[i])] =
        notify->empty() ? std::vector<std::string>{"log"} : *notify;
  }
  std::scoped_lock lock(run_mu_, mu_);
  // The old outbox goes first: the new one reloads the same queued records.
  outbox_.reset();
  auto outbox = Outbox::Open(store_, clock_, registry_, *notifiers);
  if (!outbox.ok()) {
    auto again = Outbox::Open(store_, clock_, registry_, notifiers_);
    if (again.ok()) outbox_ = std::move(*again);
    return outbox.error();
  }
  notifiers_ = std::move(*notifiers);
  outbox_ = std::move(*outbox);
  routes_ = std::move(routes);
  return OkStatus();
}

void Notifications::OnTransition(const slo::Alert& alert, slo::TransitionKind kind) {
  if (kind != slo::TransitionKind::kFired && kind != slo::TransitionKind::kResolved) return;
  std::lock_guard lock(mu_);
  if (!outbox_) return;
  auto route = routes_.find(alert.name);
  const std::vector<std::string> names =
      route != routes_.end() ? route->second : std::vector<std::string>{"log"};
  for (const auto& name : names) {
    Notification n;
    n.kind = kind == slo::TransitionKind::kFired ? Notification::Kind::kTrigger
                                                 : Notification::Kind::kResolve;
    n.notifier = name;
    n.alert = alert;
    if (auto s = outbox_->Enqueue(std::move(n)); !s.ok()) {
      spdlog::error("alert {}: queueing for {} is not durable: {}", alert.name, name,
                    s.error().message);
    }
  }
  // Deliver now rather than at the next tick: a page should not wait a second for nothing.
  scheduler_.RunSoon("notify");
}

void Notifications::Announce(const std::vector<std::string>& notifiers,
                             const std::string& attack_id, Timestamp at, const std::string& text,
                             const std::string& details) {
  std::lock_guard lock(mu_);
  if (!outbox_) return;
  for (const auto& name : notifiers) {
    Notification n;
    n.kind = Notification::Kind::kAnnounce;
    n.notifier = name;
    n.alert.name = "ChaosAttack";
    n.alert.labels = {{"attack_id", attack_id}};
    n.alert.active_at = at;
    n.text = text;
    n.details = details;
    if (auto s = outbox_->Enqueue(std::move(n)); !s.ok()) {
      spdlog::error("chaos announcement for attack {}: queueing for {} is not durable: {}",
                    attack_id, name, s.error().message);
    }
  }
  scheduler_.RunSoon("notify");
}

void Notifications::Deliver() {
  std::lock_guard lock(run_mu_);
  if (outbox_) outbox_->RunOnce();
}

void Notifications::ResendFiring() {
  std::vector<slo::Alert> firing;
  for (auto& a : firing_()) {
    if (a.state == slo::AlertState::kFiring) firing.push_back(std::move(a));
  }
  std::lock_guard lock(run_mu_);
  for (const auto& notifier : notifiers_) {
    std::vector<slo::Alert> routed;
    for (const auto& a : firing) {
      auto route = routes_.find(a.name);
      if (route == routes_.end()) continue;
      if (std::find(route->second.begin(), route->second.end(), notifier->name()) !=
          route->second.end()) {
        routed.push_back(a);
      }
    }
    if (!routed.empty()) notifier->ResendFiring(routed);
  }
}

void Notifications::Start() { scheduler_.Start(); }

void Notifications::Stop() {
  scheduler_.Stop();
  std::scoped_lock lock(run_mu_, mu_);
  outbox_.reset();
}

}  // namespace steadystate::notify
