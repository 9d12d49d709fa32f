#include "exporters/incident_metrics.h"

#include <prometheus/metric_family.h>

#include <limits>

namespace steadystate::exporters {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric HistogramMetric(std::vector<ClientMetric::Label> labels, const DurationHistogram& h) {
  ClientMetric m;
  m.label = std::move(labels);
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kIncidentDurationBucketsSeconds.size(); ++i) {
    cumulative += h.buckets[i];
    m.histogram.bucket.push_back({cumulative, kIncidentDurationBucketsSeconds[i]});
  }
  m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
  return m;
}

}  // namespace

void DurationHistogram::Observe(double seconds) {
  ++count;
  sum += seconds;
  for (size_t i = 0; i < kIncidentDurationBucketsSeconds.size(); ++i) {
    if (seconds <= kIncidentDurationBucketsSeconds[i]) {
      ++buckets[i];
      return;
    }
  }
}

IncidentMetricsSnapshot MakeIncidentMetricsSnapshot(const incidents::Correlation& correlation) {
  IncidentMetricsSnapshot s;
  for (const incidents::CorrelatedIncident& c : correlation.incidents) {
    const incidents::Incident& i = *c.incident;
    ++s.incidents[{i.service, i.severity, c.chaos()}];
    auto& d = s.durations[{i.service, i.severity}];
    if (c.ttd_seconds) d.ttd.Observe(*c.ttd_seconds);
    if (c.tta_seconds) d.tta.Observe(*c.tta_seconds);
    if (c.ttr_seconds) d.ttr.Observe(*c.ttr_seconds);
  }
  for (const incidents::ServiceTbf& t : correlation.services) {
    if (t.mtbf_seconds) s.mtbf_seconds[t.service] = *t.mtbf_seconds;
  }
  s.detection_coverage = correlation.detection_coverage;
  return s;
}

void IncidentMetrics::Update(IncidentMetricsSnapshot snapshot) {
  auto shared = std::make_shared<const IncidentMetricsSnapshot>(std::move(snapshot));
  std::lock_guard lock(mu_);
  snapshot_ = std::move(shared);
}

std::vector<MetricFamily> IncidentMetrics::Collect() const {
  std::shared_ptr<const IncidentMetricsSnapshot> s;
  {
    std::lock_guard lock(mu_);
    s = snapshot_;
  }
  if (!s) return {};
  MetricFamily total{"steadystate_incidents_total",
                     "Incidents imported, by service, severity and whether a chaos attack "
                     "caused them.",
                     MetricType::Counter,
                     {}};
  for (const auto& [key, n] : s->incidents) {
    const auto& [service, severity, chaos] = key;
    ClientMetric m;
    m.label = {{"chaos", chaos ? "true" : "false"}, {"service", service}, {"severity", severity}};
    m.counter.value = static_cast<double>(n);
    total.metric.push_back(std::move(m));
  }
  MetricFamily ttd{"steadystate_incident_ttd_seconds",
                   "Time to detection: incident created minus onset (attack start or failing "
                   "probes).",
                   MetricType::Histogram,
                   {}};
  MetricFamily tta{"steadystate_incident_tta_seconds",
                   "Time to acknowledge: first acknowledgement minus incident created.",
                   MetricType::Histogram,
                   {}};
  MetricFamily ttr{"steadystate_incident_ttr_seconds",
                   "Time to resolution of resolved incidents: resolved minus created.",
                   MetricType::Histogram,
                   {}};
  for (const auto& [key, d] : s->durations) {
    const std::vector<ClientMetric::Label> labels = {{"service", key.first},
                                                     {"severity", key.second}};
    ttd.metric.push_back(HistogramMetric(labels, d.ttd));
    tta.metric.push_back(HistogramMetric(labels, d.tta));
    ttr.metric.push_back(HistogramMetric(labels, d.ttr));
  }
  MetricFamily mtbf{"steadystate_mtbf_seconds",
                    "Mean time between failures per service: mean of resolved(k) to "
                    "created(k+1), 0 when incidents overlap.",
                    MetricType::Gauge,
                    {}};
  for (const auto& [service, v] : s->mtbf_seconds) {
    ClientMetric m;
    m.label = {{"service", service}};
    m.gauge.value = v;
    mtbf.metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> out = {std::move(total), std::move(ttd), std::move(tta), std::move(ttr),
                                   std::move(mtbf)};
  if (s->detection_coverage) {
    MetricFamily coverage{"steadystate_detection_coverage_ratio",
                          "Share of chaos attacks that broke an SLI and were detected (an "
                          "attributed incident or a steadystate alert).",
                          MetricType::Gauge,
                          {}};
    ClientMetric m;
    m.gauge.value = *s->detection_coverage;
    coverage.metric.push_back(std::move(m));
    out.push_back(std::move(coverage));
  }
  return out;
}

Status RefreshIncidentMetrics(incidents::LiveCorrelation& live, IncidentMetrics& metrics) {
  auto changed = live.Refresh();
  if (!changed.ok()) return changed.error();
  if (*changed) {
    live.Read(
        [&](const incidents::Correlation& c) { metrics.Update(MakeIncidentMetricsSnapshot(c)); });
  }
  return OkStatus();
}

}  // namespace steadystate::exporters
