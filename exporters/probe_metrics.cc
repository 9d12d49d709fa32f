#include "exporters/probe_metrics.h"

#include <prometheus/metric_family.h>

#include <chrono>

namespace steadystate::exporters {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void AddGauge(MetricFamily& family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

}  // namespace

void ProbeMetrics::Update(const collector::ProbeResult& result) {
  std::lock_guard lock(mu_);
  last_[result.service] = result;
}

void ProbeMetrics::Remove(const std::string& service) {
  std::lock_guard lock(mu_);
  last_.erase(service);
}

std::vector<MetricFamily> ProbeMetrics::Collect() const {
  std::map<std::string, collector::ProbeResult> last;
  {
    std::lock_guard lock(mu_);
    last = last_;
  }
  if (last.empty()) return {};
  // Help texts as blackbox_exporter writes them.
  MetricFamily success{
      "probe_success", "Displays whether or not the probe was a success", MetricType::Gauge, {}};
  MetricFamily duration{"probe_duration_seconds",
                        "Returns how long the probe took to complete in seconds",
                        MetricType::Gauge,
                        {}};
  MetricFamily dns{"probe_dns_lookup_time_seconds",
                   "Returns the time taken for probe dns lookup in seconds",
                   MetricType::Gauge,
                   {}};
  MetricFamily status{"probe_http_status_code", "Response HTTP status code", MetricType::Gauge, {}};
  MetricFamily phases{"probe_http_duration_seconds",
                      "Duration of http request by phase, summed over all redirects",
                      MetricType::Gauge,
                      {}};
  MetricFamily expiry{"probe_ssl_earliest_cert_expiry",
                      "Returns last SSL chain expiry in unixtime",
                      MetricType::Gauge,
                      {}};
  for (const auto& [service, r] : last) {
    const ClientMetric::Label label{"service", service};
    AddGauge(success, {label}, r.success ? 1 : 0);
    AddGauge(duration, {label}, ToSeconds(r.duration));
    AddGauge(dns, {label}, ToSeconds(r.phases.resolve));
    if (r.kind == config::ProbeKind::kHttp) {
      AddGauge(status, {label}, r.http_status);
      const std::pair<const char*, Duration> by_phase[] = {{"connect", r.phases.connect},
                                                           {"processing", r.phases.processing},
                                                           {"resolve", r.phases.resolve},
                                                           {"tls", r.phases.tls},
                                                           {"transfer", r.phases.transfer}};
      for (const auto& [phase, d] : by_phase) {
        AddGauge(phases, {{"phase", phase}, label}, ToSeconds(d));
      }
    }
    if (r.cert_expiry) {
      AddGauge(expiry, {label},
               std::chrono::duration<double>(r.cert_expiry->time_since_epoch()).count());
    }
  }
  std::vector<MetricFamily> out;
  for (auto* f : {&success, &duration, &dns, &status, &phases, &expiry}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace steadystate::exporters
