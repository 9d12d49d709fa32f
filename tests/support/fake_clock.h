// FakeClock: a Clock that tests move by hand. Thread-safe.
#pragma once

#include <mutex>

#include "common/clock.h"

namespace steadystate {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp{std::chrono::hours(24 * 365 * 56)})
      : wall_(start) {}

  Timestamp Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  MonotonicTime Monotonic() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }
  // Advances both clocks by `d` (a sleeping caller "wakes" at once).
  void SleepFor(std::chrono::milliseconds d) const override {
    std::lock_guard lock(mu_);
    wall_ += d;
    mono_ += d;
  }
  // Moves both clocks forward.
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    wall_ += d;
    mono_ += d;
  }
  // Moves only the monotonic clock: time passes while the wall clock stands still (or was
  // stepped back by as much).
  void AdvanceMonotonic(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    mono_ += d;
  }
  // Moves only the wall clock, as a time-travel attack or NTP step would.
  void SetWall(Timestamp t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }

 private:
  mutable std::mutex mu_;
  mutable Timestamp wall_;
  mutable MonotonicTime mono_{};
};

}  // namespace steadystate
