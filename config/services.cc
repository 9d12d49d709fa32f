// services[]: the probe that measures each service and the SLOs kept on its results.
#include <date/tz.h>
#include <re2/re2.h>

#include <algorithm>

#include "config/sections.h"

namespace steadystate::config {
namespace {

constexpr Names<std::string_view, 7> kHttpMethods{{{"GET", "GET"},
                                                   {"HEAD", "HEAD"},
                                                   {"POST", "POST"},
                                                   {"PUT", "PUT"},
                                                   {"PATCH", "PATCH"},
                                                   {"DELETE", "DELETE"},
                                                   {"OPTIONS", "OPTIONS"}}};

// Probes match with RE2: linear time in the body, no recursion, so a hostile body cannot
// exhaust the stack or the CPU. Real health-check patterns are short.
constexpr size_t kMaxRegexLength = 1024;

ValueParser<std::string> Regex() {
  return {"a regular expression", [](std::string_view text) -> Result<std::string> {
            if (text.size() > kMaxRegexLength) {
              return Invalid("regular expressions are limited to 1024 characters");
            }
            RE2::Options options;
            options.set_log_errors(false);
            const RE2 compiled(re2::StringPiece(text.data(), text.size()), options);
            if (!compiled.ok()) {
              return Invalid(Quote(text) + " is not a valid regular expression (" +
                             compiled.error() + "; RE2 syntax: no backreferences or lookaround)");
            }
            return std::string(text);
          }};
}

ValueParser<StatusRange> HttpStatus() { return {"an HTTP status", ParseStatusRange}; }

ValueParser<std::string> TimeZone() {
  return {"a time zone", [](std::string_view text) -> Result<std::string> {
            std::vector<std::string_view> names;
            try {
              date::locate_zone(std::string(text));
              return std::string(text);
            } catch (const std::exception&) {
              // Not a zone (or no tz database): fall through to the message.
            }
            try {
              for (const date::time_zone& zone : date::get_tzdb().zones) {
                names.push_back(zone.name());
              }
            } catch (const std::exception&) {
              // No database: no hint.
            }
            return Invalid(Quote(text) +
                           " is not a time zone (examples: UTC, Europe/Berlin, America/New_York)" +
                           DidYouMean(text, names));
          }};
}

// A DNS name to query: letters, digits, '-', '_' (SRV names) and dots, at most 253.
ValueParser<std::string> DnsName() {
  return {"a DNS name", [](std::string_view text) -> Result<std::string> {
            bool valid = !text.empty() && text.size() <= 253 && !text.starts_with('.');
            for (char c : text) {
              valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
            }
            if (!valid) return Invalid(Quote(text) + " is not a DNS name (example: example.com)");
            return std::string(text);
          }};
}

// host:port, or a bare host or IPv6 address meaning port 53.
ValueParser<HostPort> DnsServer() {
  return {"host:port", [](std::string_view text) -> Result<HostPort> {
            std::string full(text);
            size_t colons = std::count(text.begin(), text.end(), ':');
            if (colons == 0) full += ":53";
            if (colons > 1 && !text.starts_with('[')) full = "[" + full + "]:53";
            Result<HostPort> server = ParseHostPort(full);
            if (server.ok() && server->port != 0) return server;
            return Invalid(Quote(text) +
                           " is not host:port or a host (examples: 9.9.9.9, 10.0.0.2:5353)");
          }};
}

bool IsHeaderNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void ReadHttpProbe(MapReader& map, HttpProbeConfig& out) {
  map.ReadRequired("url", out.url, HttpUrl());
  std::string_view method;
  if (map.Read("method", method, OneOf("an HTTP method", kHttpMethods))) out.method = method;
  map.ReadStringMap("headers", out.headers);
  for (const auto& [name, value] : out.headers) {
    std::string path = map.PathOf("headers") + "." + name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsHeaderNameChar)) {
      map.ctx().ErrorAt(path, Quote(name) + " is not an HTTP header name (example: Accept)");
    } else if (value.find_first_of("\r\n") != std::string::npos) {
      map.ctx().ErrorAt(path, "header values cannot contain line breaks");
    }
  }
  map.Read("body", out.body, AnyString());
  map.ReadList("valid_status", out.valid_status, HttpStatus());
  if (const MapEntry* entry = map.Find("valid_status");
      entry != nullptr && entry->value.kind == Node::Kind::kList && entry->value.items.empty()) {
    map.Error("valid_status", "lists no status; leave it out for the default [\"200-299\"]");
  }
  map.Read("body_regex", out.body_regex, Regex());
  map.Read("follow_redirects", out.follow_redirects, Bool());
  map.ReadMap("tls", [&](MapReader& tls) {
    tls.Read("ca_file", out.tls.ca_file, NonEmptyString());
    tls.Read("insecure_skip_verify", out.tls.insecure_skip_verify, Bool());
  });
}

