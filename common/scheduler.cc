#include "common/scheduler.h"

#include <algorithm>

namespace steadystate {

void Scheduler::Every(std::string name, Duration interval, std::function<void()> task,
                      Duration first_delay) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back({std::move(name), std::max(interval, Duration{1}), std::move(task),
                      clock_.Monotonic() + first_delay});
  }
  wake_.notify_all();
}

void Scheduler::RunSoon(std::string_view name) {
  {
    std::lock_guard lock(mu_);
    const MonotonicTime now = clock_.Monotonic();
    for (Task& task : tasks_) {
      if (task.name == name && task.next > now) task.next = now;
    }
  }
  wake_.notify_all();
}

int Scheduler::RunDue() {
  std::lock_guard run_lock(run_mu_);
  const MonotonicTime now = clock_.Monotonic();
  std::vector<std::function<void()>*> due;
  {
    std::lock_guard lock(mu_);
    for (Task& task : tasks_) {
      if (task.next > now) continue;
      due.push_back(&task.fn);
      task.next += task.interval;
      if (task.next <= now) {
        // Fell behind (a long pause or a slow task): realign rather than catch up.
        const auto behind = (now - task.next) / task.interval + 1;
        task.next += behind * task.interval;
      }
    }
  }
  // Tasks live in a deque that only grows, so these pointers stay valid while Every()
  // appends from another thread.
  for (auto* fn : due) (*fn)();
  return static_cast<int>(due.size());
}

MonotonicTime Scheduler::NextDueLocked() const {
  MonotonicTime next = MonotonicTime::max();
  for (const Task& task : tasks_) next = std::min(next, task.next);
  return next;
}

void Scheduler::Start() {
  std::lock_guard guard(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      const auto wait = NextDueLocked() - clock_.Monotonic();
      if (wait > std::chrono::nanoseconds::zero()) {
        // Bounded waits keep the loop honest if the clock is not the real one.
        wake_.wait_for(
            lock, std::min<std::chrono::steady_clock::duration>(wait, std::chrono::seconds(1)));
        continue;
      }
      lock.unlock();
      RunDue();
      lock.lock();
    }
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace steadystate
