#include "exporters/host_metrics.h"

#include <prometheus/metric_family.h>

#include <deque>
#include <string>

namespace steadystate::exporters {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Families {
 public:
  MetricFamily& Family(const std::string& name, const std::string& help, MetricType type) {
    out_.push_back(MetricFamily{name, help, type, {}});
    return out_.back();
  }
  static void Add(MetricFamily& family, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (family.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family.metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> Take() {
    return {std::make_move_iterator(out_.begin()), std::make_move_iterator(out_.end())};
  }

 private:
  // A deque, so references returned by Family() stay valid as more are added.
  std::deque<MetricFamily> out_;
};

void CpuFamilies(const collector::ProcStat& stat, Families& f) {
  auto& cpu = f.Family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                       MetricType::Counter);
  auto& guest =
      f.Family("node_cpu_guest_seconds_total",
               "Seconds the CPUs spent in guests (VMs) for each mode.", MetricType::Counter);
  for (const auto& c : stat.cpus) {
    const std::string id = std::to_string(c.cpu);
    // Modes in node_exporter's (alphabetical) order.
    const std::pair<const char*, double> modes[] = {
        {"idle", c.idle},       {"iowait", c.iowait}, {"irq", c.irq},       {"nice", c.nice},
        {"softirq", c.softirq}, {"steal", c.steal},   {"system", c.system}, {"user", c.user}};
    for (const auto& [mode, value] : modes) {
      Families::Add(cpu, {{"cpu", id}, {"mode", mode}}, value);
    }
    Families::Add(guest, {{"cpu", id}, {"mode", "nice"}}, c.guest_nice);
    Families::Add(guest, {{"cpu", id}, {"mode", "user"}}, c.guest);
  }
}

void DiskFamilies(const std::vector<collector::DiskStats>& disks, Families& f) {
  struct Spec {
    const char* name;
    const char* help;
    MetricType type;
    std::optional<double> (*get)(const collector::DiskStats&);
  };
  static const Spec kSpecs[] = {
      {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
       MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.reads_completed; }},
      {"node_disk_reads_merged_total", "The total number of reads merged.", MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.reads_merged; }},
      {"node_disk_read_bytes_total", "The total number of bytes read successfully.",
       MetricType::Counter, [](const auto& d) -> std::optional<double> { return d.read_bytes; }},
      {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
       MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.read_time_seconds; }},
      {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
       MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.writes_completed; }},
      {"node_disk_writes_merged_total", "The number of writes merged.", MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.writes_merged; }},
      {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
       MetricType::Counter, [](const auto& d) -> std::optional<double> { return d.written_bytes; }},
      {"node_disk_write_time_seconds_total",
       "This is the total number of seconds spent by all writes.", MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.write_time_seconds; }},
      {"node_disk_io_now", "The number of I/Os currently in progress.", MetricType::Gauge,
       [](const auto& d) -> std::optional<double> { return d.io_now; }},
      {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.io_time_seconds; }},
      {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
       MetricType::Counter,
       [](const auto& d) -> std::optional<double> { return d.io_time_weighted_seconds; }},
      {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
       MetricType::Counter, [](const auto& d) { return d.discards_completed; }},
      {"node_disk_discards_merged_total", "The total number of discards merged.",
       MetricType::Counter, [](const auto& d) { return d.discards_merged; }},
      {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
       MetricType::Counter, [](const auto& d) { return d.discarded_sectors; }},
      {"node_disk_discard_time_seconds_total",
       "This is the total number of seconds spent by all discards.", MetricType::Counter,
       [](const auto& d) { return d.discard_time_seconds; }},
      {"node_disk_flush_requests_total",
       "The total number of flush requests completed successfully", MetricType::Counter,
       [](const auto& d) { return d.flush_requests; }},
      {"node_disk_flush_requests_time_seconds_total",
       "This is the total number of seconds spent by all flush requests.", MetricType::Counter,
       [](const auto& d) { return d.flush_time_seconds; }},
  };
  for (const auto& spec : kSpecs) {
    MetricFamily* family = nullptr;
    for (const auto& d : disks) {
      auto v = spec.get(d);
      if (!v) continue;
      if (family == nullptr) family = &f.Family(spec.name, spec.help, spec.type);
      Families::Add(*family, {{"device", d.device}}, *v);
    }
  }
}

