// Clock: the only way steadystate code learns the time. Wall time (UTC, milliseconds)
// stamps stored instants; monotonic time drives schedules, so a wall-clock jump (a
// time-travel attack) moves stamps but never a schedule. Production code gets a
// RealClock; tests inject a FakeClock and move it by hand.
#pragma once

#include <chrono>

namespace steadystate {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using MonotonicTime = std::chrono::steady_clock::time_point;

// Thread-safe: implementations may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  virtual MonotonicTime Monotonic() const = 0;
  // Blocks the calling thread for `d` (rate limiters and retry backoff in one-shot CLI
  // work; the daemon's schedules use the Scheduler instead). A FakeClock advances itself
  // by `d` and returns at once, so tests of waiting code run instantly.
  virtual void SleepFor(std::chrono::milliseconds d) const = 0;
};

class RealClock final : public Clock {
 public:
  Timestamp Now() const override;
  MonotonicTime Monotonic() const override;
  void SleepFor(std::chrono::milliseconds d) const override;
};

// Returns a process-wide RealClock. Only app/ wiring should call this.
const Clock& SystemClock();

// The monotonic instant matching the stored wall-clock instant `then`, given one reading of
// both clocks now: its age is read off the wall clock once (never negative, so a wall clock
// that is behind the stamp makes it "just now") and from then on measured on the monotonic
// clock. For stamps read back after a restart, when no monotonic reading of them survives.
MonotonicTime MonotonicOfWall(Timestamp then, Timestamp wall_now, MonotonicTime monotonic_now);

}  // namespace steadystate
