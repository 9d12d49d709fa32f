// SeriesName: the typed name of a time series in the store's registry. The store builds
// every series name here, so writers and readers agree on the bytes without repeating
// string prefixes. The names are the registry keys (meta "series/<name>") of existing
// data directories and never change:
//
//   Probe(service)                        "probe:<service>"  results (kProbe) and rollups
//   Host(HostMetric::kCpuUtilisation)     "host:cpu_utilisation"      (kHost)
//   Host(HostMetric::kMemoryUtilisation)  "host:memory_utilisation"
//   Host(HostMetric::kLoad1)              "host:load1"
//   HostFilesystem(mountpoint)            "host:filesystem_utilisation:<mountpoint>"
//
// Not to be confused with codec.h's SeriesKey, the encoded RocksDB key of one point
// (series id, time). Values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace steadystate::store {

enum class HostMetric { kCpuUtilisation, kMemoryUtilisation, kLoad1 };

class SeriesName {
 public:
  static SeriesName Probe(std::string_view service);
  static SeriesName Host(HostMetric metric);
  static SeriesName HostFilesystem(std::string_view mountpoint);

  // The registry name (the bytes stored in meta after "series/").
  const std::string& str() const { return name_; }

  friend bool operator==(const SeriesName&, const SeriesName&) = default;

 private:
  explicit SeriesName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// The name prefix every HostFilesystem key starts with; what follows it is the mountpoint.
inline constexpr std::string_view kHostFilesystemSeriesPrefix = "host:filesystem_utilisation:";

}  // namespace steadystate::store
