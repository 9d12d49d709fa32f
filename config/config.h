// steadystate's configuration: the YAML file (docs/configuration.md) parsed into plain
// structs with every default filled in, validated as a whole. Parse() reports every problem
// at once, one line each, as "FILE:LINE:COL: KEY.PATH: MESSAGE", sorted by position.
//
// Modules that validate their own semantics later (OpenSLO files, rule generation) locate
// their errors with Config::Where / Config::ErrorLine, which use the SourceMap recorded while
// parsing. A Config is a value: copyable, immutable after Parse, safe to read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "common/time.h"
#include "config/secret.h"
#include "config/values.h"

namespace steadystate::config {

struct ServerConfig {
  HostPort listen{"127.0.0.1", 9470};
  SecretRef api_token;                        // bearer token for write endpoints; optional
  uint64_t max_connections = 4096;            // open at once, in all
  uint64_t max_connections_per_client = 256;  // open at once from one client address
};

struct RetentionConfig {
  Duration raw = std::chrono::days(14);
  Duration rollups = std::chrono::days(400);
};

struct StorageConfig {
  std::string path = "./steadystate-data";
  RetentionConfig retention;
  uint64_t write_buffer_bytes = 4ULL << 20;  // RocksDB memtable size
  uint64_t block_cache_bytes = 8ULL << 20;   // RocksDB LRU block cache
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, off (SetupLogging's set)
  LogFormat format = LogFormat::kText;
};

struct HostConfig {
  Duration interval = std::chrono::seconds(5);
  std::string procfs = "/proc";
  std::vector<std::string> mountpoints{"/"};
};

enum class ProbeKind { kHttp, kTcp, kDns };
enum class DnsRecordType { kA, kAaaa, kCname, kMx, kTxt, kNs, kSrv };

struct TlsConfig {
  std::string ca_file;  // PEM bundle; empty = system store
  bool insecure_skip_verify = false;
  friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

struct HttpProbeConfig {
  std::string url;
  std::string method = "GET";
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<StatusRange> valid_status{{200, 299}};
  std::string body_regex;  // RE2 syntax; empty = any body. Checked to compile.
  bool follow_redirects = true;
  TlsConfig tls;
  friend bool operator==(const HttpProbeConfig&, const HttpProbeConfig&) = default;
};

struct TcpProbeConfig {
  HostPort address;       // port never 0
  bool tls = false;       // complete a TLS handshake after connecting
  TlsConfig tls_options;  // YAML keys ca_file, insecure_skip_verify; only with tls: true
  friend bool operator==(const TcpProbeConfig&, const TcpProbeConfig&) = default;
};

struct DnsProbeConfig {
  std::string name;
  DnsRecordType record = DnsRecordType::kA;
  std::optional<HostPort> server;  // empty = the system resolver; port defaults to 53
  friend bool operator==(const DnsProbeConfig&, const DnsProbeConfig&) = default;
};

// Only the member matching `kind` is meaningful.
struct ProbeConfig {
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(2);  // 0 < timeout <= interval
  ProbeKind kind = ProbeKind::kHttp;
  HttpProbeConfig http;
  TcpProbeConfig tcp;
  DnsProbeConfig dns;
  friend bool operator==(const ProbeConfig&, const ProbeConfig&) = default;
};

enum class SloCalendar { kWeek, kMonth, kQuarter };
enum class SloBudgeting { kOccurrences, kTimeslices };

struct SloConfig {
  std::string name;
  double objective_percent = 0;  // 0 < x < 100, e.g. 99.9
  // Rolling window, used when `calendar` is empty. Defaults to 30d when neither is given.
  Duration window = std::chrono::days(30);
  std::optional<SloCalendar> calendar;  // calendar-aligned window in `time_zone`
  std::string time_zone = "UTC";        // IANA name, checked against the tz database
  std::optional<Duration> threshold;    // latency SLO: a probe is good if it succeeds faster
  SloBudgeting budgeting = SloBudgeting::kOccurrences;
  // Timeslices only: a timeslice is good when its good-probe share reaches the objective.
  Duration timeslice =
      std::chrono::minutes(1);             // a whole number of minutes (rollups are per minute)
  double timeslice_objective_percent = 0;  // 0 < x < 100; required for timeslices
  friend bool operator==(const SloConfig&, const SloConfig&) = default;
};

struct ServiceConfig {
  std::string name;  // unique, [a-z0-9][a-z0-9_.-]*
  bool critical = false;
  std::vector<std::string> pagerduty_service_ids;
  std::optional<ProbeConfig> probe;  // required when slos is non-empty
  std::vector<SloConfig> slos;       // names unique within the service
  friend bool operator==(const ServiceConfig&, const ServiceConfig&) = default;
};

enum class AlertMetric { kCpuUtilisation, kMemoryUtilisation, kFilesystemUtilisation, kLoad1 };
// The PagerDuty Events v2 severities, which Alertmanager receivers also understand.
enum class AlertSeverity { kCritical, kError, kWarning, kInfo };

struct AlertRuleConfig {
  std::string name;  // unique, a Prometheus alert name: [A-Za-z_][A-Za-z0-9_]*
  AlertMetric metric = AlertMetric::kCpuUtilisation;
  double above = 0;          // fires when the value stays above this for `for_duration`;
                             // ratios (0, 1] for *_utilisation metrics
  double recover_below = 0;  // resolves below this; default above - 0.05; 0 <= x < above
  Duration for_duration{0};  // YAML key `for`
  AlertSeverity severity = AlertSeverity::kWarning;
  std::vector<std::string> notify;  // notifier names, all defined
};

// One multiwindow burn-rate tier (docs/slos.md). Given as `burn_rate` (the threshold for a
// 30-day window, as the SRE workbook quotes it) or `budget_percent` (the share of the whole
// window's error budget spent within `long_window`); both are stored as budget_share.
struct BurnRateTierConfig {
  std::string name;  // [a-z][a-z0-9_]*: the `tier` label and part of the alert name
  Duration long_window{0};
  Duration short_window{0};  // whole minutes, shorter than long_window
  double budget_share = 0;   // (0, 1]
  AlertSeverity severity = AlertSeverity::kWarning;
  Duration for_duration{0};         // YAML key `for`
  std::vector<std::string> notify;  // replaces slo_alerts.notify for this tier when set
  friend bool operator==(const BurnRateTierConfig&, const BurnRateTierConfig&) = default;
};

struct SloAlertsConfig {
  std::vector<std::string> notify;  // notifier names for SRE-workbook burn-rate alerts
  // Replaces the workbook's three tiers when given (slo::BurnRateTiers). Empty = defaults.
  std::vector<BurnRateTierConfig> tiers;
};

struct SteadyStateConfig {
  Duration window = std::chrono::minutes(5);
  friend bool operator==(const SteadyStateConfig&, const SteadyStateConfig&) = default;
};

enum class NotifierKind { kPagerDutyEvents, kSlack, kAlertmanager, kWebhook, kLog };
enum class WebhookFormat { kAlertmanager, kJson };

struct PagerDutyEventsConfig {
  SecretRef routing_key;  // required
  std::string url = "https://events.pagerduty.com/v2/enqueue";
};

struct SlackConfig {
  SecretRef webhook_url;  // required
};

struct AlertmanagerConfig {
  std::string url;  // base URL; alerts are POSTed to {url}/api/v2/alerts
};

struct WebhookConfig {
  std::string url;
  WebhookFormat format = WebhookFormat::kAlertmanager;  // Alertmanager's webhook body
};

// Only the member matching `kind` is meaningful (`log` has no options).
struct NotifierConfig {
  std::string name;  // unique, [a-z0-9][a-z0-9_.-]*
  NotifierKind kind = NotifierKind::kLog;
  PagerDutyEventsConfig pagerduty_events;
  SlackConfig slack;
  AlertmanagerConfig alertmanager;
  WebhookConfig webhook;
};

enum class SeverityFrom { kPriority, kUrgency };

struct PagerDutyConfig {
  SecretRef api_token;  // required
  std::string base_url = "https://api.pagerduty.com";
  Duration sync_interval = std::chrono::minutes(5);
  Duration lookback = std::chrono::days(180);
  SeverityFrom severity_from = SeverityFrom::kPriority;
  // priority.summary (or urgency) -> our severity. A configured map replaces the default;
  // the default for `urgency` is {high: high, low: low}.
  std::map<std::string, std::string> severity_map{
      {"P1", "sev0"}, {"P2", "sev1"}, {"P3", "sev2"}, {"P4", "sev3"}, {"P5", "sev4"}};
};

enum class ChaosSourceKind { kChaosToolkit, kGremlin };

struct ChaosToolkitSourceConfig {
  std::string journal_dir;  // required
};

struct GremlinSourceConfig {
  SecretRef api_key;    // required
  std::string team_id;  // optional; needed for team-scoped keys
  Duration sync_interval = std::chrono::minutes(5);
  std::string base_url = "https://api.gremlin.com/v1";
};

// Only the member matching `kind` is meaningful.
struct ChaosSourceConfig {
  ChaosSourceKind kind = ChaosSourceKind::kChaosToolkit;
  ChaosToolkitSourceConfig chaostoolkit;
  GremlinSourceConfig gremlin;
};

struct ChaosConfig {
  Duration attribution_grace = std::chrono::minutes(15);
  Duration onset_lookback = std::chrono::hours(1);
  Duration max_attack_duration =
      std::chrono::hours(2);          // open windows are ended (abandoned) after this
  std::vector<std::string> announce;  // notifier names told about attack start/end
  std::vector<ChaosSourceConfig> sources;
  // A Chaos Toolkit journal file larger than this is refused without reading past it.
  uint64_t max_journal_bytes = 64ULL << 20;
};

struct SourceLocation {
  int line = 0;  // 1-based
  int column = 0;
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

// Where each key path of the parsed file was written. Paths look like
// "services[1].probe.interval" and "notifiers[0].slack.webhook_url_env"; list items are
// recorded too ("alerts[0].notify[1]"). Defaults that the file did not write have no entry.
class SourceMap {
 public:
  void Record(std::string path, SourceLocation where);
  // The location of `path`, else of its nearest recorded ancestor, else nullopt.
  std::optional<SourceLocation> Find(std::string_view path) const;
  size_t size() const { return locations_.size(); }

