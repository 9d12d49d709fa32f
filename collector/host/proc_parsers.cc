#include "collector/host/proc_parsers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

namespace steadystate::collector {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Calls fn(line_number, line) for each line; stops at the first error.
template <typename Fn>
Status ForEachLine(std::string_view text, Fn fn) {
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    RETURN_IF_ERROR(fn(number, line));
  }
  return OkStatus();
}

std::optional<double> Number(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

Error Malformed(std::string_view file, int line, std::string_view what) {
  return MakeError(ErrorCode::kCorruption,
                   std::string(file) + " line " + std::to_string(line) + ": " + std::string(what));
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text, double user_hz) {
  ProcStat stat;
  bool saw_total = false;
  auto status = ForEachLine(text, [&](int n, std::string_view line) -> Status {
    if (!StartsWith(line, "cpu")) return OkStatus();
    auto f = Fields(line);
    // cpu user nice system idle [iowait irq softirq [steal [guest [guest_nice]]]]
    if (f.size() < 5) return Malformed("/proc/stat", n, "a cpu line needs at least 4 counters");
    CpuTimes t;
    if (f[0] != "cpu") {
      int cpu = 0;
      auto id = f[0].substr(3);
      auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), cpu);
      if (ec != std::errc() || ptr != id.data() + id.size() || cpu < 0) {
        return Malformed("/proc/stat", n, "bad cpu name \"" + std::string(f[0]) + "\"");
      }
      t.cpu = cpu;
    }
    std::array<double*, 10> slots{&t.user, &t.nice,    &t.system, &t.idle,  &t.iowait,
                                  &t.irq,  &t.softirq, &t.steal,  &t.guest, &t.guest_nice};
    for (size_t i = 1; i < f.size() && i <= slots.size(); ++i) {
      auto v = Number(f[i]);
      if (!v) {
        return Malformed("/proc/stat", n, "\"" + std::string(f[i]) + "\" is not a number");
      }
      *slots[i - 1] = *v / user_hz;
    }
    if (t.cpu < 0) {
      stat.total = t;
      saw_total = true;
    } else {
      stat.cpus.push_back(t);
    }
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  if (!saw_total) return MakeError(ErrorCode::kCorruption, "/proc/stat: no \"cpu\" line");
  std::sort(stat.cpus.begin(), stat.cpus.end(),
            [](const CpuTimes& a, const CpuTimes& b) { return a.cpu < b.cpu; });
  return stat;
}

Result<std::map<std::string, double>> ParseMeminfo(std::string_view text) {
  std::map<std::string, double> out;
  auto status = ForEachLine(text, [&](int n, std::string_view line) -> Status {
    if (line.empty()) return OkStatus();
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return Malformed("/proc/meminfo", n, "no ':'");
    std::string name(line.substr(0, colon));
    // node_exporter: "Active(anon)" -> "Active_anon".
    std::replace(name.begin(), name.end(), '(', '_');
    name.erase(std::remove(name.begin(), name.end(), ')'), name.end());
    auto f = Fields(line.substr(colon + 1));
    if (f.empty() || f.size() > 2) return Malformed("/proc/meminfo", n, "expected a value");
    auto v = Number(f[0]);
    if (!v) return Malformed("/proc/meminfo", n, "\"" + std::string(f[0]) + "\" is not a number");
    if (f.size() == 2) {
      if (f[1] != "kB")
        return Malformed("/proc/meminfo", n, "unknown unit \"" + std::string(f[1]) + "\"");
      *v *= 1024;
      name += "_bytes";
    }
    out[name] = *v;
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  if (out.count("MemTotal_bytes") == 0)
    return MakeError(ErrorCode::kCorruption, "/proc/meminfo: no MemTotal");
  return out;
}

Result<LoadAverage> ParseLoadavg(std::string_view text) {
  auto f = Fields(text.substr(0, text.find('\n')));
  if (f.size() < 3) return Malformed("/proc/loadavg", 1, "expected three load averages");
  auto l1 = Number(f[0]);
  auto l5 = Number(f[1]);
  auto l15 = Number(f[2]);
  if (!l1 || !l5 || !l15) return Malformed("/proc/loadavg", 1, "load averages must be numbers");
  return LoadAverage{*l1, *l5, *l15};
}

bool IgnoredDiskDevice(std::string_view d) {
  // ^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$
  auto digits_from = [&](size_t i) {
    return i < d.size() && std::all_of(d.begin() + static_cast<long>(i), d.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
  };
  for (std::string_view p : {"zram", "ram", "loop", "fd"}) {
    if (StartsWith(d, p) && digits_from(p.size())) return true;
  }
  for (std::string_view p : {"hd", "sd", "vd", "xvd"}) {
    if (StartsWith(d, p) && d.size() > p.size() + 1 && d[p.size()] >= 'a' && d[p.size()] <= 'z' &&
        digits_from(p.size() + 1)) {
      return true;
    }
  }
  if (StartsWith(d, "nvme")) {
    size_t i = 4;
    auto skip_digits = [&] {
      size_t s = i;
      while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i;
      return i > s;
    };
    if (skip_digits() && i < d.size() && d[i] == 'n' && (++i, skip_digits()) && i < d.size() &&
        d[i] == 'p' && digits_from(i + 1)) {
      return true;
    }
  }
  return false;
}

Result<std::vector<DiskStats>> ParseDiskstats(std::string_view text) {
  std::vector<DiskStats> out;
  constexpr double kSector = 512;  // diskstats counts 512-byte sectors whatever the device
  auto status = ForEachLine(text, [&](int n, std::string_view line) -> Status {
    auto f = Fields(line);
    if (f.empty()) return OkStatus();
    if (f.size() != 14 && f.size() != 18 && f.size() != 20) {
      return Malformed("/proc/diskstats", n,
                       "expected 14, 18 or 20 fields, got " + std::to_string(f.size()));
    }
    std::vector<double> v;
    for (size_t i = 3; i < f.size(); ++i) {
      auto x = Number(f[i]);
      if (!x)
        return Malformed("/proc/diskstats", n, "\"" + std::string(f[i]) + "\" is not a number");
      v.push_back(*x);
    }
    if (IgnoredDiskDevice(f[2])) return OkStatus();
    DiskStats d;
    d.device = std::string(f[2]);
    d.reads_completed = v[0];
    d.reads_merged = v[1];
    d.read_bytes = v[2] * kSector;
    d.read_time_seconds = v[3] / 1000;
    d.writes_completed = v[4];
    d.writes_merged = v[5];
    d.written_bytes = v[6] * kSector;
    d.write_time_seconds = v[7] / 1000;
    d.io_now = v[8];
    d.io_time_seconds = v[9] / 1000;
    d.io_time_weighted_seconds = v[10] / 1000;
    if (v.size() >= 15) {
      d.discards_completed = v[11];
      d.discards_merged = v[12];
      d.discarded_sectors = v[13];
      d.discard_time_seconds = v[14] / 1000;
    }
    if (v.size() >= 17) {
      d.flush_requests = v[15];
      d.flush_time_seconds = v[16] / 1000;
    }
    out.push_back(std::move(d));
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  return out;
}

bool IgnoredFilesystemType(std::string_view fstype) {
  static const std::set<std::string_view> kIgnored{
      "autofs",     "binfmt_misc", "bpf",     "cgroup",    "cgroup2",    "configfs",   "debugfs",
      "devpts",     "devtmpfs",    "fusectl", "hugetlbfs", "iso9660",    "mqueue",     "nsfs",
      "overlay",    "proc",        "procfs",  "pstore",    "rpc_pipefs", "securityfs", "selinuxfs",
      "squashfs",   "erofs",       "sysfs",   "tracefs",   "tmpfs",      "ramfs",      "efivarfs",
      "fuse.lxcfs", "fuse.portal", "nfsd",    "rootfs"};
  return kIgnored.count(fstype) > 0;
}

namespace {

// Mount fields escape space, tab, newline and backslash as \040 \011 \012 \134.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto oct = s.substr(i + 1, 3);
      if (oct.size() == 3 &&
          std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool IgnoredMountpoint(std::string_view m) {
  // node_exporter:
  // ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)
  for (std::string_view p : {"/dev", "/proc", "/sys"}) {
    if (StartsWith(m, p) && (m.size() == p.size() || m[p.size()] == '/')) return true;
  }
  for (std::string_view p :
       {"/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/"}) {
    if (StartsWith(m, p) && m.size() > p.size()) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<Mount>> ParseMounts(std::string_view text) {
  std::vector<Mount> out;
  std::set<std::string> seen;
  auto status = ForEachLine(text, [&](int n, std::string_view line) -> Status {
    auto f = Fields(line);
    if (f.empty()) return OkStatus();
    if (f.size() < 3) return Malformed("mounts", n, "expected device, mount point and type");
    Mount m{Unescape(f[0]), Unescape(f[1]), std::string(f[2])};
    if (IgnoredFilesystemType(m.fstype) || IgnoredMountpoint(m.mountpoint)) return OkStatus();
    // Later mounts over the same point hide earlier ones; keep the last.
    if (!seen.insert(m.mountpoint).second) {
      std::erase_if(out, [&](const Mount& o) { return o.mountpoint == m.mountpoint; });
    }
    out.push_back(std::move(m));
    return OkStatus();
  });
  if (!status.ok()) return status.error();
  return out;
}

}  // namespace steadystate::collector
