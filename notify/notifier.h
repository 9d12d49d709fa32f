// Notifier: delivers Notifications to one configured receiver (DESIGN.md §6 `notifiers`):
// PagerDuty Events v2, a Slack incoming webhook, Alertmanager's API, a generic webhook, or
// the log. The Outbox calls Deliver and decides from the DeliveryResult whether to drop,
// retry later or give up; notifiers never retry or sleep themselves.
//
// Messages (DeliveryResult::message, log lines) never contain a secret: not the routing
// key, not the Slack webhook URL (receivers are named by host only).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "config/secret.h"
#include "notify/notification.h"
#include "slo/alert.h"

namespace steadystate::notify {

struct DeliveryResult {
  enum class Outcome {
    kSent,      // the receiver accepted it
    kRetry,     // try again later: 429, 5xx, timeout, connection failure
    kRejected,  // permanent: the receiver refused this payload (400 ...); retrying won't help
  };
  Outcome outcome = Outcome::kSent;
  std::optional<Duration> retry_after;  // kRetry: the receiver asked for this wait
  std::string message;                  // what happened, for logs; never a secret

  static DeliveryResult Sent(std::string message = "");
  static DeliveryResult Retry(std::string message,
                              std::optional<Duration> retry_after = std::nullopt);
  static DeliveryResult Rejected(std::string message);
};

// "sent", "retry", "rejected".
std::string_view ToString(DeliveryResult::Outcome outcome);

// Thread-safety: Deliver and ResendFiring may be called concurrently from any thread.
class Notifier {
 public:
  virtual ~Notifier() = default;
  // The configured name ("pd-oncall"); Notification::notifier refers to it.
  virtual std::string_view name() const = 0;
  virtual DeliveryResult Deliver(const Notification& notification) = 0;
  // Receivers that forget a firing alert unless it is re-sent (Alertmanager drops it at its
  // endsAt) re-post `firing` here; the daemon calls this about once a minute with the
  // alerts that are firing now and route to this notifier, as Prometheus does. The
  // default does nothing. Called directly, not through the Outbox: a failed resend is
  // simply repeated at the next call.
  virtual DeliveryResult ResendFiring(std::span<const slo::Alert> firing);
};

// Context shared by the payload builders.
struct NotifierOptions {
  // PagerDuty's payload.source. Empty: the machine's host name (gethostname).
  std::string hostname;
  // Base URL of this steadystate's dashboard/API ("http://127.0.0.1:9470"), for
  // generatorURL, PagerDuty links and the webhook's externalURL. Empty: no links.
  std::string external_url;
  // Per request, connect to last byte. A slower receiver counts as down (retry).
  Duration timeout = std::chrono::seconds(10);
};

// Builds one notifier per config entry, resolving secrets through `getenv` (and files),
// plus the built-in `log` notifier unless a notifier named "log" is configured. Errors
// (kInvalidInput) name the notifier and the variable or file, never a value: "notifier
// pd-oncall: environment variable PD_ROUTING_KEY is not set". `http` and `clock` must
// outlive the notifiers.
Result<std::vector<std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<config::NotifierConfig>& configs, const HttpClient& http, const Clock& clock,
    const config::GetEnv& getenv, NotifierOptions options = {});

// How an HTTP exchange maps to a delivery: 2xx sent; 408, 425, 429 and 5xx retry (with
// Retry-After in seconds when given); other statuses and an invalid URL rejected;
// transport failures (timeout, connect, dns, tls, connection) retry. `what` names the
// receiver in messages ("Slack (hooks.slack.com)").
DeliveryResult DeliveryFromHttp(const Result<HttpResponse>& response, std::string_view what);

// Parses a Retry-After header given in seconds ("30", "1.5"); nullopt for anything else
// (the HTTP-date form is not used by the receivers we talk to).
std::optional<Duration> ParseRetryAfter(std::string_view value);

}  // namespace steadystate::notify
