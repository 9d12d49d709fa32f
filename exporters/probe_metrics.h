// ProbeMetrics: the last probe result of every service under blackbox_exporter's metric
// names and meanings, with a `service` label instead of one scrape per target
// (DESIGN.md §6), so blackbox dashboards and alerts work with a label change:
//
//   probe_success, probe_duration_seconds, probe_dns_lookup_time_seconds   every probe
//   probe_http_status_code, probe_http_duration_seconds{phase}             HTTP probes
//   probe_ssl_earliest_cert_expiry (Unix seconds)                          when TLS was seen
//
// Built at scrape time from the stored last results; a scrape never probes. Thread-safe:
// Update from the probe engine's sink, Collect from HTTP threads.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "collector/probe/probe_result.h"

namespace steadystate::exporters {

class ProbeMetrics final : public prometheus::Collectable {
 public:
  // Replaces the service's last result.
  void Update(const collector::ProbeResult& result);
  // Forgets a service (removed from the config on reload).
  void Remove(const std::string& service);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, collector::ProbeResult> last_;  // by service, sorted for stable output
};

}  // namespace steadystate::exporters
