#include "collector/host/sampler.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace steadystate::collector {
namespace {

class RealFs final : public HostFilesystem {
 public:
  Result<std::string> ReadFile(const std::string& path) const override {
    // /proc files report size 0, so read until EOF instead of trusting stat.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return MakeError(ErrorCode::kIo, path + ": " + std::strerror(errno));
    std::string out;
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return MakeError(ErrorCode::kIo, path + ": " + std::strerror(err));
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<StatVfs> StatFilesystem(const std::string& mountpoint) const override {
    struct statvfs s {};
    if (::statvfs(mountpoint.c_str(), &s) != 0) {
      return MakeError(ErrorCode::kIo, "statvfs " + mountpoint + ": " + std::strerror(errno));
    }
    const double frsize = static_cast<double>(s.f_frsize);
    return StatVfs{static_cast<double>(s.f_blocks) * frsize,
                   static_cast<double>(s.f_bfree) * frsize,
                   static_cast<double>(s.f_bavail) * frsize, static_cast<double>(s.f_files),
                   static_cast<double>(s.f_ffree)};
  }
};

}  // namespace

std::unique_ptr<HostFilesystem> RealHostFilesystem() { return std::make_unique<RealFs>(); }

HostSampler::HostSampler(HostSamplerOptions options, const HostFilesystem& fs, const Clock& clock)
    : options_(std::move(options)), fs_(fs), clock_(clock) {}

std::vector<Mount> HostSampler::Mounts(std::vector<std::string>& errors) const {
  auto text = fs_.ReadFile(options_.procfs + "/1/mounts");
  if (!text.ok()) text = fs_.ReadFile(options_.procfs + "/self/mounts");
  if (!text.ok()) {
    errors.push_back(text.error().message);
    return {};
  }
  auto mounts = ParseMounts(*text);
  if (!mounts.ok()) {
    errors.push_back(mounts.error().message);
    return {};
  }
  if (options_.mountpoints.empty()) return *mounts;
  std::vector<Mount> chosen;
  for (const auto& wanted : options_.mountpoints) {
    Mount m{"", wanted, ""};
    for (const auto& known : *mounts) {
      if (known.mountpoint == wanted) m = known;
    }
    chosen.push_back(m);
  }
  return chosen;
}

HostSnapshot HostSampler::Sample() const {
  HostSnapshot snap;
  snap.time = clock_.Now();
  auto read_parse = [&](const char* name, auto parse, auto& into) {
    auto text = fs_.ReadFile(options_.procfs + "/" + name);
    if (!text.ok()) {
      snap.errors.push_back(text.error().message);
      return;
    }
    auto parsed = parse(*text);
    if (!parsed.ok()) {
      snap.errors.push_back(parsed.error().message);
      return;
    }
    into = std::move(*parsed);
  };
  read_parse(
      "stat", [](std::string_view t) { return ParseProcStat(t); }, snap.stat);
  read_parse("meminfo", ParseMeminfo, snap.meminfo);
  read_parse("loadavg", ParseLoadavg, snap.load);
  read_parse("diskstats", ParseDiskstats, snap.disks);
  for (auto& mount : Mounts(snap.errors)) {
    FilesystemUsage usage;
    usage.mount = mount;
    auto st = fs_.StatFilesystem(mount.mountpoint);
    if (st.ok()) {
      usage.size_bytes = st->size_bytes;
      usage.free_bytes = st->free_bytes;
      usage.avail_bytes = st->avail_bytes;
      usage.files = st->files;
      usage.files_free = st->files_free;
    } else {
      usage.device_error = true;
      snap.errors.push_back(st.error().message);
    }
    snap.filesystems.push_back(std::move(usage));
  }
  return snap;
}

std::optional<double> CpuUtilisation(const CpuTimes& before, const CpuTimes& after) {
  const double total = after.Total() - before.Total();
  const double idle = after.idle - before.idle;
  if (total > 0 && idle >= 0 && idle <= total) return 1.0 - idle / total;
  return std::nullopt;
}

HostUtilisation ComputeUtilisation(const HostSnapshot* previous, const HostSnapshot& current) {
  HostUtilisation u;
  if (previous != nullptr) u.cpu = CpuUtilisation(previous->stat.total, current.stat.total);
  auto total = current.meminfo.find("MemTotal_bytes");
  auto avail = current.meminfo.find("MemAvailable_bytes");
  if (total != current.meminfo.end() && avail != current.meminfo.end() && total->second > 0) {
    u.memory = 1.0 - avail->second / total->second;
  }
  for (const auto& fs : current.filesystems) {
    if (fs.device_error || fs.size_bytes <= 0) continue;
    u.filesystems.emplace_back(fs.mount.mountpoint, 1.0 - fs.avail_bytes / fs.size_bytes);
  }
  return u;
}

}  // namespace steadystate::collector
