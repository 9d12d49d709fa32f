// WaitFor: the one place tests wait on real time. Polls a condition until it holds or
// the deadline passes; a deadline is a safety net, never a timing assertion.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace steadystate::test_support {

inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + deadline;  // NOLINT(real-time)
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;    // NOLINT(real-time)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // NOLINT(real-time)
  }
  return true;
}

}  // namespace steadystate::test_support
