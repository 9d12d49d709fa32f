// StopSignal: "the process is shutting down", raised once and observed by every wait that
// could otherwise outlast a shutdown: a rate-limit pause of an hour (PagerDuty's
// ratelimit-reset), a retry backoff, an HTTP exchange (common/http_client.h aborts a
// transfer in progress). SIGTERM must stop the daemon within seconds whatever it waits on;
// the daemon owns one StopSignal, raises it first in Stop(), and hands it to the clients
// it builds.
//
// Thread-safe: Stop, stopped and SleepFor may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace steadystate {

// How long a SleepFor may go on after Stop() (the slice it sleeps between looks).
inline constexpr std::chrono::milliseconds kStopCheckInterval{100};

class StopSignal {
 public:
  // Raises the signal; idempotent. Waits in progress end within kStopCheckInterval.
  void Stop() { stopped_.store(true, std::memory_order_release); }
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> stopped_{false};
};

// Sleeps `d` on `clock` in slices of at most kStopCheckInterval, ending early when `stop`
// (may be null: never) is raised. True when the whole `d` passed, false when stopped. On a
// FakeClock the slices advance the clock by exactly `d` in total and return at once.
[[nodiscard]] bool SleepUnlessStopped(const Clock& clock, std::chrono::milliseconds d,
                                      const StopSignal* stop);

}  // namespace steadystate
