#include "incidents/summary.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>

#include "common/text.h"
#include "incidents/prefetch.h"

namespace steadystate::incidents {
namespace {

std::optional<double> Mean(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string NumberOr(const std::optional<double>& v, std::string_view absent) {
  return v ? FormatNumber(*v) : std::string(absent);
}

// A running sum, added in the order the values come, so the mean is bit for bit that of
// std::accumulate over the same values in a vector.
struct Sum {
  double total = 0;
  size_t count = 0;
  void Add(double v) {
    total += v;
    ++count;
  }
  std::optional<double> Mean() const {
    if (count == 0) return std::nullopt;
    return total / static_cast<double>(count);
  }
};

struct Accumulator {
  size_t incidents = 0;
  size_t chaos = 0;
  Sum ttd, tta, tbf;
  std::vector<double> ttrs;  // in the order they came: the mean, then the quantiles
  size_t broken = 0, detected = 0;
};

// Where the q-quantile of n sorted values lies: the rank below it and how far it is
// towards the next rank (linear interpolation, numpy's default).
std::pair<size_t, double> QuantileRank(size_t n, double q) {
  const double h = (static_cast<double>(n) - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  return {lo, h - static_cast<double>(lo)};
}

// Quantile() of `values` without sorting all of them: nth_element places the two closest
// ranks, so the interpolation (and the result) is the same as on the sorted values.
std::optional<double> QuantileOfUnsorted(std::vector<double>& values, double q) {
  if (values.empty()) return std::nullopt;
  const auto [lo, fraction] = QuantileRank(values.size(), q);
  const auto lo_it = values.begin() + static_cast<std::ptrdiff_t>(lo);
  std::nth_element(values.begin(), lo_it, values.end());
  const double at_lo = *lo_it;
  const double at_hi = lo + 1 < values.size() ? *std::min_element(lo_it + 1, values.end()) : at_lo;
  return at_lo + fraction * (at_hi - at_lo);
}

}  // namespace

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "null";
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::optional<double> Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const auto [lo, fraction] = QuantileRank(sorted.size(), q);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + fraction * (sorted[hi] - sorted[lo]);
}

Summary Summarize(std::vector<double> values) {
  Summary s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.mean = Mean(values);
  s.median = Quantile(values, 0.5);
  s.p90 = Quantile(values, 0.9);
  s.max = values.back();
  return s;
}

Result<GroupBy> ParseGroupBy(std::string_view text) {
  if (text == "service") return GroupBy::kService;
  if (text == "severity") return GroupBy::kSeverity;
  if (text == "none") return GroupBy::kNone;
  return MakeError(
      ErrorCode::kInvalidInput,
      "group_by: expected service, severity or none, got \"" + std::string(text) + "\"");
}

std::vector<MetricsRow> MetricsRows(const Correlation& correlation, GroupBy group_by,
                                    const Period& period) {
  // Groups by name (views into the correlation, which outlives this call), hashed rather
  // than kept in an ordered map: one lookup per incident, one sort of the names at the end.
  // Incidents without the grouped field go to their own accumulator, reported last.
  std::vector<std::pair<std::string_view, Accumulator>> groups;
  std::unordered_map<std::string_view, size_t> index;
  auto group = [&](std::string_view name) -> Accumulator& {
    auto [it, added] = index.try_emplace(name, groups.size());
    if (added) groups.emplace_back(name, Accumulator{});
    return groups[it->second].second;
  };
  Accumulator ungrouped;
  bool have_ungrouped = false;
  if (group_by == GroupBy::kNone) group("all");
  const std::vector<CorrelatedIncident>& all = correlation.incidents;
  for (size_t k = 0; k < all.size(); ++k) {
    // The incidents are in created_at order here but wherever the caller kept them in
    // memory: ask for the ones a few steps ahead while this one is added up.
    if (k + kFetchAhead < all.size()) Prefetch(*all[k + kFetchAhead].incident);
    const CorrelatedIncident& c = all[k];
    const Incident& i = *c.incident;
    if (!period.Contains(i.created_at)) continue;
    Accumulator* acc = nullptr;
    if (group_by == GroupBy::kNone) {
      acc = &groups.front().second;  // "all"
    } else {
      const std::string& key = group_by == GroupBy::kService ? i.service : i.severity;
      if (key.empty()) {
        have_ungrouped = true;
        acc = &ungrouped;
      } else {
        acc = &group(key);
      }
    }
    ++acc->incidents;
    if (c.chaos()) ++acc->chaos;
    if (c.ttd_seconds) acc->ttd.Add(*c.ttd_seconds);
    if (c.tta_seconds) acc->tta.Add(*c.tta_seconds);
    if (c.ttr_seconds) {
      acc->ttrs.push_back(*c.ttr_seconds);
    }
    if (c.tbf_seconds) acc->tbf.Add(*c.tbf_seconds);
  }
  // Detection coverage counts attacks, so it exists for services and for everything.
  std::map<std::string_view, std::pair<size_t, size_t>> per_service;  // broken, detected
  size_t broken = 0, detected = 0;
  for (const AttackDetection& d : correlation.attacks) {
    if (!period.Contains(d.start) || !d.sli_broken()) continue;
    ++broken;
    if (d.detected()) ++detected;
    for (const auto& service : d.broken_services) {
      auto& [b, det] = per_service[service];
      ++b;
      if (d.detected()) ++det;
    }
  }
  if (group_by == GroupBy::kService) {
    for (const auto& [service, counts] : per_service) {
      Accumulator& acc = group(service);
      acc.broken = counts.first;
      acc.detected = counts.second;
    }
  } else if (group_by == GroupBy::kNone) {
    groups.front().second.broken = broken;
    groups.front().second.detected = detected;
  }

  auto make_row = [&](std::optional<std::string> name, Accumulator& acc) {
    MetricsRow row;
    row.group = std::move(name);
    row.incidents = acc.incidents;
    row.chaos_incidents = acc.chaos;
    row.mttd_seconds = acc.ttd.Mean();
    row.mtta_seconds = acc.tta.Mean();
    row.mttr_seconds = Mean(acc.ttrs);  // in arrival order, before the quantiles reorder
    row.p50_ttr_seconds = QuantileOfUnsorted(acc.ttrs, 0.5);
    row.p90_ttr_seconds = QuantileOfUnsorted(acc.ttrs, 0.9);
    row.mtbf_seconds = acc.tbf.Mean();
    if (acc.broken > 0) {
      row.detection_coverage = static_cast<double>(acc.detected) / static_cast<double>(acc.broken);
    }
    return row;
  };
  std::sort(groups.begin(), groups.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<MetricsRow> rows;
  rows.reserve(groups.size() + 1);
  for (auto& [name, acc] : groups) rows.push_back(make_row(std::string(name), acc));
  if (have_ungrouped) rows.push_back(make_row(std::nullopt, ungrouped));
  return rows;
}

std::string MetricsRowsToJson(const std::vector<MetricsRow>& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const MetricsRow& r = rows[i];
    if (i > 0) out += ',';
    out += "{\"group\":" + (r.group ? JsonString(*r.group) : std::string("null"));
    out += ",\"incidents\":" + std::to_string(r.incidents);
    out += ",\"chaos_incidents\":" + std::to_string(r.chaos_incidents);
    out += ",\"mttd_seconds\":" + NumberOr(r.mttd_seconds, "null");
    out += ",\"mtta_seconds\":" + NumberOr(r.mtta_seconds, "null");
    out += ",\"mttr_seconds\":" + NumberOr(r.mttr_seconds, "null");
    out += ",\"p50_ttr_seconds\":" + NumberOr(r.p50_ttr_seconds, "null");
    out += ",\"p90_ttr_seconds\":" + NumberOr(r.p90_ttr_seconds, "null");
    out += ",\"mtbf_seconds\":" + NumberOr(r.mtbf_seconds, "null");
    out += ",\"detection_coverage\":" + NumberOr(r.detection_coverage, "null") + "}";
  }
  return out + "]";
}

std::string MetricsRowsToCsv(const std::vector<MetricsRow>& rows) {
  std::string out =
      "group,incidents,chaos_incidents,mttd_seconds,mtta_seconds,mttr_seconds,"
      "p50_ttr_seconds,p90_ttr_seconds,mtbf_seconds,detection_coverage\n";
  for (const MetricsRow& r : rows) {
    AppendCsvField(out, r.group.value_or(""));
    for (const std::string& field :
         {std::to_string(r.incidents), std::to_string(r.chaos_incidents),
          NumberOr(r.mttd_seconds, ""), NumberOr(r.mtta_seconds, ""), NumberOr(r.mttr_seconds, ""),
          NumberOr(r.p50_ttr_seconds, ""), NumberOr(r.p90_ttr_seconds, ""),
          NumberOr(r.mtbf_seconds, ""), NumberOr(r.detection_coverage, "")}) {
      out += ',';
      out += field;
    }
    out += '\n';
  }
  return out;
}

}  // namespace steadystate::incidents
