#include "app/serve.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <iostream>

#include "app/daemon.h"
#include "common/log.h"
#include "config/config.h"
#include "config/openslo.h"

namespace steadystate::app {
namespace {

constexpr int kOk = 0;
constexpr int kRuntime = 1;
constexpr int kUsage = 2;

Result<config::Config> LoadConfig(const ServeFlags& flags) {
  auto config = flags.config_path.empty() ? config::Default() : config::LoadFile(flags.config_path);
  if (!config.ok()) return config;
  RETURN_IF_ERROR(config::LoadSloFiles(*config));
  if (!flags.data_dir.empty()) config->storage.path = flags.data_dir;
  if (!flags.listen.empty()) {
    auto listen = config::ParseHostPort(flags.listen);
    if (!listen.ok()) {
      return MakeError(ErrorCode::kInvalidInput, "--listen: " + listen.error().message);
    }
    config->server.listen = *listen;
  }
  return config;
}

// Raises the soft limit on open files to the hard one: each HTTP connection is a descriptor,
// and the listener's connection limit (server.max_connections) should be what binds.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

Status ApplyLogging(const config::Config& config) {
  return SetupLogging(config.log.level, config.log.format);
}

}  // namespace

int Serve(const ServeFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return kUsage;
  }
  if (auto logging = ApplyLogging(*config); !logging.ok()) {
    std::cerr << logging.error().message << "\n";
    return kUsage;
  }

  // Signals are taken synchronously by this thread with sigwait; block them before any
  // other thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RaiseOpenFileLimit();
  Daemon daemon(std::move(*config), SystemClock());
  if (auto started = daemon.Start(); !started.ok()) {
    spdlog::critical("{}", started.error().message);
    return started.error().code == ErrorCode::kInvalidInput ? kUsage : kRuntime;
  }

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (flags.config_path.empty()) {
        spdlog::info("SIGHUP: no --config file to reload; running the embedded default");
        continue;
      }
      auto next = LoadConfig(flags);
      if (!next.ok()) {
        spdlog::error("config reload failed; keeping the running config:\n{}",
                      next.error().message);
        continue;
      }
      const config::Config& candidate = *next;
      if (auto logging = ApplyLogging(candidate); !logging.ok()) {
        spdlog::error("config reload failed; keeping the running config: {}",
                      logging.error().message);
        continue;
      }
      if (auto reloaded = daemon.Reload(std::move(*next)); !reloaded.ok()) {
        spdlog::error("config reload failed; keeping the running config: {}",
                      reloaded.error().message);
        continue;
      }
      spdlog::info("config reloaded from {}", flags.config_path);
      continue;
    }
    spdlog::info("{} received, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  daemon.Stop();
  spdlog::info("stopped");
  return kOk;
}

}  // namespace steadystate::app
