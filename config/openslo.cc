#include "config/openslo.h"

#include <date/tz.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "config/node.h"

namespace steadystate::config {
namespace {

constexpr std::string_view kApiVersion = "openslo/v1";

// A YAML stream split at its "---" lines. Each document keeps its line numbers: the text
// before it is replaced by as many newlines, so yaml-cpp reports the file's own positions.
std::vector<std::string> SplitDocuments(std::string_view text) {
  std::vector<std::string> documents;
  std::string current;
  int line = 0;
  auto is_marker = [](std::string_view l, std::string_view marker) {
    return l.substr(0, 3) == marker &&
           (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (is_marker(l, "---")) {
      documents.push_back(std::move(current));
      current.assign(static_cast<size_t>(line), '\n');
      current += "   ";  // keeps the columns of anything after the marker
      current += l.substr(3);
      current += '\n';
    } else if (is_marker(l, "...")) {
      current += '\n';
    } else {
      current += l;
      current += '\n';
    }
    ++line;
    if (end == text.size()) break;
    pos = end + 1;
  }
  documents.push_back(std::move(current));
  return documents;
}

// 0.999 -> 99.9, rounded to 9 decimals so that it equals the double a native `objective: 99.9`
// parses to (0.999 * 100 is 99.899999999999991 in binary).
double ToPercent(double ratio) { return std::round(ratio * 1e11) / 1e9; }

ValueParser<double> Ratio() {
  return {"a ratio between 0 and 1", [](std::string_view text) -> Result<double> {
            Result<double> n = Number().parse(text);
            if (!n.ok()) return n;
            if (!(*n > 0 && *n < 1)) {
              return Invalid(Quote(text) + " is not between 0 and 1 (example: 0.999)");
            }
            return *n;
          }};
}

ValueParser<std::string> ZoneName() {
  return {"a time zone", [](std::string_view text) -> Result<std::string> {
            try {
              date::locate_zone(std::string(text));
              return std::string(text);
            } catch (const std::exception&) {
              return Invalid(Quote(text) +
                             " is not a time zone (examples: UTC, Europe/Berlin, "
                             "America/New_York)");
            }
          }};
}

void Unsupported(MapReader& map, std::string_view key, std::string_view why) {
  if (map.Find(key) != nullptr) {
    map.Error(key,
              "unsupported field " + Quote(key) + (why.empty() ? "" : ": " + std::string(why)));
  }
}

// Ignored, descriptive fields.
void Descriptive(MapReader& map, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) map.Find(key);
}

void ReadMetadata(MapReader& doc, std::string& name) {
  doc.ReadMap("metadata", [&](MapReader& metadata) {
    metadata.ReadRequired("name", name, Name());
    Descriptive(metadata, {"displayName", "labels", "annotations", "namespace"});
  });
  if (doc.Find("metadata") == nullptr) doc.MissingKey("metadata");
}

struct MetricSource {
  std::string service;
  std::string signal;
  std::optional<Duration> threshold;
};

void ReadMetric(MapReader& metric, MetricSource& out) {
  Descriptive(metric, {"displayName"});
  bool found = metric.ReadMap("metricSource", [&](MapReader& source) {
    Unsupported(source, "metricSourceRef",
                "name the steadystate source inline (type: steadystate)");
    std::string type;
    if (source.ReadRequired("type", type, NonEmptyString()) && type != "steadystate") {
      source.Error("type", "unsupported metric source type " + Quote(type) +
                               "; only \"steadystate\" (this daemon's probes) is supported");
    }
    bool has_spec = source.ReadMap("spec", [&](MapReader& s) {
      s.ReadRequired("service", out.service, Name());
      s.Read("signal", out.signal, NonEmptyString());
      s.Read("threshold", out.threshold, PositiveDuration());
    });
    if (!has_spec) source.MissingKey("spec");
  });
  if (!found) metric.MissingKey("metricSource");
}

struct Indicator {
  MetricSource good;
  MetricSource total;
  bool good_found = false;
  bool total_found = false;
};

void ReadIndicator(MapReader& indicator, Indicator& out) {
  indicator.ReadMap("metadata", [&](MapReader& m) {
    Descriptive(m, {"name", "displayName", "labels", "annotations"});
  });
  bool has_spec = indicator.ReadMap("spec", [&](MapReader& spec) {
    Descriptive(spec, {"description"});
    Unsupported(spec, "thresholdMetric", "only ratioMetric SLIs are supported");
    bool ratio = spec.ReadMap("ratioMetric", [&](MapReader& r) {
      Descriptive(r, {"counter"});
      Unsupported(r, "bad", "give good and total");
      Unsupported(r, "rawType", "give good and total counts");
      Unsupported(r, "raw", "give good and total counts");
      out.good_found = r.ReadMap("good", [&](MapReader& g) { ReadMetric(g, out.good); });
      out.total_found = r.ReadMap("total", [&](MapReader& t) { ReadMetric(t, out.total); });
      if (!out.good_found && r.Find("bad") == nullptr) r.MissingKey("good");
      if (!out.total_found) r.MissingKey("total");
    });
    if (!ratio && spec.Find("thresholdMetric") == nullptr) spec.MissingKey("ratioMetric");
  });
  if (!has_spec) indicator.MissingKey("spec");
}

void ReadTimeWindow(MapReader& spec, SloConfig& out) {
  const MapEntry* entry = spec.Find("timeWindow");
  if (entry == nullptr) {
    spec.MissingKey("timeWindow");
    return;
  }
  if (entry->value.kind == Node::Kind::kList && entry->value.items.size() > 1) {
    spec.Error("timeWindow", "unsupported: more than one time window (give exactly one)");
    return;
  }
  spec.ReadMapList("timeWindow", [&](MapReader& w, size_t) {
    std::string duration;
    bool rolling = false;
    w.ReadRequired("duration", duration, NonEmptyString());
    w.ReadRequired("isRolling", rolling, Bool());
    if (duration.empty()) return;
    if (rolling) {
      Unsupported(w, "calendar", "a rolling window has no calendar");
      Result<Duration> d = ParseDuration(duration);
      if (!d.ok() || *d <= Duration(0)) {
        w.Error("duration", "unsupported rolling duration " + Quote(duration) +
                                " (use m, h, d or w, e.g. 28d)");
        return;
      }
      out.window = *d;
      return;
    }
    if (duration == "1M") {
      out.calendar = SloCalendar::kMonth;
    } else if (duration == "1w") {
      out.calendar = SloCalendar::kWeek;
    } else if (duration == "1Q") {
      out.calendar = SloCalendar::kQuarter;
    } else {
      w.Error("duration",
              "unsupported calendar duration " + Quote(duration) + " (supported: 1w, 1M, 1Q)");
    }
    bool calendar = w.ReadMap("calendar", [&](MapReader& c) {
      // The periods are the calendar's own (ISO weeks from Monday, months and quarters from
      // the 1st, at local midnight); startTime only anchors them in OpenSLO's model.
      std::string start;
      c.Read("startTime", start, NonEmptyString());
      c.ReadRequired("timeZone", out.time_zone, ZoneName());
    });
    if (!calendar) w.MissingKey("calendar", "a calendar window needs calendar.timeZone");
  });
}

void ReadObjectives(MapReader& spec, SloConfig& out) {
  const MapEntry* entry = spec.Find("objectives");
  if (entry == nullptr) {
    spec.MissingKey("objectives");
    return;
  }
  if (entry->value.kind == Node::Kind::kList && entry->value.items.size() > 1) {
    spec.Error("objectives", "unsupported: more than one objective (write one SLO per objective)");
    return;
  }
  if (entry->value.kind == Node::Kind::kList && entry->value.items.empty()) {
    spec.Error("objectives", "lists no objective");
    return;
  }
  spec.ReadMapList("objectives", [&](MapReader& o, size_t) {
    Descriptive(o, {"displayName"});
    Unsupported(o, "op", "thresholdMetric objectives are not supported");
    Unsupported(o, "value", "thresholdMetric objectives are not supported");
    Unsupported(o, "indicator", "give the indicator in the SLO spec");
    Unsupported(o, "indicatorRef", "give the indicator in the SLO spec");
    Unsupported(o, "compositeWeight", "composite SLOs are not supported");
    static constexpr std::string_view kTargets[] = {"target", "targetPercent"};
    if (std::optional<size_t> which = o.ReadOneOf(kTargets)) {
      if (*which == 0) {
        double target = 0;
        if (o.Read("target", target, Ratio())) out.objective_percent = ToPercent(target);
      } else {
        o.Read("targetPercent", out.objective_percent, Percent());
      }
    }
    double slice_target = 0;
    if (o.Read("timeSliceTarget", slice_target, Ratio())) {
      out.timeslice_objective_percent = ToPercent(slice_target);
    }
    o.Read("timeSliceWindow", out.timeslice, PositiveDuration());
    if (out.budgeting == SloBudgeting::kOccurrences) {
      for (std::string_view key : {"timeSliceTarget", "timeSliceWindow"}) {
        if (o.Find(key) != nullptr) o.Error(key, "only applies with budgetingMethod: Timeslices");
      }
    } else {
      if (o.Find("timeSliceTarget") == nullptr) {
        o.MissingKey("timeSliceTarget", "needed for budgetingMethod: Timeslices");
      }
      if (out.timeslice % std::chrono::minutes(1) != Duration(0)) {
        o.Error("timeSliceWindow", FormatDuration(out.timeslice) +
                                       " is not a whole number of minutes (examples: 1m, 5m)");
      }
    }
  });
}

void ReadSloDocument(MapReader& doc, const Config& config, std::vector<OpenSloSlo>& out) {
  OpenSloSlo result;
  ReadMetadata(doc, result.slo.name);
  const SourceLocation where = doc.ctx().Locate("metadata.name").value_or(doc.where());
  bool spec_found = doc.ReadMap("spec", [&](MapReader& spec) {
    Descriptive(spec, {"description"});
    Unsupported(spec, "indicatorRef", "give the indicator inline (spec.indicator)");
    Unsupported(spec, "alertPolicies", "burn-rate alerts come from slo_alerts in the main config");
    if (spec.ReadRequired("service", result.service, Name())) {
      const ServiceConfig* service = config.FindService(result.service);
      if (service == nullptr) {
        spec.Error("service", "service " + Quote(result.service) +
                                  " is not configured (add it to services: in " +
                                  config.source_name + ")");
      } else if (!service->probe) {
        spec.Error("service", "service " + Quote(result.service) +
                                  " has no probe; SLOs are measured by the service's probe");
      }
    }
    Indicator indicator;
    bool has_indicator =
        spec.ReadMap("indicator", [&](MapReader& i) { ReadIndicator(i, indicator); });
    if (!has_indicator && spec.Find("indicatorRef") == nullptr) spec.MissingKey("indicator");

    // Budgeting comes before objectives, which check the timeslice fields against it.
    std::string budgeting = "Occurrences";
    spec.Read("budgetingMethod", budgeting, NonEmptyString());
    if (budgeting == "Timeslices") {
      result.slo.budgeting = SloBudgeting::kTimeslices;
    } else if (budgeting != "Occurrences") {
      spec.Error("budgetingMethod", "unsupported budgetingMethod " + Quote(budgeting) +
                                        " (supported: Occurrences, Timeslices)");
    }
    ReadTimeWindow(spec, result.slo);
    ReadObjectives(spec, result.slo);

    if (!indicator.good_found) return;
    const std::string path = "spec.indicator.spec.ratioMetric.";
    auto check_service = [&](const MetricSource& m, const std::string& which) {
      if (!m.service.empty() && !result.service.empty() && m.service != result.service) {
        spec.ctx().ErrorAt(path + which + ".metricSource.spec.service",
                           "metric source service " + Quote(m.service) +
                               " differs from the SLO's service " + Quote(result.service));
      }
    };
    check_service(indicator.good, "good");
    check_service(indicator.total, "total");
    const std::string good_signal_path = path + "good.metricSource.spec.signal";
    if (indicator.good.signal == "latency") {
      if (!indicator.good.threshold) {
        spec.ctx().ErrorAt(path + "good.metricSource.spec",
                           "missing required key \"threshold\" (needed for signal: latency)");
      }
      result.slo.threshold = indicator.good.threshold;
    } else if (indicator.good.signal == "success") {
      if (indicator.good.threshold) {
        spec.ctx().ErrorAt(path + "good.metricSource.spec.threshold",
                           "only applies with signal: latency");
      }
    } else {
      spec.ctx().ErrorAt(
          indicator.good.signal.empty() ? path + "good.metricSource.spec" : good_signal_path,
          indicator.good.signal.empty() ? "missing required key \"signal\" (success or latency)"
                                        : "unsupported signal " + Quote(indicator.good.signal) +
                                              " (supported: success, latency)");
    }
    const std::string& total = indicator.total.signal;
    if (indicator.total_found && !total.empty() && total != "total" &&
        total != indicator.good.signal) {
      spec.ctx().ErrorAt(path + "total.metricSource.spec.signal",
                         "unsupported signal " + Quote(total) +
                             " for total (total counts every probe; write signal: total)");
    }
    if (const ServiceConfig* service = config.FindService(result.service);
        service && service->probe && result.slo.threshold &&
        *result.slo.threshold >= service->probe->timeout) {
      spec.ctx().ErrorAt(path + "good.metricSource.spec.threshold",
                         "threshold " + FormatDuration(*result.slo.threshold) +
                             " is not shorter than the probe timeout " +
                             FormatDuration(service->probe->timeout));
    }
  });
  if (!spec_found) doc.MissingKey("spec");
  char buf[64];
  std::snprintf(buf, sizeof buf, ":%d:%d", where.line, where.column);
  result.where = buf;
  out.push_back(std::move(result));
}

}  // namespace

Result<std::vector<OpenSloSlo>> ParseOpenSlo(std::string_view yaml, std::string_view source_name,
                                             const Config& config) {
  std::vector<OpenSloSlo> slos;
  std::string errors;
  for (const std::string& text : SplitDocuments(yaml)) {
    SourceMap locations;
    Context ctx(source_name, locations);
    std::optional<Node> root = LoadYaml(text, ctx);
    if (root && root->kind != Node::Kind::kNull) {
      MapReader doc(ctx, *root, "");
      std::string api_version;
      std::string kind;
      if (doc.ReadRequired("apiVersion", api_version, NonEmptyString()) &&
          api_version != kApiVersion) {
        doc.Error("apiVersion", "unsupported apiVersion " + Quote(api_version) + " (expected " +
                                    std::string(kApiVersion) + ")");
      }
      doc.ReadRequired("kind", kind, NonEmptyString());
      if (kind == "SLO") {
        const size_t before = slos.size();
        ReadSloDocument(doc, config, slos);
        for (size_t i = before; i < slos.size(); ++i) {
          slos[i].where = std::string(source_name) + slos[i].where;
        }
      } else if (kind == "Service") {
        std::string name;
        ReadMetadata(doc, name);
        doc.ReadMap("spec", [](MapReader& spec) { Descriptive(spec, {"description"}); });
        if (!name.empty() && config.FindService(name) == nullptr) {
          ctx.ErrorAt("metadata.name", "service " + Quote(name) +
                                           " is not configured (add it to services: in " +
                                           config.source_name + ")");
        }
      } else if (!kind.empty()) {
        doc.Error("kind", "unsupported kind " + Quote(kind) + " (supported: Service, SLO)");
        for (const MapEntry& e : root->entries) doc.Find(e.key);  // one error per document
      }
    }
    if (ctx.failed()) errors += (errors.empty() ? "" : "\n") + ctx.ToError().message;
  }
  if (!errors.empty()) return Invalid(errors);
  return slos;
}

Status LoadSloFiles(Config& config) {
  namespace fs = std::filesystem;
  const fs::path base = config.source_name.empty() || config.source_name.front() == '<'
                            ? fs::path()
                            : fs::path(config.source_name).parent_path();
  std::vector<std::string> errors;
  std::vector<OpenSloSlo> all;
  for (size_t i = 0; i < config.slo_files.size(); ++i) {
    const std::string& file = config.slo_files[i];
    const std::string path = fs::path(file).is_absolute() ? file : (base / file).string();
    const std::string key = "slo_files[" + std::to_string(i) + "]";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
      errors.push_back(config.ErrorLine(
          key, "cannot read OpenSLO file " + Quote(path) + ": " + std::strerror(errno)));
      continue;
    }
    std::string text;
    char buffer[64 * 1024];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, f.get())) {
      text.append(buffer, n);
      if (text.size() > (16u << 20)) break;
    }
    if (text.size() > (16u << 20)) {
      errors.push_back(config.ErrorLine(key, "OpenSLO file " + Quote(path) + " is over 16 MiB"));
      continue;
    }
    Result<std::vector<OpenSloSlo>> parsed = ParseOpenSlo(text, path, config);
    if (!parsed.ok()) {
      errors.push_back(parsed.error().message);
      continue;
    }
    for (OpenSloSlo& slo : *parsed) all.push_back(std::move(slo));
  }
  Config merged = config;
  for (const OpenSloSlo& item : all) {
    ServiceConfig* service = nullptr;
    for (ServiceConfig& s : merged.services) {
      if (s.name == item.service) service = &s;
    }
    if (service == nullptr) continue;  // reported by ParseOpenSlo
    bool duplicate = false;
    for (const SloConfig& existing : service->slos) duplicate |= existing.name == item.slo.name;
    if (duplicate) {
      errors.push_back(item.where + ": metadata.name: service " + Quote(item.service) +
                       " already has an SLO named " + Quote(item.slo.name));
      continue;
    }
    service->slos.push_back(item.slo);
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) message += (message.empty() ? "" : "\n") + e;
    return Invalid(std::move(message));
  }
  config = std::move(merged);
  return OkStatus();
}

}  // namespace steadystate::config
