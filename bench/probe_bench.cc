// probe_bench: HTTP probes per CPU-second of steadystate's probe engine against
// prometheus-blackbox-exporter driven at /probe, both against the same local HTTP server
// (bench/local_servers.h: a forked single-threaded epoll server, so its CPU is counted for
// neither side and its backlog does not drop bursts). Each side's CPU is its own process's
// user+system time; the blackbox driver's CPU (this process) is not counted.
//
//   probe_bench [seconds=5] [services=1000] [rate=5000] [blackbox_binary]
//
// The engine probes `services` services whose interval offers `rate` probes/s in total
// (the target is 5,000 on one core). Every probe is a fresh connection, as
// blackbox_exporter's are. On a machine with 2+ CPUs each side runs on CPU 0 and the
// server (and the blackbox driver) on the last CPU, so "one core" is literal.
//
// Prints probes/s, probes per CPU-second for each side and the ratio (target >= 3x).
#include <curl/curl.h>
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "bench/local_servers.h"
#include "collector/probe/probe_engine.h"
#include "common/clock.h"
#include "tests/support/ports.h"

namespace {

using Clock = std::chrono::steady_clock;

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Pins process `pid` (0: this one) to `cpu`; a no-op on a single-CPU machine.
void PinTo(pid_t pid, int cpu) {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu < 0 ? static_cast<int>(cpus) - 1 : cpu, &set);
  sched_setaffinity(pid, sizeof set, &set);
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Side {
  double probes = 0;
  double seconds = 0;
  double cpu = 0;
};

Side RunEngine(const std::string& url, int services, int rate, double seconds) {
  std::vector<steadystate::config::ServiceConfig> config;
  // Interval such that `services` probes run `rate` times a second in total.
  const auto interval = std::chrono::microseconds(
      std::max<int64_t>(1000, static_cast<int64_t>(services) * 1'000'000 / std::max(1, rate)));
  for (int i = 0; i < services; ++i) {
    steadystate::config::ServiceConfig s;
    s.name = "svc-" + std::to_string(i);
    s.probe.emplace();
    s.probe->interval = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
    s.probe->timeout = std::min<steadystate::Duration>(std::chrono::seconds(1), s.probe->interval);
    s.probe->http.url = url;
    config.push_back(std::move(s));
  }
  std::atomic<size_t> ok{0}, failed{0};
  std::mutex mu;
  std::map<std::string, size_t> classes;
  steadystate::collector::ProbeEngine engine(
      std::move(config), steadystate::SystemClock(),
      [&](const steadystate::collector::ProbeResult& r) {
        (r.success ? ok : failed)++;
        if (!r.success) {
          std::lock_guard lock(mu);
          ++classes[r.error_class + " (" + r.error.substr(0, 60) + ")"];
        }
      });
  const double cpu0 = SelfCpuSeconds();
  const auto t0 = Clock::now();
  engine.Start();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  engine.Stop();
  Side s;
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cpu = SelfCpuSeconds() - cpu0;
  s.probes = static_cast<double>(ok.load());
  if (failed.load() > 0) std::printf("engine: %zu failed probes\n", failed.load());
  for (const auto& [what, n] : classes) std::printf("  %zu x %s\n", n, what.c_str());
  return s;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

Side RunBlackbox(const std::string& binary, const std::string& target, double seconds) {
  char dir_template[] = "/tmp/probe-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string config = dir + "/blackbox.yml";
  std::ofstream(config) << "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n";
  const int port = steadystate::test_support::FreePort();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  PinTo(0, -1);  // the driver, with the server
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    PinTo(0, 0);  // before exec, so every thread of the Go runtime inherits it
    execl(binary.c_str(), binary.c_str(), ("--config.file=" + config).c_str(),
          ("--web.listen-address=" + listen).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const std::string url = "http://" + listen + "/probe?module=http_2xx&target=" + target;
  // Wait for it to answer.
  for (int i = 0; i < 100; ++i) {
    httplib::Client c("127.0.0.1", port);
    if (c.Get("/-/healthy")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // 32 concurrent keep-alive requests, refilled as they finish.
  CURLM* multi = curl_multi_init();
  constexpr int kConcurrency = 32;
  auto add = [&] {
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, e);
  };
  for (int i = 0; i < kConcurrency; ++i) add();
  const double cpu0 = ProcessCpuSeconds(pid);
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  size_t ok = 0, failed = 0;
  while (Clock::now() < end) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      (m->data.result == CURLE_OK && status == 200 ? ok : failed)++;
      curl_multi_remove_handle(multi, m->easy_handle);
      curl_easy_cleanup(m->easy_handle);
      add();
    }
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  Side s;
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cpu = ProcessCpuSeconds(pid) - cpu0;
  s.probes = static_cast<double>(ok);
  if (failed > 0) std::printf("blackbox: %zu failed requests\n", failed);
  curl_multi_cleanup(multi);  // leaks in-flight easy handles; the process ends soon
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::remove(config.c_str());
  rmdir(dir.c_str());
  return s;
}

void Print(const char* name, const Side& s) {
  std::printf("%-10s %9.0f probes in %5.2f s = %7.0f probes/s, CPU %6.2f s = %8.0f probes/CPU-s\n",
              name, s.probes, s.seconds, s.probes / s.seconds, s.cpu,
              s.cpu > 0 ? s.probes / s.cpu : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IONBF, 0);
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5;
  const int services = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int rate = argc > 3 ? std::atoi(argv[3]) : 5000;
  const std::string blackbox = argc > 4 ? argv[4] : "/usr/bin/prometheus-blackbox-exporter";
  int port = 0;
  // Before any thread exists.
  const pid_t server = steadystate::bench::ForkListener(port, steadystate::bench::ServeStatic);
  if (server <= 0 || port <= 0) {
    std::fprintf(stderr, "cannot start the local HTTP server\n");
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/ok";
  std::printf("%d services, %d probes/s offered, %.0f s\n", services, rate, seconds);
  PinTo(server, -1);
  PinTo(0, 0);
  const Side engine = RunEngine(target, services, rate, seconds);
  Print("steadystate", engine);
  if (access(blackbox.c_str(), X_OK) == 0) {
    const Side bb = RunBlackbox(blackbox, target, seconds);
    Print("blackbox", bb);
    if (bb.cpu > 0 && engine.cpu > 0 && bb.probes > 0) {
      std::printf("ratio (probes per CPU-second, steadystate / blackbox): %.1fx\n",
                  (engine.probes / engine.cpu) / (bb.probes / bb.cpu));
    }
  } else {
    std::printf("blackbox: %s not found (scripts/install-deps bench); skipped\n", blackbox.c_str());
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  return 0;
}
