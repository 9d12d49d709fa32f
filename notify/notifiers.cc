#include "notify/notifiers.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <utility>

#include "common/redact.h"
#include "notify/payloads.h"

namespace steadystate::notify {
namespace {

const std::vector<std::pair<std::string, std::string>> kJsonHeaders = {
    {"Content-Type", "application/json"}, {"Accept", "application/json"}};

// Belt and braces: a receiver could echo what we sent. Nothing that reaches a log line
// may contain the secret: this notifier's own (registered or not, and whatever its length)
// and then everything common/redact.h knows.
DeliveryResult Redacted(DeliveryResult result, const std::string& secret) {
  if (!secret.empty()) {
    for (size_t pos = result.message.find(secret); pos != std::string::npos;
         pos = result.message.find(secret, pos)) {
      result.message.replace(pos, secret.size(), kRedacted);
    }
  }
  result.message = Redact(result.message);
  return result;
}

// The path and query of a URL ("/services/T0/B0/xyz"), the secret part of a webhook URL.
std::string UrlPathAndQuery(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const size_t path = url.find_first_of("/?", start);
  return path == std::string::npos ? "" : url.substr(path);
}

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

PagerDutyNotifier::PagerDutyNotifier(std::string name, std::string url, config::Secret routing_key,
                                     const HttpClient& http, NotifierOptions options)
    : name_(std::move(name)),
      url_(std::move(url)),
      routing_key_(std::move(routing_key)),
      http_(http),
      options_(std::move(options)) {}

DeliveryResult PagerDutyNotifier::Deliver(const Notification& n) {
  if (n.kind == Notification::Kind::kAnnounce) {
    HttpRequest change;
    change.timeout = options_.timeout;
    change.url = PagerDutyChangeUrl(url_);
    change.headers = kJsonHeaders;
    change.body = PagerDutyChangeEventBody(n, routing_key_.Reveal(), options_);
    return Redacted(DeliveryFromHttp(http_.Send(change),
                                     "PagerDuty change events (" + UrlHost(change.url) + ")"),
                    routing_key_.Reveal());
  }
  HttpRequest request;
  request.timeout = options_.timeout;
  request.url = url_;
  request.headers = kJsonHeaders;
  request.body = PagerDutyEventBody(n, routing_key_.Reveal(), options_);
  auto response = http_.Send(request);
  DeliveryResult result = DeliveryFromHttp(response, "PagerDuty (" + UrlHost(url_) + ")");
  if (response.ok() && response->status == 400) {
    // 400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}:
    // the errors say which field PagerDuty disliked, the one thing on-call needs to fix it.
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    if (body.is_object()) {
      std::string message = "PagerDuty (" + UrlHost(url_) + ") rejected the event: " +
                            body.value("message", std::string("invalid event"));
      if (auto it = body.find("errors"); it != body.end() && it->is_array()) {
        std::string errors;
        for (const auto& e : *it) {
          errors +=
              (errors.empty() ? "" : "; ") + (e.is_string() ? e.get<std::string>() : e.dump());
        }
        if (!errors.empty()) message += ": " + errors;
      }
      result.message = message;
    }
  }
  return Redacted(std::move(result), routing_key_.Reveal());
}

SlackNotifier::SlackNotifier(std::string name, config::Secret webhook_url, const HttpClient& http,
                             NotifierOptions options)
    : name_(std::move(name)),
      webhook_url_(std::move(webhook_url)),
      http_(http),
      options_(std::move(options)) {}

DeliveryResult SlackNotifier::Deliver(const Notification& n) {
  HttpRequest request;
  request.timeout = options_.timeout;
  request.url = webhook_url_.Reveal();
  request.headers = {{"Content-Type", "application/json"}};
  request.body =
      n.kind == Notification::Kind::kAnnounce ? SlackAnnouncementBody(n) : SlackMessageBody(n);
  DeliveryResult result =
      Redacted(DeliveryFromHttp(http_.Send(request), "Slack (" + UrlHost(request.url) + ")"),
               webhook_url_.Reveal());
  const std::string path = UrlPathAndQuery(webhook_url_.Reveal());
  return path.size() > 1 ? Redacted(std::move(result), path) : result;
}

AlertmanagerNotifier::AlertmanagerNotifier(std::string name, std::string url,
                                           const HttpClient& http, const Clock& clock,
                                           NotifierOptions options)
    : name_(std::move(name)),
      alerts_url_(TrimSlashes(std::move(url)) + "/api/v2/alerts"),
      http_(http),
      clock_(clock),
      options_(std::move(options)) {}

DeliveryResult AlertmanagerNotifier::Deliver(const Notification& n) {
  // Alertmanager holds alerts, not events: an announcement has nothing to become there.
  if (n.kind == Notification::Kind::kAnnounce) {
    return DeliveryResult::Sent("announcements are not sent to Alertmanager");
  }
  return Post(std::span<const slo::Alert>(&n.alert, 1), n.kind == Notification::Kind::kResolve);
}

DeliveryResult AlertmanagerNotifier::ResendFiring(std::span<const slo::Alert> firing) {
  if (firing.empty()) return DeliveryResult::Sent();
  return Post(firing, /*resolved=*/false);
}

DeliveryResult AlertmanagerNotifier::Post(std::span<const slo::Alert> alerts, bool resolved) {
  HttpRequest request;
  request.timeout = options_.timeout;
  request.url = alerts_url_;
  request.headers = kJsonHeaders;
  request.body = AlertmanagerAlertsBody(alerts, resolved, clock_.Now(), options_);
  return DeliveryFromHttp(http_.Send(request), "Alertmanager (" + UrlHost(alerts_url_) + ")");
}

WebhookNotifier::WebhookNotifier(std::string name, std::string url, config::WebhookFormat format,
                                 const HttpClient& http, const Clock& clock,
                                 NotifierOptions options)
    : name_(std::move(name)),
      url_(std::move(url)),
      format_(format),
      http_(http),
      clock_(clock),
      options_(std::move(options)) {}

DeliveryResult WebhookNotifier::Deliver(const Notification& n) {
  HttpRequest request;
  request.timeout = options_.timeout;
  request.url = url_;
  request.headers = kJsonHeaders;
  request.body = n.kind == Notification::Kind::kAnnounce ? WebhookAnnouncementBody(n)
                 : format_ == config::WebhookFormat::kJson
                     ? slo::AlertToJson(n.alert)
                     : AlertmanagerWebhookBody(n, name_, clock_.Now(), options_);
  return DeliveryFromHttp(http_.Send(request), "webhook (" + UrlHost(url_) + ")");
}

DeliveryResult LogNotifier::Deliver(const Notification& n) {
  if (n.kind == Notification::Kind::kAnnounce) {
    spdlog::info("chaos: {}", n.text);
    return DeliveryResult::Sent();
  }
  if (n.kind == Notification::Kind::kTrigger) {
    spdlog::warn("alert firing: {}", n.alert.Summary());
  } else {
    spdlog::info("alert resolved: {}", ResolvedSummary(n.alert));
  }
  return DeliveryResult::Sent();
}

}  // namespace steadystate::notify
