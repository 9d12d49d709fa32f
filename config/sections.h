// Internal to config/: the readers of each config section, one group per .cc file, and the
// YAML names of every enum. Each Read* fills `out` from `map` (defaults stay where the file
// is silent) and reports its own section's problems; checks that span sections (notifier
// references) are in config.cc.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/node.h"

namespace steadystate::config {

// settings.cc
void ReadServer(MapReader& map, ServerConfig& out);
void ReadStorage(MapReader& map, StorageConfig& out);
void ReadLog(MapReader& map, LogConfig& out);
void ReadHost(MapReader& map, HostConfig& out);
void ReadSteadyState(MapReader& map, SteadyStateConfig& out);

// services.cc: one item of `services` (probe and SLOs included).
void ReadService(MapReader& map, ServiceConfig& out);

// alerting.cc
void ReadAlert(MapReader& map, AlertRuleConfig& out);
void ReadSloAlerts(MapReader& map, SloAlertsConfig& out);
void ReadNotifier(MapReader& map, NotifierConfig& out);

// integrations.cc
void ReadPagerDuty(MapReader& map, PagerDutyConfig& out);
void ReadChaos(MapReader& map, ChaosConfig& out);

// Reports every item of `items` whose name repeats an earlier one, at `<list>[i].name`.
// `what` is "service", "notifier", ...
template <typename T>
void CheckUniqueNames(Context& ctx, const std::vector<T>& items, std::string_view list_path,
                      std::string_view what) {
  std::unordered_map<std::string_view, size_t> first;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) continue;  // already reported as missing or invalid
    auto [it, inserted] = first.emplace(items[i].name, i);
    if (inserted) continue;
    std::string first_path = std::string(list_path) + "[" + std::to_string(it->second) + "]";
    std::string hint = first_path;
    if (auto where = ctx.Locate(first_path + ".name")) {
      hint += ", line " + std::to_string(where->line);
    }
    ctx.ErrorAt(std::string(list_path) + "[" + std::to_string(i) + "].name",
                "duplicate " + std::string(what) + " name \"" + items[i].name +
                    "\" (first defined at " + hint + ")");
  }
}

template <typename T, size_t N>
using Names = std::array<std::pair<std::string_view, T>, N>;

inline constexpr Names<LogFormat, 2> kLogFormats{
    {{"text", LogFormat::kText}, {"json", LogFormat::kJson}}};
inline constexpr Names<std::string_view, 6> kLogLevels{{{"trace", "trace"},
                                                        {"debug", "debug"},
                                                        {"info", "info"},
                                                        {"warn", "warn"},
                                                        {"error", "error"},
                                                        {"off", "off"}}};
inline constexpr Names<ProbeKind, 3> kProbeKinds{
    {{"http", ProbeKind::kHttp}, {"tcp", ProbeKind::kTcp}, {"dns", ProbeKind::kDns}}};
inline constexpr Names<DnsRecordType, 7> kDnsRecordTypes{{{"A", DnsRecordType::kA},
                                                          {"AAAA", DnsRecordType::kAaaa},
                                                          {"CNAME", DnsRecordType::kCname},
                                                          {"MX", DnsRecordType::kMx},
                                                          {"TXT", DnsRecordType::kTxt},
                                                          {"NS", DnsRecordType::kNs},
                                                          {"SRV", DnsRecordType::kSrv}}};
inline constexpr Names<SloCalendar, 3> kSloCalendars{{{"week", SloCalendar::kWeek},
                                                      {"month", SloCalendar::kMonth},
                                                      {"quarter", SloCalendar::kQuarter}}};
inline constexpr Names<SloBudgeting, 2> kSloBudgetings{
    {{"occurrences", SloBudgeting::kOccurrences}, {"timeslices", SloBudgeting::kTimeslices}}};
inline constexpr Names<AlertMetric, 4> kAlertMetrics{
    {{"cpu_utilisation", AlertMetric::kCpuUtilisation},
     {"memory_utilisation", AlertMetric::kMemoryUtilisation},
     {"filesystem_utilisation", AlertMetric::kFilesystemUtilisation},
     {"load1", AlertMetric::kLoad1}}};
inline constexpr Names<AlertSeverity, 4> kAlertSeverities{{{"critical", AlertSeverity::kCritical},
                                                           {"error", AlertSeverity::kError},
                                                           {"warning", AlertSeverity::kWarning},
                                                           {"info", AlertSeverity::kInfo}}};
inline constexpr Names<NotifierKind, 5> kNotifierKinds{
    {{"pagerduty_events", NotifierKind::kPagerDutyEvents},
     {"slack", NotifierKind::kSlack},
     {"alertmanager", NotifierKind::kAlertmanager},
     {"webhook", NotifierKind::kWebhook},
     {"log", NotifierKind::kLog}}};
inline constexpr Names<WebhookFormat, 2> kWebhookFormats{
    {{"alertmanager", WebhookFormat::kAlertmanager}, {"json", WebhookFormat::kJson}}};
inline constexpr Names<SeverityFrom, 2> kSeverityFroms{
    {{"priority", SeverityFrom::kPriority}, {"urgency", SeverityFrom::kUrgency}}};
inline constexpr Names<ChaosSourceKind, 2> kChaosSourceKinds{
    {{"chaostoolkit", ChaosSourceKind::kChaosToolkit}, {"gremlin", ChaosSourceKind::kGremlin}}};

template <typename T, size_t N>
ValueParser<T> OneOf(std::string_view what, const Names<T, N>& names) {
  return OneOf<T>(what, EnumTable<T>(names));
}

// The keys of a table, for MapReader::ReadOneOf.
template <typename T, size_t N>
constexpr std::array<std::string_view, N> KeysOf(const Names<T, N>& names) {
  std::array<std::string_view, N> keys{};
  for (size_t i = 0; i < N; ++i) keys[i] = names[i].first;
  return keys;
}

}  // namespace steadystate::config
