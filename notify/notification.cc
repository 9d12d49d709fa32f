#include "notify/notification.h"

#include <nlohmann/json.hpp>

namespace steadystate::notify {

std::string_view ToString(Notification::Kind kind) {
  switch (kind) {
    case Notification::Kind::kResolve:
      return "resolve";
    case Notification::Kind::kAnnounce:
      return "announce";
    case Notification::Kind::kTrigger:
      break;
  }
  return "trigger";
}

std::string NotificationToJson(const Notification& n) {
  nlohmann::ordered_json j;
  j["kind"] = ToString(n.kind);
  j["notifier"] = n.notifier;
  j["alert"] = nlohmann::ordered_json::parse(slo::AlertToJson(n.alert));
  if (n.kind == Notification::Kind::kAnnounce) {
    j["text"] = n.text;
    j["details"] = n.details.empty() ? nlohmann::ordered_json::object()
                                     : nlohmann::ordered_json::parse(n.details, nullptr, false);
  }
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
    } else if (kind == "announce") {
      n.kind = Notification::Kind::kAnnounce;
      n.text = j.value("text", std::string());
      if (j.contains("details") && j["details"].is_object()) n.details = j["details"].dump();
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

}  // namespace steadystate::notify
