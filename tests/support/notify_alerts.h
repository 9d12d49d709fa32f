// Alerts and helpers shared by the notification tests.
#pragma once

#include <prometheus/registry.h>

#include <string>

#include "common/clock.h"
#include "slo/alert.h"
#include "tests/support/log_capture.h"

namespace steadystate::notify::test_support {

// A firing HostCpuHigh alert on host web-1, fired during chaos attack atk-1.
inline slo::Alert FiringAlert(Timestamp active_at) {
  slo::Alert a;
  a.name = "HostCpuHigh";
  a.labels = {{"alertname", "HostCpuHigh"}, {"severity", "critical"}, {"instance", "web-1"}};
  a.state = slo::AlertState::kFiring;
  a.active_at = active_at;
  a.fired_at = active_at + std::chrono::minutes(2);
  a.value = 0.93;
  a.threshold = 0.8;
  a.attacks = {{"atk-1", "cpu", "alice", ""}};
  return a;
}

inline slo::Alert Resolved(slo::Alert a, Timestamp at) {
  a.state = slo::AlertState::kResolved;
  a.resolved_at = at;
  a.value = 0.42;
  return a;
}

using steadystate::test_support::LogCapture;

// The value of steadystate_notifications_total{notifier, result}, 0 if absent.
inline double NotificationCount(prometheus::Registry& registry, const std::string& notifier,
                                const std::string& result) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "steadystate_notifications_total") continue;
    for (const auto& metric : family.metric) {
      std::string n, r;
      for (const auto& label : metric.label) {
        if (label.name == "notifier") n = label.value;
        if (label.name == "result") r = label.value;
      }
      if (n == notifier && r == result) return metric.counter.value;
    }
  }
  return 0;
}

}  // namespace steadystate::notify::test_support
