// HostSampler: reads the host's /proc files and filesystem sizes once per call and
// returns a HostSnapshot. All OS access goes through HostFilesystem, so tests run the
// sampler on fixture trees and the agent can read a host's /proc mounted elsewhere
// (host.procfs, for containers).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/host/proc_parsers.h"
#include "common/clock.h"
#include "common/result.h"

namespace steadystate::collector {

struct FilesystemUsage {
  Mount mount;
  double size_bytes = 0;
  double free_bytes = 0;
  double avail_bytes = 0;  // free for unprivileged users, what `df` shows
  double files = 0;
  double files_free = 0;
  bool device_error = false;  // statvfs failed (a hung NFS mount, a vanished device)
};

struct HostSnapshot {
  Timestamp time;
  ProcStat stat;
  std::map<std::string, double> meminfo;
  std::optional<LoadAverage> load;  // nullopt when /proc/loadavg could not be read
  std::vector<DiskStats> disks;
  std::vector<FilesystemUsage> filesystems;
  // One line per file that could not be read or parsed; the rest is still sampled.
  std::vector<std::string> errors;
};

// The OS seam. Thread-compatible.
class HostFilesystem {
 public:
  struct StatVfs {
    double size_bytes, free_bytes, avail_bytes, files, files_free;
  };
  virtual ~HostFilesystem() = default;
  virtual Result<std::string> ReadFile(const std::string& path) const = 0;
  virtual Result<StatVfs> StatFilesystem(const std::string& mountpoint) const = 0;
};

// The real one: read(2) and statvfs(3).
std::unique_ptr<HostFilesystem> RealHostFilesystem();

struct HostSamplerOptions {
  std::string procfs = "/proc";
  // Mount points to report; empty means every real filesystem in procfs/1/mounts (falling
  // back to procfs/self/mounts).
  std::vector<std::string> mountpoints;
};

class HostSampler {
 public:
  HostSampler(HostSamplerOptions options, const HostFilesystem& fs, const Clock& clock);

  // Never fails as a whole: unreadable parts are listed in snapshot.errors.
  HostSnapshot Sample() const;

 private:
  std::vector<Mount> Mounts(std::vector<std::string>& errors) const;

  HostSamplerOptions options_;
  const HostFilesystem& fs_;
  const Clock& clock_;
};

// Utilisation ratios derived from consecutive snapshots (CPU needs two).
struct HostUtilisation {
  std::optional<double> cpu;     // 1 - idle share of CPU time since the previous snapshot
  std::optional<double> memory;  // 1 - MemAvailable / MemTotal
  std::vector<std::pair<std::string, double>> filesystems;  // mountpoint, 1 - avail / size
};

// Same definition as the classic PromQL `1 - avg(rate(node_cpu_seconds_total{mode="idle"}))`:
// iowait counts as busy. Returns nullopt for cpu when no time passed or counters went
// backwards (a reboot between snapshots).
HostUtilisation ComputeUtilisation(const HostSnapshot* previous, const HostSnapshot& current);

// The same CPU figure between two /proc/stat readings (the aggregate "cpu" line).
std::optional<double> CpuUtilisation(const CpuTimes& before, const CpuTimes& after);

}  // namespace steadystate::collector
