// Pure parsers for the Linux files the host collector reads. Each takes the file's text
// and returns values or an Error naming the file, line and problem; none touches the
// filesystem, so they are tested on literal strings and fixtures from many kernels.
// Semantics follow node_exporter, so its PromQL and dashboards work on our metrics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace steadystate::collector {

// One "cpu" or "cpuN" line of /proc/stat, in seconds. Kernels before 2.6.11 have no
// steal, before 2.6.24 no guest, before 2.6.33 no guest_nice: missing columns are 0.
// As in node_exporter, guest time is *also* counted in user/nice (the kernel does so).
struct CpuTimes {
  int cpu = -1;  // -1 for the aggregate "cpu" line
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0,
         guest = 0, guest_nice = 0;

  // Every mode but guest/guest_nice (already inside user/nice).
  double Total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};

struct ProcStat {
  CpuTimes total;
  std::vector<CpuTimes> cpus;  // by cpu number; hot-unplugged CPUs are simply absent
};

// /proc/stat. `user_hz` is the kernel's USER_HZ (sysconf(_SC_CLK_TCK), 100 on Linux).
Result<ProcStat> ParseProcStat(std::string_view text, double user_hz = 100);

// /proc/meminfo: metric-name suffix -> value, as node_exporter names them: fields in kB
// become "<Field>_bytes" (times 1024), unit-less counts keep their name
// ("HugePages_Total"), and "Active(anon)" becomes "Active_anon_bytes".
Result<std::map<std::string, double>> ParseMeminfo(std::string_view text);

struct LoadAverage {
  double load1 = 0, load5 = 0, load15 = 0;
};
// /proc/loadavg.
Result<LoadAverage> ParseLoadavg(std::string_view text);

struct DiskStats {
  std::string device;
  double reads_completed = 0, reads_merged = 0, read_bytes = 0, read_time_seconds = 0;
  double writes_completed = 0, writes_merged = 0, written_bytes = 0, write_time_seconds = 0;
  double io_now = 0, io_time_seconds = 0, io_time_weighted_seconds = 0;
  std::optional<double> discards_completed, discards_merged, discarded_sectors,
      discard_time_seconds;                                  // kernel 4.18+ (18 fields)
  std::optional<double> flush_requests, flush_time_seconds;  // kernel 5.5+ (20 fields)
};

// /proc/diskstats (14, 18 or 20 fields a line). Devices node_exporter ignores by default
// (ram, loop, fd, and partitions such as sda1, vda2, nvme0n1p1) are skipped.
Result<std::vector<DiskStats>> ParseDiskstats(std::string_view text);
// node_exporter's default --collector.diskstats.device-exclude.
bool IgnoredDiskDevice(std::string_view device);

struct Mount {
  std::string device;
  std::string mountpoint;
  std::string fstype;
};
// /proc/self/mounts (or /proc/1/mounts): real filesystems only, octal escapes (\040)
// decoded; pseudo and virtual filesystems (proc, sysfs, tmpfs, overlay, cgroup, ...) and
// mount points under /dev, /proc, /sys are skipped, each mount point once.
Result<std::vector<Mount>> ParseMounts(std::string_view text);
bool IgnoredFilesystemType(std::string_view fstype);

}  // namespace steadystate::collector
