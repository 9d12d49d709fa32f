// Notification: one message about one alert (it fired, or it resolved) for one notifier.
// The alert engine creates them, the Outbox persists them (as the JSON below) until the
// notifier delivered them, and each Notifier turns them into its receiver's payload.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "slo/alert.h"

namespace steadystate::notify {

// kAnnounce is not about an alert: it tells people that a chaos attack window started,
// ended or was halted (chaos.announce). It carries `text` (the one line people read) and
// `details` (the attack's JSON); `alert` then only names the attack (rule "ChaosAttack",
// label attack_id) so that the Outbox keeps one attack's announcements in order.
struct Notification {
  enum class Kind { kTrigger, kResolve, kAnnounce };
  Kind kind = Kind::kTrigger;
  std::string notifier;   // NotifierConfig::name, or "log"
  slo::Alert alert;       // as it was when the transition happened
  std::string text{};     // kAnnounce only (initialised: older brace-inits stay warning-free)
  std::string details{};  // kAnnounce only: a JSON object (the attack), or empty
};

// "trigger" / "resolve" / "announce".
std::string_view ToString(Notification::Kind kind);

// {"kind":"trigger","notifier":"pd-oncall","alert":{...slo::AlertToJson...}}
std::string NotificationToJson(const Notification& notification);
// kCorruption when the text is not such an object.
Result<Notification> NotificationFromJson(std::string_view json);

}  // namespace steadystate::notify