void FilesystemFamilies(const std::vector<collector::FilesystemUsage>& filesystems, Families& f) {
  struct Spec {
    const char* name;
    const char* help;
    double collector::FilesystemUsage::*field;
  };
  static const Spec kSpecs[] = {
      {"node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.",
       &collector::FilesystemUsage::avail_bytes},
      {"node_filesystem_files", "Filesystem total file nodes.", &collector::FilesystemUsage::files},
      {"node_filesystem_files_free", "Filesystem total free file nodes.",
       &collector::FilesystemUsage::files_free},
      {"node_filesystem_free_bytes", "Filesystem free space in bytes.",
       &collector::FilesystemUsage::free_bytes},
      {"node_filesystem_size_bytes", "Filesystem size in bytes.",
       &collector::FilesystemUsage::size_bytes},
  };
  auto labels = [](const collector::FilesystemUsage& fs) {
    return std::vector<ClientMetric::Label>{{"device", fs.mount.device},
                                            {"fstype", fs.mount.fstype},
                                            {"mountpoint", fs.mount.mountpoint}};
  };
  for (const auto& spec : kSpecs) {
    auto& family = f.Family(spec.name, spec.help, MetricType::Gauge);
    for (const auto& fs : filesystems) {
      if (!fs.device_error) Families::Add(family, labels(fs), fs.*spec.field);
    }
  }
  auto& errors =
      f.Family("node_filesystem_device_error",
               "Whether an error occurred while getting statistics for the given device.",
               MetricType::Gauge);
  for (const auto& fs : filesystems) Families::Add(errors, labels(fs), fs.device_error ? 1 : 0);
}

}  // namespace

void HostMetrics::Update(collector::HostSnapshot snapshot, collector::HostUtilisation utilisation) {
  auto s = std::make_shared<const collector::HostSnapshot>(std::move(snapshot));
  auto u = std::make_shared<const collector::HostUtilisation>(std::move(utilisation));
  std::lock_guard lock(mu_);
  snapshot_ = std::move(s);
  utilisation_ = std::move(u);
}

std::vector<MetricFamily> HostMetrics::Collect() const {
  std::shared_ptr<const collector::HostSnapshot> snap;
  std::shared_ptr<const collector::HostUtilisation> util;
  {
    std::lock_guard lock(mu_);
    snap = snapshot_;
    util = utilisation_;
  }
  if (!snap) return {};
  Families f;
  CpuFamilies(snap->stat, f);
  for (const auto& [name, value] : snap->meminfo) {
    auto& family = f.Family("node_memory_" + name, "Memory information field " + name + ".",
                            MetricType::Gauge);
    Families::Add(family, {}, value);
  }
  if (snap->load) {
    const std::pair<const char*, double> loads[] = {{"node_load1", snap->load->load1},
                                                    {"node_load5", snap->load->load5},
                                                    {"node_load15", snap->load->load15}};
    for (const auto& [name, value] : loads) {
      Families::Add(f.Family(name, std::string(name + 5) + " load average.", MetricType::Gauge), {},
                    value);
    }
  }
  DiskFamilies(snap->disks, f);
  FilesystemFamilies(snap->filesystems, f);
  if (util->cpu) {
    Families::Add(
        f.Family("steadystate_host_cpu_utilisation_ratio",
                 "Share of CPU time not idle since the previous sample (0-1).", MetricType::Gauge),
        {}, *util->cpu);
  }
  if (util->memory) {
    Families::Add(f.Family("steadystate_host_memory_utilisation_ratio",
                           "1 - MemAvailable / MemTotal.", MetricType::Gauge),
                  {}, *util->memory);
  }
  auto& fs = f.Family("steadystate_host_filesystem_utilisation_ratio",
                      "1 - available / size, per mount point.", MetricType::Gauge);
  for (const auto& [mountpoint, ratio] : util->filesystems) {
    Families::Add(fs, {{"mountpoint", mountpoint}}, ratio);
  }
  return f.Take();
}

}  // namespace steadystate::exporters
