// The concrete notifiers. Most code builds them through BuildNotifiers (notifier.h) from
// config; tests and tools may construct them directly. Each holds references to the
// HttpClient (and Clock) it is given, which must outlive it. All are thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/http_client.h"
#include "config/config.h"
#include "config/secret.h"
#include "notify/notifier.h"

namespace steadystate::notify {

// PagerDuty Events API v2: POST url {routing_key, event_action, dedup_key, payload}.
// 202 sent; 400 rejected (PagerDuty's `errors` in the message); 429, 5xx, timeouts retry.
class PagerDutyNotifier final : public Notifier {
 public:
  PagerDutyNotifier(std::string name, std::string url, config::Secret routing_key,
                    const HttpClient& http, NotifierOptions options);
  std::string_view name() const override { return name_; }
  DeliveryResult Deliver(const Notification& notification) override;

 private:
  std::string name_;
  std::string url_;
  config::Secret routing_key_;
  const HttpClient& http_;
  NotifierOptions options_;
};

// Slack incoming webhook: POST <secret URL> {"text", "blocks"}. 200 "ok" sent; 429 retried
// after Retry-After; 4xx like no_service / channel_is_archived rejected.
class SlackNotifier final : public Notifier {
 public:
  SlackNotifier(std::string name, config::Secret webhook_url, const HttpClient& http,
                NotifierOptions options = {});
  std::string_view name() const override { return name_; }
  DeliveryResult Deliver(const Notification& notification) override;

 private:
  std::string name_;
  config::Secret webhook_url_;
  const HttpClient& http_;
  NotifierOptions options_;
};

// Alertmanager API v2: POST {url}/api/v2/alerts [{labels, annotations, startsAt, endsAt,
// generatorURL}] exactly as Prometheus sends them; firing alerts must be re-sent through
// ResendFiring about every minute or Alertmanager resolves them after 4 minutes.
class AlertmanagerNotifier final : public Notifier {
 public:
  AlertmanagerNotifier(std::string name, std::string url, const HttpClient& http,
                       const Clock& clock, NotifierOptions options);
  std::string_view name() const override { return name_; }
  DeliveryResult Deliver(const Notification& notification) override;
  DeliveryResult ResendFiring(std::span<const slo::Alert> firing) override;

 private:
  DeliveryResult Post(std::span<const slo::Alert> alerts, bool resolved);

  std::string name_;
  std::string alerts_url_;
  const HttpClient& http_;
  const Clock& clock_;
  NotifierOptions options_;
};

// A generic webhook: Alertmanager's webhook body (format alertmanager) or the alert's own
// JSON (format json, slo::AlertToJson).
class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(std::string name, std::string url, config::WebhookFormat format,
                  const HttpClient& http, const Clock& clock, NotifierOptions options);
  std::string_view name() const override { return name_; }
  DeliveryResult Deliver(const Notification& notification) override;

 private:
  std::string name_;
  std::string url_;
  config::WebhookFormat format_;
  const HttpClient& http_;
  const Clock& clock_;
  NotifierOptions options_;
};

// One log line per notification: warn for a trigger, info for a resolve.
class LogNotifier final : public Notifier {
 public:
  explicit LogNotifier(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  DeliveryResult Deliver(const Notification& notification) override;

 private:
  std::string name_;
};

}  // namespace steadystate::notify
