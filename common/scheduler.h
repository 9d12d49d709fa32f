// Scheduler: runs periodic tasks on one thread, timed by the Clock's monotonic time so
// a wall-clock jump never bunches or skips runs. Tests drive it with a FakeClock and
// RunDue(); the daemon calls Start()/Stop(). Tasks must not block for long: each runs to
// completion before the next due task starts.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "common/time.h"

namespace steadystate {

class Scheduler {
 public:
  explicit Scheduler(const Clock& clock) : clock_(clock) {}
  ~Scheduler() { Stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Adds a task first due after `first_delay`, then every `interval` after its last due
  // time (not after it finished). A run that falls more than one interval behind skips
  // the missed runs instead of running them back to back. Thread-safe.
  void Every(std::string name, Duration interval, std::function<void()> task,
             Duration first_delay = Duration{0});

  // Makes the task named `name` due now and wakes the thread (e.g. deliver a notification
  // that was just queued instead of at the next tick). Later runs keep the interval from
  // now. Unknown names are ignored. Thread-safe.
  void RunSoon(std::string_view name);

  // Runs every task that is due at the clock's current monotonic time. Returns how many
  // ran. Thread-safe, but only one caller runs tasks at a time.
  int RunDue();

  // Starts the background thread. Stop() wakes it and joins it; idempotent.
  void Start();
  void Stop();

 private:
  struct Task {
    std::string name;
    Duration interval;
    std::function<void()> fn;
    MonotonicTime next;
  };
  MonotonicTime NextDueLocked() const;

  const Clock& clock_;
  std::mutex mu_;
  std::mutex run_mu_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace steadystate