 private:
  std::map<std::string, SourceLocation, std::less<>> locations_;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  LogConfig log;
  HostConfig host;
  std::vector<ServiceConfig> services;
  std::vector<std::string> slo_files;  // OpenSLO files, as written (relative paths unresolved)
  std::vector<AlertRuleConfig> alerts;
  SloAlertsConfig slo_alerts;
  SteadyStateConfig steady_state;
  std::vector<NotifierConfig> notifiers;
  std::optional<PagerDutyConfig> pagerduty;  // set when the file has a pagerduty section
  ChaosConfig chaos;

  std::string source_name;  // file path, or "<default>"
  SourceMap locations;

  // "FILE:LINE:COL" of `path` (or its nearest recorded ancestor), else just the file name.
  std::string Where(std::string_view path) const;
  // "FILE:LINE:COL: PATH: MESSAGE", the format of every config error.
  std::string ErrorLine(std::string_view path, std::string_view message) const;

  const ServiceConfig* FindService(std::string_view name) const;
  const NotifierConfig* FindNotifier(std::string_view name) const;
};

// Parses and validates a whole config. `source_name` prefixes every error line. An empty
// text is a valid config (all defaults). Never throws. Errors: kInvalidInput.
Result<Config> Parse(std::string_view yaml_text, std::string_view source_name);

// Reads and parses `path` (used as the source name). An unreadable file is kInvalidInput
// naming the path.
Result<Config> LoadFile(const std::string& path);

// The embedded default config (config/default.yaml), as `steadystate config default` prints
// it, and that text parsed with source name "<default>".
std::string_view DefaultYaml();
Result<Config> Default();

// Resolves every configured secret so that the daemon fails at start rather than at the
// first page. Reports every failure, each located at its *_env / *_file key:
// "f.yaml:3:18: pagerduty.api_token_env: environment variable PAGERDUTY_API_TOKEN is not set".
Status CheckSecrets(const Config& config, const GetEnv& getenv = ::getenv);

// Calls `fn` for every configured secret with the path of its key without the _env/_file
// suffix ("notifiers[0].pagerduty_events.routing_key").
void ForEachSecret(const Config& config,
                   const std::function<void(const std::string& path, const SecretRef&)>& fn);

// Names for enum values as written in YAML ("cpu_utilisation", "AAAA", "month", ...).
std::string_view ToString(ProbeKind kind);
std::string_view ToString(DnsRecordType record);
std::string_view ToString(SloCalendar calendar);
std::string_view ToString(SloBudgeting budgeting);
std::string_view ToString(AlertMetric metric);
std::string_view ToString(AlertSeverity severity);
std::string_view ToString(NotifierKind kind);
std::string_view ToString(WebhookFormat format);
std::string_view ToString(SeverityFrom from);
std::string_view ToString(ChaosSourceKind kind);

}  // namespace steadystate::config
