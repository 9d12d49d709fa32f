// The JSON each receiver gets, as pure functions of a Notification (tested on their own
// output and again end to end through a FakeReceiver). Field by field:
// docs/notifications.md; the receivers' contracts: REFERENCE.md.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "notify/notification.h"
#include "notify/notifier.h"
#include "slo/alert.h"

namespace steadystate::notify {

// PagerDuty limits (Events API v2): longer summaries are rejected, not truncated.
inline constexpr size_t kPagerDutyMaxSummary = 1024;
inline constexpr size_t kPagerDutyMaxDedupKey = 255;

// Prometheus sends firing alerts with endsAt = now + 4 x its resend delay (1m), so that
// Alertmanager resolves them by itself if the sender dies; we do the same.
inline constexpr Duration kAlertmanagerValidFor = std::chrono::minutes(4);

// Cuts `text` to at most `max_bytes` bytes, ending in "..." when cut, never inside a UTF-8
// sequence.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// critical|error|warning|info from the alert's `severity` label (case-insensitive;
// page -> critical, ticket -> warning, anything else -> warning).
std::string_view PagerDutySeverity(const slo::Alert& alert);

// The alert's InstanceKey, or when that is longer than PagerDuty allows a shorter key that
// is still unique per episode.
std::string PagerDutyDedupKey(const slo::Alert& alert);

// The Events v2 body. A resolve carries only routing_key, event_action and dedup_key.
std::string PagerDutyEventBody(const Notification& n, std::string_view routing_key,
                               const NotifierOptions& options);

// The resolve counterpart of Alert::Summary() (which reads "value above threshold"):
// "HostCpuHigh mountpoint=/: 0.42 (threshold 0.8), fired during chaos attack ...".
std::string ResolvedSummary(const slo::Alert& alert);

// Slack incoming-webhook body {"text", "blocks"}.
std::string SlackMessageBody(const Notification& n);

// "during chaos attack <id> (<type>, started by <who>)" for each attack, joined with
// ", and ". Empty without attacks.
std::string ChaosPhrase(const slo::Alert& alert);

// One alert as Alertmanager's API and webhook see it: labels (alertname, the alert's
// labels, chaos="true" during an attack) and annotations (summary, description,
// chaos_attack, chaos_attack_ids).
std::map<std::string, std::string> AlertmanagerLabels(const slo::Alert& alert);
std::map<std::string, std::string> AlertmanagerAnnotations(const slo::Alert& alert);
std::string GeneratorUrl(const slo::Alert& alert, const NotifierOptions& options);

// POST /api/v2/alerts body: a list. Firing alerts get endsAt = now + kAlertmanagerValidFor,
// resolved ones endsAt = resolved_at (now if unknown).
std::string AlertmanagerAlertsBody(std::span<const slo::Alert> alerts, bool resolved, Timestamp now,
                                   const NotifierOptions& options);

// Alertmanager's webhook body (version "4") for one alert, as a receiver of
// `receiver` would get it from Alertmanager. A resolve without resolved_at ends at `now`.
std::string AlertmanagerWebhookBody(const Notification& n, std::string_view receiver, Timestamp now,
                                    const NotifierOptions& options);

// Chaos announcements (Notification::Kind::kAnnounce):
// Slack {"text", "blocks"} with the announcement line.
std::string SlackAnnouncementBody(const Notification& n);
// Webhooks: {"kind": "chaos_announcement", "text", "attack": {...}} (both formats: an
// announcement is not an alert, so Alertmanager's webhook shape does not fit it).
std::string WebhookAnnouncementBody(const Notification& n);
// PagerDuty Change Events API body {routing_key, payload {summary, timestamp, source,
// custom_details}}: a change shows on the service's timeline without paging anyone. The
// timestamp is n.alert.active_at, which an announcement sets to when the event happened.
std::string PagerDutyChangeEventBody(const Notification& n, std::string_view routing_key,
                                     const NotifierOptions& options);
// The Change Events URL next to an Events v2 URL: ".../v2/enqueue" -> ".../v2/change/enqueue".
std::string PagerDutyChangeUrl(const std::string& events_url);

}  // namespace steadystate::notify
