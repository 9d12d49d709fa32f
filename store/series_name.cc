#include "store/series_name.h"

namespace steadystate::store {

SeriesName SeriesName::Probe(std::string_view service) {
  return SeriesName("probe:" + std::string(service));
}

SeriesName SeriesName::Host(HostMetric metric) {
  switch (metric) {
    case HostMetric::kCpuUtilisation:
      return SeriesName("host:cpu_utilisation");
    case HostMetric::kMemoryUtilisation:
      return SeriesName("host:memory_utilisation");
    case HostMetric::kLoad1:
      return SeriesName("host:load1");
  }
  return SeriesName("host:load1");  // unreachable: every HostMetric is named above
}

SeriesName SeriesName::HostFilesystem(std::string_view mountpoint) {
  return SeriesName(std::string(kHostFilesystemSeriesPrefix) + std::string(mountpoint));
}

}  // namespace steadystate::store
