#include "notify/notifier.h"

#include <unistd.h>

#include <charconv>
#include <cmath>

#include "common/redact.h"
#include "notify/notifiers.h"

namespace steadystate::notify {
namespace {

// A short, single-line excerpt of a receiver's answer for a log line, redacted (the
// answer may echo the request). Redacted before it is cut, so a cut cannot split a secret
// past recognition.
std::string Excerpt(std::string_view body) {
  const std::string redacted = Redact(body.substr(0, 4096));
  const std::string_view shown = std::string_view(redacted).substr(0, 200);
  std::string out;
  for (char c : shown) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (redacted.size() > 200) out += "...";
  return out;
}

std::string LocalHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

DeliveryResult DeliveryResult::Sent(std::string message) {
  return {Outcome::kSent, std::nullopt, std::move(message)};
}

DeliveryResult DeliveryResult::Retry(std::string message, std::optional<Duration> retry_after) {
  return {Outcome::kRetry, retry_after, std::move(message)};
}

DeliveryResult DeliveryResult::Rejected(std::string message) {
  return {Outcome::kRejected, std::nullopt, std::move(message)};
}

std::string_view ToString(DeliveryResult::Outcome outcome) {
  switch (outcome) {
    case DeliveryResult::Outcome::kSent:
      return "sent";
    case DeliveryResult::Outcome::kRetry:
      return "retry";
    case DeliveryResult::Outcome::kRejected:
      return "rejected";
  }
  return "sent";
}

DeliveryResult Notifier::ResendFiring(std::span<const slo::Alert> /*firing*/) {
  return DeliveryResult::Sent();
}

std::optional<Duration> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(seconds) ||
      seconds < 0) {
    return std::nullopt;
  }
  return Duration(static_cast<Duration::rep>(seconds * 1000));
}

DeliveryResult DeliveryFromHttp(const Result<HttpResponse>& response, std::string_view what) {
  const std::string who(what);
  if (!response.ok()) {
    // HttpClient messages name the host only (see common/http_client.h).
    if (response.error().code == ErrorCode::kInvalidInput) {
      return DeliveryResult::Rejected(who + ": " + response.error().message);
    }
    return DeliveryResult::Retry(who + ": " + response.error().message);
  }
  const int status = response->status;
  const std::string detail = "HTTP " + std::to_string(status) +
                             (response->body.empty() ? "" : " " + Excerpt(response->body));
  if (status >= 200 && status < 300) return DeliveryResult::Sent(who + ": " + detail);
  if (status == 408 || status == 425 || status == 429 || status >= 500) {
    std::optional<Duration> retry_after;
    if (auto it = response->headers.find("retry-after"); it != response->headers.end()) {
      retry_after = ParseRetryAfter(it->second);
    }
    return DeliveryResult::Retry(who + ": " + detail, retry_after);
  }
  return DeliveryResult::Rejected(who + ": " + detail);
}

Result<std::vector<std::unique_ptr<Notifier>>> BuildNotifiers(
    const std::vector<config::NotifierConfig>& configs, const HttpClient& http, const Clock& clock,
    const config::GetEnv& getenv, NotifierOptions options) {
  if (options.hostname.empty()) options.hostname = LocalHostname();
  std::vector<std::unique_ptr<Notifier>> notifiers;
  bool has_log = false;
  auto secret = [&](const config::NotifierConfig& c,
                    const config::SecretRef& ref) -> Result<config::Secret> {
    auto resolved = config::ResolveSecret(ref, getenv);
    if (!resolved.ok()) {
      return MakeError(ErrorCode::kInvalidInput,
                       "notifier " + c.name + ": " + resolved.error().message);
    }
    return resolved;
  };
  auto need_url = [](const config::NotifierConfig& c, const std::string& url) -> Status {
    if (url.empty()) return MakeError(ErrorCode::kInvalidInput, "notifier " + c.name + ": no url");
    return OkStatus();
  };
  for (const auto& c : configs) {
    if (c.name == "log") has_log = true;
    switch (c.kind) {
      case config::NotifierKind::kPagerDutyEvents: {
        auto key = secret(c, c.pagerduty_events.routing_key);
        if (!key.ok()) return key.error();
        RETURN_IF_ERROR(need_url(c, c.pagerduty_events.url));
        notifiers.push_back(std::make_unique<PagerDutyNotifier>(
            c.name, c.pagerduty_events.url, std::move(key).value(), http, options));
        break;
      }
      case config::NotifierKind::kSlack: {
        auto url = secret(c, c.slack.webhook_url);
        if (!url.ok()) return url.error();
        notifiers.push_back(
            std::make_unique<SlackNotifier>(c.name, std::move(url).value(), http, options));
        break;
      }
      case config::NotifierKind::kAlertmanager:
        RETURN_IF_ERROR(need_url(c, c.alertmanager.url));
        notifiers.push_back(std::make_unique<AlertmanagerNotifier>(c.name, c.alertmanager.url, http,
                                                                   clock, options));
        break;
      case config::NotifierKind::kWebhook:
        RETURN_IF_ERROR(need_url(c, c.webhook.url));
        notifiers.push_back(std::make_unique<WebhookNotifier>(
            c.name, c.webhook.url, c.webhook.format, http, clock, options));
        break;
      case config::NotifierKind::kLog:
        notifiers.push_back(std::make_unique<LogNotifier>(c.name));
        break;
    }
  }
  if (!has_log) notifiers.push_back(std::make_unique<LogNotifier>("log"));
  return notifiers;
}

}  // namespace steadystate::notify
