// schedule_bench: how punctually the probe engine starts probes while some targets hang.
//
//   schedule_bench [rounds=3] [services=1000] [hanging=100] [interval_s=10] [timeout_ms=2000]
//
// `services` HTTP services probed every `interval_s`, `hanging` of them against a target
// that accepts and never answers (each of those probes runs into its `timeout_ms`), the rest
// against a local HTTP server answering 200 (bench/local_servers.h). Both servers are forked
// processes, so their CPU does not compete with the engine's loop thread inside this process. Runs
// `rounds` whole intervals (plus one second for the last results) on the real clock.
//
// Measures each healthy probe's start delay: how late the engine launched it after it was
// due (ProbeResult::start_delay, monotonic clock), and prints p50/p99/max over all healthy
// probes with `met` or `MISSED` against the target p99 < 50 ms.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/local_servers.h"
#include "collector/probe/probe_engine.h"
#include "common/clock.h"

namespace {

using std::chrono::milliseconds;

constexpr double kTargetP99Ms = 50;

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IONBF, 0);
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  const int services = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int hanging = argc > 3 ? std::atoi(argv[3]) : 100;
  const auto interval = std::chrono::seconds(argc > 4 ? std::atoi(argv[4]) : 10);
  const auto timeout = milliseconds(argc > 5 ? std::atoi(argv[5]) : 2000);

  int healthy_port = 0;
  int hanging_port = 0;
  const pid_t healthy_pid =
      steadystate::bench::ForkListener(healthy_port, steadystate::bench::ServeStatic);
  const pid_t hanging_pid =
      steadystate::bench::ForkListener(hanging_port, steadystate::bench::ServeHanging);
  if (healthy_pid <= 0 || hanging_pid <= 0) {
    std::fprintf(stderr, "cannot start the local target servers\n");
    return 1;
  }

  std::vector<steadystate::config::ServiceConfig> config;
  for (int i = 0; i < services; ++i) {
    steadystate::config::ServiceConfig s;
    const bool hangs = i < hanging;
    s.name = (hangs ? "hang-" : "ok-") + std::to_string(i);
    s.probe.emplace();
    s.probe->interval = interval;
    s.probe->timeout = timeout;
    s.probe->http.url = "http://127.0.0.1:" + std::to_string(hangs ? hanging_port : healthy_port) +
                        (hangs ? "/" : "/ok");
    config.push_back(std::move(s));
  }

  std::mutex mu;
  std::vector<double> healthy_delays_ms;
  std::vector<double> hanging_delays_ms;
  std::map<std::string, size_t> outcomes;  // "healthy ok", "hanging timeout", ...
  steadystate::collector::ProbeEngine engine(
      std::move(config), steadystate::SystemClock(),
      [&](const steadystate::collector::ProbeResult& r) {
        const bool hangs = r.service.starts_with("hang-");
        const double ms = std::chrono::duration<double, std::milli>(r.start_delay).count();
        std::lock_guard lock(mu);
        (hangs ? hanging_delays_ms : healthy_delays_ms).push_back(ms);
        ++outcomes[std::string(hangs ? "hanging " : "healthy ") +
                   (r.success ? "ok" : r.error_class)];
      });
  std::printf("%d services every %llds (%d hanging, timeout %lldms), %d rounds\n", services,
              static_cast<long long>(interval.count()), hanging,
              static_cast<long long>(timeout.count()), rounds);
  engine.Start();
  std::this_thread::sleep_for(interval * rounds + std::chrono::seconds(1));
  engine.Stop();
  kill(healthy_pid, SIGTERM);
  kill(hanging_pid, SIGTERM);
  waitpid(healthy_pid, nullptr, 0);
  waitpid(hanging_pid, nullptr, 0);

  for (const auto& [what, n] : outcomes) std::printf("  %zu x %s\n", n, what.c_str());
  std::sort(healthy_delays_ms.begin(), healthy_delays_ms.end());
  std::sort(hanging_delays_ms.begin(), hanging_delays_ms.end());
  const double p99 = Percentile(healthy_delays_ms, 99);
  std::printf(
      "start delay of %zu healthy probes: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
      "(target p99 < %.0f ms: %s)\n",
      healthy_delays_ms.size(), Percentile(healthy_delays_ms, 50), p99,
      healthy_delays_ms.empty() ? 0.0 : healthy_delays_ms.back(), kTargetP99Ms,
      !healthy_delays_ms.empty() && p99 < kTargetP99Ms ? "met" : "MISSED");
  std::printf("start delay of %zu hanging probes: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              hanging_delays_ms.size(), Percentile(hanging_delays_ms, 50),
              Percentile(hanging_delays_ms, 99),
              hanging_delays_ms.empty() ? 0.0 : hanging_delays_ms.back());
  return 0;
}
