#include "exporters/notify/notification.h"

#include <nlohmann/json.hpp>

namespace steadystate::exporters {

std::string_view ToString(Notification::Kind kind) {
  return kind == Notification::Kind::kResolve ? "resolve" : "trigger";
}

std::string NotificationToJson(const Notification& n) {
  nlohmann::ordered_json j;
  j["kind"] = ToString(n.kind);
  j["notifier"] = n.notifier;
  j["alert"] = nlohmann::ordered_json::parse(slo::AlertToJson(n.alert));
  return j.dump();
}

Result<Notification> NotificationFromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kCorruption, "notification is not a JSON object");
  }
  try {
    Notification n;
    const std::string kind = j.at("kind").get<std::string>();
    if (kind == "trigger") {
      n.kind = Notification::Kind::kTrigger;
    } else if (kind == "resolve") {
      n.kind = Notification::Kind::kResolve;
    } else {
      return MakeError(ErrorCode::kCorruption, "notification: unknown kind \"" + kind + "\"");
    }
    n.notifier = j.at("notifier").get<std::string>();
    auto alert = slo::AlertFromJson(j.at("alert").dump());
    if (!alert.ok()) return alert.error();
    n.alert = std::move(alert).value();
    return n;
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kCorruption, std::string("notification: ") + e.what());
  }
}

}  // namespace steadystate::exporters
