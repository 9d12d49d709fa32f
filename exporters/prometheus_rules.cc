#include "exporters/prometheus_rules.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "slo/window.h"

namespace steadystate::exporters {
namespace {

// The series an `alerts:` metric reads, as the node_exporter-compatible expression the
// recording rules below define, and the labels that identify one alert instance.
struct MetricExpr {
  std::string expr;
  std::string instance_labels;
  std::string what;
};

MetricExpr ExprFor(config::AlertMetric metric) {
  switch (metric) {
    case config::AlertMetric::kCpuUtilisation:
      return {"instance:node_cpu_utilisation:rate1m", "instance", "CPU utilisation"};
    case config::AlertMetric::kMemoryUtilisation:
      return {"instance:node_memory_utilisation:ratio", "instance", "memory utilisation"};
    case config::AlertMetric::kFilesystemUtilisation:
      return {"instance_mountpoint:node_filesystem_utilisation:ratio", "instance, mountpoint",
              "filesystem utilisation"};
    case config::AlertMetric::kLoad1:
      return {"node_load1", "instance", "1-minute load average"};
  }
  return {"node_load1", "instance", "value"};
}

std::string Number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

// A double-quoted string with `"` and `\` escaped: both a YAML double-quoted scalar and a
// PromQL string literal (label matcher value) read it back unchanged.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Writes a multi-line expression as a YAML block scalar at `indent`.
void Block(std::ostringstream& out, const std::string& key, const std::string& text, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  out << pad << key << ": |-\n";
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out << pad << "  " << line << "\n";
}

void HostRecordingRules(std::ostringstream& out) {
  out << "  - name: steadystate-host-recording\n"
         "    rules:\n"
         "      - record: instance:node_cpu_utilisation:rate1m\n"
         "        expr: 1 - avg without (cpu, mode) "
         "(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))\n"
         "      - record: instance:node_cpu_utilisation:rate5m\n"
         "        expr: 1 - avg without (cpu, mode) "
         "(rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))\n"
         "      - record: instance:node_memory_utilisation:ratio\n"
         "        expr: 1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes\n"
         "      - record: instance_mountpoint:node_filesystem_utilisation:ratio\n"
         "        expr: >-\n"
         "          1 - "
         "node_filesystem_avail_bytes{fstype!~\"tmpfs|ramfs|squashfs|overlay|nsfs\"}\n"
         "          / node_filesystem_size_bytes{fstype!~\"tmpfs|ramfs|squashfs|overlay|nsfs\"}\n";
}

void HostAlertRules(std::ostringstream& out, const config::Config& config) {
  out << "  - name: steadystate-host-alerts\n"
         "    rules:\n";
  for (const auto& rule : config.alerts) {
    const MetricExpr m = ExprFor(rule.metric);
    const bool ratio = rule.metric != config::AlertMetric::kLoad1;
    // Hysteresis like the agent's: once firing, the alert holds until the value drops
    // below recover_below (Prometheus has no native hysteresis; ALERTS provides the state).
    std::string expr = m.expr + " > " + Number(rule.above);
    if (rule.recover_below < rule.above) {
      expr += "\nor\n(" + m.expr + " > " + Number(rule.recover_below) + " and on (" +
              m.instance_labels + ") ALERTS{alertname=" + Quoted(rule.name) +
              ", alertstate=\"firing\"})";
    }
    out << "      - alert: " << rule.name << "\n";
    Block(out, "expr", expr, 8);
    out << "        for: " << FormatDuration(rule.for_duration) << "\n"
        << "        labels:\n"
        << "          severity: " << config::ToString(rule.severity) << "\n"
        << "        annotations:\n"
        << "          summary: "
        << Quoted(m.what + " of {{ $labels.instance }}" +
                  (rule.metric == config::AlertMetric::kFilesystemUtilisation
                       ? " {{ $labels.mountpoint }}"
                       : "") +
                  " is {{ $value | " + (ratio ? "humanizePercentage" : "humanize") + " }} (above " +
                  (ratio ? Number(rule.above * 100) + "%" : Number(rule.above)) + ")")
        << "\n"
        << "          description: "
        << Quoted(
               "Check steadystate_attack_active on the host before acting: a chaos attack "
               "may be running on purpose.")
        << "\n";
  }
  // A host far above its fleet: a stuck process, a noisy neighbour, or a chaos attack.
  out << "      - alert: HostCpuOutlier\n";
  Block(out, "expr",
        "instance:node_cpu_utilisation:rate5m > 0.5\n"
        "and\n"
        "instance:node_cpu_utilisation:rate5m\n"
        "  > on () group_left ()\n"
        "  (avg(instance:node_cpu_utilisation:rate5m) + 2 * "
        "stddev(instance:node_cpu_utilisation:rate5m))\n"
        "and on () count(instance:node_cpu_utilisation:rate5m) >= 3",
        8);
  out << "        for: 15m\n"
         "        labels:\n"
         "          severity: warning\n"
         "        annotations:\n"
         "          summary: "
      << Quoted(
             "CPU of {{ $labels.instance }} is {{ $value | humanizePercentage }}, more than two "
             "standard deviations above the fleet")
      << "\n";
}

// The nominal length of an SLO's window: rolling windows exactly, calendar windows by
// their usual length (a month 30d, a quarter 91d, a week 7d); the agent itself scales by
// the current period's real length.
Duration NominalWindow(const config::SloConfig& slo) {
  if (!slo.calendar) return slo.window;
  switch (*slo.calendar) {
    case config::SloCalendar::kWeek:
      return std::chrono::days(7);
    case config::SloCalendar::kMonth:
      return std::chrono::days(30);
    case config::SloCalendar::kQuarter:
      return std::chrono::days(91);
  }
  return slo.window;
}

bool IsStandardLookback(Duration d) {
  const auto& all = slo::StandardLookbacks();
  return std::find(all.begin(), all.end(), d) != all.end();
}

void SloAlertRules(std::ostringstream& out, const config::Config& config,
                   const std::vector<slo::BurnRateTier>& tiers) {
  bool any_slo = false;
  for (const auto& service : config.services) any_slo = any_slo || !service.slos.empty();
  if (!any_slo || tiers.empty()) return;
  out << "  - name: steadystate-slo-burn-rate\n"
         "    rules:\n";
  for (const auto& tier : tiers) {
    const std::string name = slo::BurnRateRuleName(tier);
    if (!IsStandardLookback(tier.long_window) || !IsStandardLookback(tier.short_window)) {
      out << "      # " << name << ": skipped; agents export steadystate_burn_rate only for "
          << "5m, 30m, 1h, 6h, 1d and 3d\n";
      continue;
    }
    const std::string long_label = FormatDuration(tier.long_window);
    const std::string short_label = FormatDuration(tier.short_window);
    std::string expr;
    for (const auto& service : config.services) {
      for (const auto& slo : service.slos) {
        const double threshold =
            slo::BurnRateThreshold(tier, NominalWindow(slo), slo.objective_percent / 100.0);
        const std::string match =
            "service=" + Quoted(service.name) + ", slo=" + Quoted(slo.name) + ", window=";
        if (!expr.empty()) expr += "\nor\n";
        expr += "max without (window) (\n  steadystate_burn_rate{" + match + Quoted(long_label) +
                "} > " + Number(threshold) + "\n  and ignoring (window)\n  steadystate_burn_rate{" +
                match + Quoted(short_label) + "} > " + Number(threshold) + "\n)";
      }
    }
    out << "      - alert: " << name << "\n";
    Block(out, "expr", expr, 8);
    out << "        labels:\n"
        << "          severity: " << tier.severity << "\n"
        << "          tier: " << tier.tier << "\n"
        << "          long_window: " << long_label << "\n"
        << "          short_window: " << short_label << "\n"
        << "        annotations:\n"
        << "          summary: "
        << Quoted(
               "{{ $labels.service }} {{ $labels.slo }} burns its error budget at {{ $value "
               "| printf \"%.1f\" }}x over " +
               long_label + " and " + short_label)
        << "\n";
  }
}

}  // namespace

std::string PrometheusRules(const config::Config& config,
                            const std::vector<slo::BurnRateTier>& tiers) {
  std::ostringstream out;
  out << "# Prometheus rules for a fleet of steadystate agents, generated by\n"
         "# `steadystate rules prometheus`. Check with: promtool check rules FILE\n"
         "groups:\n";
  HostRecordingRules(out);
  HostAlertRules(out, config);
  SloAlertRules(out, config, tiers);
  return out.str();
}

}  // namespace steadystate::exporters
