#include "collector/probe/probe_result.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <vector>

#include "store/series_writer.h"

namespace steadystate::collector {
namespace {

constexpr std::string_view kVersion = "p1";
constexpr size_t kFields = 13;

template <typename T>
bool ParseInt(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string SerializeProbeResult(const ProbeResult& r) {
  std::string out;
  out.reserve(64 + r.error.size());
  auto field = [&out](std::string_view value) {
    out += value;
    out += '\t';
  };
  auto number = [&field](int64_t value) { field(std::to_string(value)); };
  field(kVersion);
  field(r.kind == config::ProbeKind::kHttp ? "h" : r.kind == config::ProbeKind::kTcp ? "t" : "d");
  number(r.success ? 1 : 0);
  number(r.duration.count());
  number(r.http_status);
  field(r.error_class);
  number(r.phases.resolve.count());
  number(r.phases.connect.count());
  number(r.phases.tls.count());
  number(r.phases.processing.count());
  number(r.phases.transfer.count());
  field(r.cert_expiry ? std::to_string(r.cert_expiry->time_since_epoch().count()) : "");
  // The error text is last, so it may hold anything but the separator.
  std::string error = r.error;
  std::replace_if(
      error.begin(), error.end(), [](char c) { return c == '\t' || c == '\n'; }, ' ');
  out += error;
  return out;
}

Result<ProbeResult> ParseProbeResult(std::string_view payload, std::string service,
                                     Timestamp time) {
  std::array<std::string_view, kFields> f;
  size_t n = 0;
  while (n + 1 < kFields) {
    size_t tab = payload.find('\t');
    if (tab == std::string_view::npos) break;
    f[n++] = payload.substr(0, tab);
    payload.remove_prefix(tab + 1);
  }
  f[n++] = payload;
  auto corrupt = [](std::string_view why) {
    return MakeError(ErrorCode::kCorruption, "probe result: " + std::string(why));
  };
  if (n != kFields || f[0] != kVersion) return corrupt("unknown format");
  ProbeResult r;
  if (f[1] == "h") {
    r.kind = config::ProbeKind::kHttp;
  } else if (f[1] == "t") {
    r.kind = config::ProbeKind::kTcp;
  } else if (f[1] == "d") {
    r.kind = config::ProbeKind::kDns;
  } else {
    return corrupt("unknown probe kind");
  }
  r.service = std::move(service);
  r.time = time;
  int64_t ms[6];
  int success = 0;
  if (!ParseInt(f[2], success) || !ParseInt(f[3], ms[0]) || !ParseInt(f[4], r.http_status) ||
      !ParseInt(f[6], ms[1]) || !ParseInt(f[7], ms[2]) || !ParseInt(f[8], ms[3]) ||
      !ParseInt(f[9], ms[4]) || !ParseInt(f[10], ms[5])) {
    return corrupt("bad number");
  }
  r.success = success != 0;
  r.duration = Duration(ms[0]);
  r.error_class = std::string(f[5]);
  r.phases = {Duration(ms[1]), Duration(ms[2]), Duration(ms[3]), Duration(ms[4]), Duration(ms[5])};
  if (!f[11].empty()) {
    int64_t expiry = 0;
    if (!ParseInt(f[11], expiry)) return corrupt("bad certificate expiry");
    r.cert_expiry = Timestamp(Duration(expiry));
  }
  r.error = std::string(f[12]);
  return r;
}

std::optional<Duration> LatencyThreshold(const config::ServiceConfig& service) {
  std::optional<Duration> smallest;
  for (const auto& slo : service.slos) {
    if (slo.threshold && (!smallest || *slo.threshold < *smallest)) smallest = slo.threshold;
  }
  return smallest;
}

ProbeStoreWrites MakeProbeStoreWrites(const ProbeResult& result, uint64_t series,
                                      std::optional<Duration> latency_threshold) {
  ProbeStoreWrites w;
  w.payload = SerializeProbeResult(result);
  w.rollup.series = series;
  w.rollup.minute = std::chrono::floor<std::chrono::minutes>(result.time);
  w.rollup.delta.total = 1;
  w.rollup.delta.good = result.success ? 1 : 0;
  w.rollup.delta.latency_good =
      result.success && (!latency_threshold || result.duration <= *latency_threshold) ? 1 : 0;
  w.rollup.delta.latency_buckets[store::LatencyBucketIndex(result.duration)] = 1;
  return w;
}

Status WriteProbeResult(store::Store& store, const ProbeResult& result,
                        std::optional<Duration> latency_threshold) {
  const ProbeStoreWrites w = MakeProbeStoreWrites(result, /*series=*/0, latency_threshold);
  return store::WriteProbeResult(store, result.service, result.time, w.payload, w.rollup.delta);
}

Result<Timestamp> ParseCertDate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto bad = [&text] {
    return MakeError(ErrorCode::kInvalidInput,
                     "certificate date: cannot parse \"" + std::string(text) + "\"");
  };
  // Split on runs of spaces: "Nov", "6", "19:20:00", "2026", "GMT".
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = std::min(rest.find(' '), rest.size());
    parts.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  if (parts.size() != 5 || parts[4] != "GMT" || parts[2].size() != 8 || parts[2][2] != ':' ||
      parts[2][5] != ':') {
    return bad();
  }
  auto month = std::find(kMonths.begin(), kMonths.end(), parts[0]);
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (month == kMonths.end() || !ParseInt(parts[1], day) || !ParseInt(parts[3], year) ||
      !ParseInt(parts[2].substr(0, 2), hh) || !ParseInt(parts[2].substr(3, 2), mm) ||
      !ParseInt(parts[2].substr(6, 2), ss) || hh > 23 || mm > 59 || ss > 60) {
    return bad();
  }
  const std::chrono::year_month_day ymd{
      std::chrono::year(year),
      std::chrono::month(static_cast<unsigned>(month - kMonths.begin()) + 1),
      std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return bad();
  return Timestamp(std::chrono::sys_days(ymd) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
                   std::chrono::seconds(std::min(ss, 59)));
}

}  // namespace steadystate::collector