void ReadTcpProbe(MapReader& map, TcpProbeConfig& out) {
  map.ReadRequired("address", out.address, TargetHostPort());
  map.Read("tls", out.tls, Bool());
  // As the HTTP probe's tls map, flattened: `tls` is already the switch.
  bool has_ca = map.Read("ca_file", out.tls_options.ca_file, NonEmptyString());
  bool has_skip = map.Read("insecure_skip_verify", out.tls_options.insecure_skip_verify, Bool());
  if (!out.tls && (has_ca || has_skip)) {
    map.Error(has_ca ? "ca_file" : "insecure_skip_verify",
              "only applies to a TLS handshake (add tls: true)");
  }
}

void ReadDnsProbe(MapReader& map, DnsProbeConfig& out) {
  map.ReadRequired("name", out.name, DnsName());
  map.Read("record", out.record, OneOf("a DNS record type", kDnsRecordTypes));
  map.Read("server", out.server, DnsServer());
}

void ReadProbe(MapReader& map, ProbeConfig& out) {
  map.Read("interval", out.interval, PositiveDuration());
  bool has_timeout = map.Read("timeout", out.timeout, PositiveDuration());
  if (out.timeout > out.interval) {
    map.Error(has_timeout ? "timeout" : "interval",
              "timeout " + FormatDuration(out.timeout) + " is longer than interval " +
                  FormatDuration(out.interval) + "; a probe must end before the next one starts");
  }
  static constexpr auto kKinds = KeysOf(kProbeKinds);
  if (std::optional<size_t> kind = map.ReadOneOf(kKinds)) out.kind = kProbeKinds[*kind].second;
  // Every kind present is read, so that its own mistakes are reported too.
  map.ReadMap("http", [&](MapReader& http) { ReadHttpProbe(http, out.http); });
  map.ReadMap("tcp", [&](MapReader& tcp) { ReadTcpProbe(tcp, out.tcp); });
  map.ReadMap("dns", [&](MapReader& dns) { ReadDnsProbe(dns, out.dns); });
}

void ReadSlo(MapReader& map, SloConfig& out, const std::optional<ProbeConfig>& probe) {
  map.ReadRequired("name", out.name, Name());
  map.ReadRequired("objective", out.objective_percent, Percent());

  map.Read("window", out.window, PositiveDuration());
  map.Read("calendar", out.calendar, OneOf("a calendar period", kSloCalendars));
  map.Read("time_zone", out.time_zone, TimeZone());
  if (map.Find("window") != nullptr && map.Find("calendar") != nullptr) {
    map.Error("calendar",
              "give either window (rolling, e.g. 30d) or calendar (month, week or quarter), not "
              "both");
  } else if (map.Find("time_zone") != nullptr && map.Find("calendar") == nullptr) {
    map.Error("time_zone", "only applies to a calendar window (add calendar: month)");
  }

  if (map.Read("threshold", out.threshold, PositiveDuration()) && probe &&
      *out.threshold >= probe->timeout) {
    map.Error("threshold", "threshold " + FormatDuration(*out.threshold) +
                               " is not shorter than the probe timeout " +
                               FormatDuration(probe->timeout) +
                               "; a slower probe has already failed");
  }

  map.Read("budgeting", out.budgeting, OneOf("a budgeting method", kSloBudgetings));
  bool has_timeslice = map.Read("timeslice", out.timeslice, PositiveDuration());
  map.Read("timeslice_objective", out.timeslice_objective_percent, Percent());
  if (out.budgeting == SloBudgeting::kOccurrences) {
    for (std::string_view key : {"timeslice", "timeslice_objective"}) {
      if (map.Find(key) != nullptr) map.Error(key, "only applies with budgeting: timeslices");
    }
  } else {
    if (map.Find("timeslice_objective") == nullptr) {
      map.MissingKey("timeslice_objective", "needed for budgeting: timeslices");
    }
    // Timeslices are judged from the per-minute rollups.
    if (has_timeslice && out.timeslice % std::chrono::minutes(1) != Duration(0)) {
      map.Error("timeslice", FormatDuration(out.timeslice) +
                                 " is not a whole number of minutes (examples: 1m, 5m)");
    }
  }
}

}  // namespace

void ReadService(MapReader& map, ServiceConfig& out) {
  map.ReadRequired("name", out.name, Name());
  map.Read("critical", out.critical, Bool());
  map.ReadList("pagerduty_service_ids", out.pagerduty_service_ids, NonEmptyString());
  map.ReadMap("probe", [&](MapReader& probe) { ReadProbe(probe, out.probe.emplace()); });
  map.ReadMapList(
      "slos", [&](MapReader& slo, size_t) { ReadSlo(slo, out.slos.emplace_back(), out.probe); });
  CheckUniqueNames(map.ctx(), out.slos, map.PathOf("slos"), "SLO");
  if (!out.slos.empty() && !out.probe) {
    map.Error("slos", "SLOs are measured by the service's probe; add a probe");
  }
}

}  // namespace steadystate::config
