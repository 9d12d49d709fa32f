#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace steadystate::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSourceDir = STEADYSTATE_SOURCE_DIR;
const std::string kInvalidDir = kSourceDir + "/tests/data/config/invalid/";

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

Config ParseOk(std::string_view yaml) {
  Result<Config> config = Parse(yaml, "test.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return config.ok() ? std::move(config).value() : Config{};
}

std::string ParseError(std::string_view yaml) {
  Result<Config> config = Parse(yaml, "test.yaml");
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidInput);
  return config.error().message;
}

// ---- every broken config in tests/data/config/invalid and the first line it produces ----

struct InvalidCase {
  std::string file;
  std::string first_error;  // after "<path>:"
};

const std::vector<InvalidCase>& InvalidCases() {
  static const std::vector<InvalidCase> kCases = {
      {"alert-above-percent.yaml",
       "2:57: alerts[0].above: 80 is not a ratio in (0, 1]: cpu_utilisation goes from 0 to 1 "
       "(example: 0.80 for 80%)"},
      {"bad-body-regex.yaml",
       "4:59: services[0].probe.http.body_regex: \"(ok\" is not a valid regular expression "
       "(missing ): (ok; RE2 syntax: no backreferences or lookaround)"},
      {"bad-duration-words.yaml",
       "3:10: storage.retention.raw: \"2 weeks\" is not a duration (unknown unit) (examples: "
       "10s, 5m)"},
      {"bad-duration.yaml",
       "5:17: services[0].probe.interval: \"10\" is not a duration (missing unit) (examples: "
       "10s, 5m)"},
      {"bad-listen.yaml",
       "2:11: server.listen: \"9470\" is not host:port (example: 127.0.0.1:9470)"},
      {"bad-log-format.yaml", "3:11: log.format: \"xml\" is not one of text, json"},
      {"bad-log-level.yaml",
       "2:10: log.level: \"infoo\" is not one of trace, debug, info, warn, error, off (did you "
       "mean \"info\"?)"},
      {"bad-severity-from.yaml",
       "3:18: pagerduty.severity_from: \"priorty\" is not one of priority, urgency (did you mean "
       "\"priority\"?)"},
      {"bad-size.yaml",
       "2:17: storage.write_buffer: \"4 MB\" is not a size (unknown unit; examples: 512KiB, "
       "4MiB, 1GiB, 8MB, 1048576)"},
      {"bad-time-zone.yaml",
       "5:70: services[0].slos[0].time_zone: \"Europe/Berln\" is not a time zone (examples: "
       "UTC, Europe/Berlin, America/New_York) (did you mean \"Europe/Berlin\"?)"},
      {"bad-url.yaml",
       "3:20: notifiers[0].webhook.url: must be an http:// or https:// URL (example: "
       "https://hooks.example.com/alerts)"},
      {"bad-valid-status.yaml",
       "6:35: services[0].probe.http.valid_status[1]: \"2xx\" is not an HTTP status or range of "
       "statuses 100-599 (examples: 204, 200-299)"},
      {"duplicate-key.yaml", "4:3: host: duplicate key \"interval\" (first on line 2)"},
      {"duplicate-notifier.yaml",
       "4:11: notifiers[1].name: duplicate notifier name \"log\" (first defined at "
       "notifiers[0], line 2)"},
      {"duplicate-service-name.yaml",
       "6:11: services[2].name: duplicate service name \"www\" (first defined at services[0], "
       "line 2)"},
      {"inline-api-token.yaml",
       "3:3: server.api_token: secrets are not accepted inline; use api_token_env or "
       "api_token_file"},
      {"inline-secret.yaml",
       "4:7: notifiers[0].pagerduty_events.routing_key: secrets are not accepted inline; use "
       "routing_key_env or routing_key_file"},
      {"invalid-service-name.yaml",
       "2:11: services[0].name: \"Web Frontend\" is not a valid name (it must start with a "
       "lowercase letter or digit; example: checkout-api)"},
      {"latency-threshold-above-timeout.yaml",
       "7:51: services[0].slos[0].threshold: threshold 2s is not shorter than the probe "
       "timeout 1s; a slower probe has already failed"},
      {"missing-secret.yaml",
       "3:16: chaos.sources[0].gremlin: missing required key \"api_key_env\" (or "
       "\"api_key_file\")"},
      {"missing-service-name.yaml", "2:5: services[0]: missing required key \"name\""},
      {"negative-duration.yaml",
       "2:13: host.interval: \"-5s\" is not a duration (examples: 10s, 5m)"},
      {"objective-out-of-range.yaml",
       "5:41: services[0].slos[0].objective: \"100\" is not a percentage between 0 and 100, "
       "exclusive (example: 99.9)"},
      {"probe-no-kind.yaml",
       "4:7: services[0].probe: missing required key: one of \"http\", \"tcp\" or \"dns\""},
      {"probe-two-kinds.yaml",
       "5:7: services[0].probe: has both \"http\" and \"tcp\"; give exactly one of \"http\", "
       "\"tcp\" or \"dns\""},
      {"recover-below-not-below-above.yaml",
       "5:20: alerts[0].recover_below: 0.85 must be below above (0.80), or the alert could "
       "never resolve"},
      {"secret-env-and-file.yaml",
       "3:19: pagerduty.api_token_file: give api_token_env or api_token_file, not both"},
      {"secret-value-in-env-key.yaml",
       "4:30: notifiers[0].slack.webhook_url_env: must name an environment variable (letters, "
       "digits and '_', not starting with a digit; example: PD_ROUTING_KEY); the value is not "
       "shown in case it is the secret itself"},
      {"slo-alert-tier-bad-name.yaml",
       "3:14: slo_alerts.tiers[0].name: \"Page-Fast\" is not a tier name (lowercase letters, "
       "digits and '_', starting with a letter; example: page)"},
      {"slo-alert-tier-burn-rate-and-budget.yaml",
       "7:7: slo_alerts.tiers[0]: has both \"burn_rate\" and \"budget_percent\"; give exactly "
       "one of \"burn_rate\" or \"budget_percent\""},
      {"slo-alert-tier-short-window-not-shorter.yaml",
       "5:21: slo_alerts.tiers[0].short_window: short_window 2h must be shorter than "
       "long_window 1h (the workbook uses 1/12: 1h and 5m)"},
      {"slo-alert-tier-unknown-notifier.yaml",
       "5:81: slo_alerts.tiers[0].notify[0]: unknown notifier \"pd-oncal\" (did you mean "
       "\"pd-oncall\"?)"},
      {"slo-alert-tier-without-threshold.yaml",
       "4:7: slo_alerts.tiers[0]: missing required key: one of \"burn_rate\" or "
       "\"budget_percent\""},
      {"slos-without-probe.yaml",
       "4:7: services[0].slos: SLOs are measured by the service's probe; add a probe"},
      {"tcp-ca-file-without-tls.yaml",
       "4:49: services[0].probe.tcp.ca_file: only applies to a TLS handshake (add tls: true)"},
      {"tcp-address-without-port.yaml",
       "4:22: services[0].probe.tcp.address: \"db.internal\" is not host:port (example: "
       "127.0.0.1:9470)"},
      {"time-zone-without-calendar.yaml",
       "5:71: services[0].slos[0].time_zone: only applies to a calendar window (add calendar: "
       "month)"},
      {"timeout-longer-than-interval.yaml",
       "5:16: services[0].probe.timeout: timeout 5s is longer than interval 2s; a probe must "
       "end before the next one starts"},
      {"timeslices-without-objective.yaml",
       "5:9: services[0].slos[0]: missing required key \"timeslice_objective\" (needed for "
       "budgeting: timeslices)"},
      {"top-level-list.yaml", "1:1: expected a map, got a list"},
      {"two-documents.yaml",
       "3:1: invalid YAML: expected one document, found 2 (remove the \"---\" separator)"},
      {"unknown-chaos-source.yaml",
       "4:7: chaos.sources[1]: missing required key: one of \"chaostoolkit\" or \"gremlin\""},
      {"unknown-enum-metric.yaml",
       "2:33: alerts[0].metric: \"cpu_utilization\" is not one of cpu_utilisation, "
       "memory_utilisation, filesystem_utilisation, load1 (did you mean \"cpu_utilisation\"?)"},
      {"unknown-nested-key.yaml",
       "4:7: services[0].probe: unknown key \"intervall\" (did you mean \"interval\"?)"},
      {"unknown-notifier.yaml",
       "2:71: alerts[0].notify[0]: unknown notifier \"pd-oncal\" (did you mean \"pd-oncall\"?)"},
      {"unknown-top-level-key.yaml", "2:1: unknown key \"sevices\" (did you mean \"services\"?)"},
      {"window-and-calendar.yaml",
       "8:19: services[0].slos[0].calendar: give either window (rolling, e.g. 30d) or calendar "
       "(month, week or quarter), not both"},
      {"wrong-type-bool.yaml", "3:15: services[0].critical: \"yes\" is not true or false"},
      {"wrong-type.yaml", "1:11: services: expected a list, got a single value"},
      {"yaml-syntax-error.yaml", "4:1: invalid YAML: end of map flow not found"},
  };
  return kCases;
}

class InvalidConfig : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfig, ReportsTheFirstErrorAtItsLocation) {
  const std::string path = kInvalidDir + GetParam().file;
  Result<Config> config = LoadFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(FirstLine(config.error().message), path + ":" + GetParam().first_error);
}

std::string CaseName(const testing::TestParamInfo<InvalidCase>& info) {
  std::string name;
  bool upper = true;
  for (char c : info.param.file.substr(0, info.param.file.find('.'))) {
    if (c == '-') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidConfig, testing::ValuesIn(InvalidCases()), CaseName);

TEST(InvalidConfigFiles, EveryFileHasAnExpectedError) {
  std::set<std::string> listed;
  for (const InvalidCase& c : InvalidCases()) listed.insert(c.file);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(kInvalidDir)) {
    on_disk.insert(entry.path().filename().string());
  }
  EXPECT_EQ(listed, on_disk);
  EXPECT_GE(on_disk.size(), 24u);
}

TEST(InvalidConfigFiles, InlineSecretsAreNeverRepeated) {
  for (const auto& [file, secret] : std::vector<std::pair<std::string, std::string>>{
           {"inline-secret.yaml", "R0UT1NG-K3Y-d0-n0t-l3ak"},
           {"inline-api-token.yaml", "s3cr3t-t0k3n-d0-n0t-l3ak"},
           {"secret-value-in-env-key.yaml", "l3ak3d"}}) {
    Result<Config> config = LoadFile(kInvalidDir + file);
    ASSERT_FALSE(config.ok()) << file;
    EXPECT_THAT(config.error().message, Not(HasSubstr(secret))) << file;
  }
}

// ---- valid configs ----

TEST(Config, EmptyTextIsAllDefaults) {
  for (std::string_view text : {"", "\n", "# only a comment\n", "---\n", "{}"}) {
    Config config = ParseOk(text);
    EXPECT_EQ(config.server.listen, (HostPort{"127.0.0.1", 9470})) << text;
    EXPECT_TRUE(config.services.empty());
    EXPECT_TRUE(config.alerts.empty());
    EXPECT_TRUE(config.notifiers.empty());
  }
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
  Config config = ParseOk("");
  EXPECT_EQ(config.server.listen.ToString(), "127.0.0.1:9470");
  EXPECT_FALSE(config.server.api_token.configured());
  EXPECT_EQ(config.storage.path, "./steadystate-data");
  EXPECT_EQ(config.storage.retention.raw, days(14));
  EXPECT_EQ(config.storage.retention.rollups, days(400));
  EXPECT_EQ(config.storage.write_buffer_bytes, 4u << 20);
  EXPECT_EQ(config.storage.block_cache_bytes, 8u << 20);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.log.format, LogFormat::kText);
  EXPECT_EQ(config.host.interval, seconds(5));
  EXPECT_EQ(config.host.procfs, "/proc");
  EXPECT_THAT(config.host.mountpoints, ElementsAre("/"));
  EXPECT_TRUE(config.slo_files.empty());
  EXPECT_TRUE(config.slo_alerts.notify.empty());
  EXPECT_TRUE(config.slo_alerts.tiers.empty());
  EXPECT_EQ(config.steady_state.window, minutes(5));
  EXPECT_FALSE(config.pagerduty.has_value());
  EXPECT_EQ(config.chaos.attribution_grace, minutes(15));
  EXPECT_EQ(config.chaos.onset_lookback, hours(1));
  EXPECT_EQ(config.chaos.max_attack_duration, hours(2));
  EXPECT_TRUE(config.chaos.announce.empty());
  EXPECT_TRUE(config.chaos.sources.empty());
}

TEST(Config, NestedDefaultsAreTheDocumentedOnes) {
  Config config = ParseOk(R"(
services:
  - name: www
    probe: {http: {url: "https://www.example.com/"}}
    slos: [{name: availability, objective: 99.9}]
  - name: ns
    probe: {dns: {name: example.com}}
alerts:
  - {name: HostCpuHigh, metric: cpu_utilisation, above: 0.8}
notifiers:
  - {name: pd, pagerduty_events: {routing_key_env: PD_ROUTING_KEY}}
  - {name: hook, webhook: {url: "https://hooks.example.com/x"}}
pagerduty: {api_token_env: PAGERDUTY_API_TOKEN}
chaos:
  sources: [{gremlin: {api_key_file: /run/secrets/gremlin}}]
)");
  ASSERT_EQ(config.services.size(), 2u);
  const ServiceConfig& www = config.services[0];
  EXPECT_FALSE(www.critical);
  ASSERT_TRUE(www.probe.has_value());
  EXPECT_EQ(www.probe->interval, seconds(10));
  EXPECT_EQ(www.probe->timeout, seconds(2));
  EXPECT_EQ(www.probe->kind, ProbeKind::kHttp);
  EXPECT_EQ(www.probe->http.method, "GET");
  EXPECT_THAT(www.probe->http.valid_status, ElementsAre(StatusRange{200, 299}));
  EXPECT_TRUE(www.probe->http.follow_redirects);
  EXPECT_FALSE(www.probe->http.tls.insecure_skip_verify);
  ASSERT_EQ(www.slos.size(), 1u);
  EXPECT_EQ(www.slos[0].window, days(30));
  EXPECT_FALSE(www.slos[0].calendar.has_value());
  EXPECT_EQ(www.slos[0].budgeting, SloBudgeting::kOccurrences);
  EXPECT_FALSE(www.slos[0].threshold.has_value());
  EXPECT_EQ(config.services[1].probe->dns.record, DnsRecordType::kA);
  EXPECT_FALSE(config.services[1].probe->dns.server.has_value());

  ASSERT_EQ(config.alerts.size(), 1u);
  EXPECT_DOUBLE_EQ(config.alerts[0].recover_below, 0.75);
  EXPECT_EQ(config.alerts[0].for_duration, seconds(0));
  EXPECT_EQ(config.alerts[0].severity, AlertSeverity::kWarning);

  EXPECT_EQ(config.notifiers[0].pagerduty_events.url, "https://events.pagerduty.com/v2/enqueue");
  EXPECT_EQ(config.notifiers[1].webhook.format, WebhookFormat::kAlertmanager);

  ASSERT_TRUE(config.pagerduty.has_value());
  EXPECT_EQ(config.pagerduty->base_url, "https://api.pagerduty.com");
  EXPECT_EQ(config.pagerduty->sync_interval, minutes(5));
  EXPECT_EQ(config.pagerduty->lookback, days(180));
  EXPECT_EQ(config.pagerduty->severity_from, SeverityFrom::kPriority);
  EXPECT_EQ(config.pagerduty->severity_map,
            (std::map<std::string, std::string>{
                {"P1", "sev0"}, {"P2", "sev1"}, {"P3", "sev2"}, {"P4", "sev3"}, {"P5", "sev4"}}));

  ASSERT_EQ(config.chaos.sources.size(), 1u);
  EXPECT_EQ(config.chaos.sources[0].kind, ChaosSourceKind::kGremlin);
  EXPECT_EQ(config.chaos.sources[0].gremlin.base_url, "https://api.gremlin.com/v1");
  EXPECT_EQ(config.chaos.sources[0].gremlin.sync_interval, minutes(5));
  EXPECT_EQ(config.chaos.sources[0].gremlin.api_key.file, "/run/secrets/gremlin");
}

TEST(Config, BodyRegexIsRe2SyntaxWithoutLookaroundOrBackreferences) {
  for (const char* pattern : {"(?=ok)", "(a)\\\\1"}) {
    EXPECT_THAT(ParseError(std::string("services: [{name: a, probe: {http: {url: \"https://a/\", "
                                       "body_regex: \"") +
                           pattern + "\"}}}]"),
                HasSubstr("test.yaml:1:68: services[0].probe.http.body_regex:"))
        << pattern;
  }
  EXPECT_EQ(ParseOk("services: [{name: a, probe: {http: {url: \"https://a/\", "
                    "body_regex: \"^\\\\{\\\"status\\\":\\\"(ok|up)\\\"\"}}}]")
                .services[0]
                .probe->http.body_regex,
            "^\\{\"status\":\"(ok|up)\"");
}

TEST(Config, UrgencyHasItsOwnDefaultSeverityMap) {
  Config config = ParseOk("pagerduty: {api_token_env: T, severity_from: urgency}");
  EXPECT_EQ(config.pagerduty->severity_map,
            (std::map<std::string, std::string>{{"high", "high"}, {"low", "low"}}));
  EXPECT_THAT(ParseError("pagerduty: {api_token_env: T, severity_from: urgency,\n"
                         "            severity_map: {P1: sev0}}"),
              HasSubstr("test.yaml:2:32: pagerduty.severity_map.P1: \"P1\" is not a PagerDuty "
                        "urgency (high or low)"));
}

TEST(Config, EmbeddedDefaultParsesToTheDocumentedDaemon) {
  EXPECT_THAT(DefaultYaml(), HasSubstr("HostCpuHigh"));
  Result<Config> config = Default();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source_name, "<default>");
  EXPECT_EQ(config->server.listen.ToString(), "127.0.0.1:9470");
  EXPECT_EQ(config->storage.path, "./steadystate-data");
  EXPECT_EQ(config->host.interval, seconds(5));
  EXPECT_TRUE(config->services.empty());
  ASSERT_EQ(config->alerts.size(), 1u);
  const AlertRuleConfig& cpu = config->alerts[0];
  EXPECT_EQ(cpu.name, "HostCpuHigh");
  EXPECT_EQ(cpu.metric, AlertMetric::kCpuUtilisation);
  EXPECT_DOUBLE_EQ(cpu.above, 0.80);
  EXPECT_DOUBLE_EQ(cpu.recover_below, 0.75);
  EXPECT_EQ(cpu.for_duration, minutes(2));
  EXPECT_EQ(cpu.severity, AlertSeverity::kWarning);
  EXPECT_THAT(cpu.notify, ElementsAre("log"));
  ASSERT_EQ(config->notifiers.size(), 1u);
  EXPECT_EQ(config->notifiers[0].name, "log");
  EXPECT_EQ(config->notifiers[0].kind, NotifierKind::kLog);
  EXPECT_EQ(config->steady_state.window, minutes(5));
  EXPECT_THAT(config->Where("alerts[0].above"), testing::MatchesRegex("<default>:[0-9]+:12"));
}

TEST(Config, EveryExampleParses) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kSourceDir + "/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    names.insert(entry.path().filename().string());
    Result<Config> config = LoadFile(entry.path().string());
    EXPECT_TRUE(config.ok()) << config.error().message;
  }
  EXPECT_TRUE(names.count("minimal.yaml"));
  EXPECT_TRUE(names.count("full.yaml"));
  EXPECT_TRUE(names.count("chaos-lab.yaml"));
}

TEST(Config, FullExampleSetsEveryOption) {
  Result<Config> loaded = LoadFile(kSourceDir + "/examples/full.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Config& config = *loaded;
  EXPECT_EQ(config.server.listen.ToString(), "0.0.0.0:9470");
  EXPECT_EQ(config.server.api_token.env, "STEADYSTATE_API_TOKEN");
  EXPECT_EQ(config.storage.block_cache_bytes, 16u << 20);
  EXPECT_EQ(config.log.format, LogFormat::kJson);
  ASSERT_EQ(config.services.size(), 4u);
  const HttpProbeConfig& http = config.services[0].probe->http;
  EXPECT_EQ(http.headers.at("Accept"), "application/json");
  EXPECT_THAT(http.valid_status, ElementsAre(StatusRange{200, 299}, StatusRange{304, 304}));
  EXPECT_EQ(http.tls.ca_file, "/etc/ssl/certs/ca-certificates.crt");
  const std::vector<SloConfig>& slos = config.services[0].slos;
  ASSERT_EQ(slos.size(), 4u);
  EXPECT_EQ(slos[1].threshold, Duration(300));
  EXPECT_EQ(slos[2].calendar, SloCalendar::kMonth);
  EXPECT_EQ(slos[2].time_zone, "Europe/Berlin");
  EXPECT_EQ(slos[3].budgeting, SloBudgeting::kTimeslices);
  EXPECT_DOUBLE_EQ(slos[3].timeslice_objective_percent, 95);
  EXPECT_EQ(config.services[1].probe->kind, ProbeKind::kTcp);
  EXPECT_EQ(config.services[1].probe->tcp.address, (HostPort{"db.internal", 5432}));
  EXPECT_EQ(config.services[2].probe->dns.record, DnsRecordType::kAaaa);
  EXPECT_EQ(config.services[2].probe->dns.server, (HostPort{"9.9.9.9", 53}));
  EXPECT_FALSE(config.services[3].probe.has_value());
  EXPECT_THAT(config.slo_files, ElementsAre("slos/checkout.yaml"));
  EXPECT_EQ(config.alerts[3].metric, AlertMetric::kLoad1);
  EXPECT_DOUBLE_EQ(config.alerts[3].recover_below, 6);
  std::vector<NotifierKind> kinds;
  for (const NotifierConfig& notifier : config.notifiers) kinds.push_back(notifier.kind);
  EXPECT_THAT(kinds, ElementsAre(NotifierKind::kPagerDutyEvents, NotifierKind::kSlack,
                                 NotifierKind::kAlertmanager, NotifierKind::kWebhook,
                                 NotifierKind::kWebhook, NotifierKind::kLog));
  EXPECT_EQ(config.notifiers[1].slack.webhook_url.file, "/run/secrets/slack-webhook");
  EXPECT_EQ(config.notifiers[4].webhook.format, WebhookFormat::kJson);
  ASSERT_TRUE(config.pagerduty.has_value());
  EXPECT_EQ(config.pagerduty->api_token.file, "/run/secrets/pagerduty-token");
  ASSERT_EQ(config.chaos.sources.size(), 2u);
  EXPECT_EQ(config.chaos.sources[0].chaostoolkit.journal_dir, "/var/lib/chaostoolkit");
  EXPECT_EQ(config.chaos.sources[1].gremlin.team_id, "8f3c2d1e-0000-4b2a-9c3d-2f1e0a9b8c7d");
}

TEST(Config, NullSectionsKeepTheirDefaults) {
  Config config = ParseOk("server:\nlog:\nhost:\nservices:\nalerts:\nchaos:\n");
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.host.interval, seconds(5));
}

TEST(Config, AnchorsAndAliasesAreExpanded) {
  Config config = ParseOk(R"(
services:
  - name: a
    probe: &fast {interval: 5s, timeout: 1s, tcp: {address: "a.internal:80"}}
  - name: b
    probe: *fast
)");
  ASSERT_EQ(config.services.size(), 2u);
  EXPECT_EQ(config.services[1].probe->interval, seconds(5));
  EXPECT_EQ(config.services[1].probe->tcp.address.host, "a.internal");
}

// ---- errors ----

TEST(Config, CollectsEveryErrorInPositionOrder) {
  EXPECT_EQ(
      ParseError(R"(log: {level: loud}
notifiers:
  - {name: pd, slack: {}}
server: {listen: nowhere}
services:
  - name: www
    probe: {timeout: 0s, tcp: {address: "www:80"}}
alerts:
  - {name: Cpu, metric: cpu_utilisation, above: 0.9, notify: [pd, nobody]}
storage: {typo: 1}
)"),
      "test.yaml:1:14: log.level: \"loud\" is not one of trace, debug, info, warn, error, off\n"
      "test.yaml:3:23: notifiers[0].slack: missing required key \"webhook_url_env\" (or "
      "\"webhook_url_file\")\n"
      "test.yaml:4:18: server.listen: \"nowhere\" is not host:port (example: "
      "127.0.0.1:9470)\n"
      "test.yaml:7:22: services[0].probe.timeout: \"0s\" must be longer than 0 (examples: "
      "10s, 5m)\n"
      "test.yaml:9:67: alerts[0].notify[1]: unknown notifier \"nobody\"\n"
      "test.yaml:10:11: storage: unknown key \"typo\"");
}

TEST(Config, TheLogNotifierIsBuiltIn) {
  Config config = ParseOk("alerts:\n  - {name: Load, metric: load1, above: 4, notify: [log]}\n");
  ASSERT_EQ(config.alerts.size(), 1u);
  EXPECT_EQ(config.alerts[0].notify, std::vector<std::string>{"log"});
}

TEST(Config, UnknownKeysGetAHintOnlyWhenClose) {
  EXPECT_EQ(ParseError("host: {intrval: 5s}"),
            "test.yaml:1:8: host: unknown key \"intrval\" (did you mean \"interval\"?)");
  EXPECT_EQ(ParseError("host: {frequency: 5s}"), "test.yaml:1:8: host: unknown key \"frequency\"");
  EXPECT_EQ(ParseError("host: {mount: [/]}"),
            "test.yaml:1:8: host: unknown key \"mount\" (did you mean \"mountpoints\"?)");
}

TEST(Config, UnknownNotifierWhenNoneAreDefined) {
  EXPECT_EQ(ParseError("slo_alerts: {notify: [pd-oncall]}"),
            "test.yaml:1:23: slo_alerts.notify[0]: unknown notifier \"pd-oncall\" (no notifiers "
            "are defined)");
}

TEST(Config, DnsServerAsIpv6AddressAndTcpTlsOptions) {
  Config config = ParseOk(R"(
services:
  - {name: a, probe: {dns: {name: example.com, server: "::1"}}}
  - {name: b, probe: {dns: {name: example.com, server: "[::1]:5353"}}}
  - {name: c, probe: {dns: {name: example.com, server: "2001:db8::53"}}}
  - {name: db, probe: {tcp: {address: "127.0.0.1:5432", tls: true, ca_file: /etc/db-ca.pem}}}
)");
  ASSERT_EQ(config.services.size(), 4u);
  EXPECT_EQ(config.services[0].probe->dns.server, (HostPort{"::1", 53}));
  EXPECT_EQ(config.services[1].probe->dns.server, (HostPort{"::1", 5353}));
  EXPECT_EQ(config.services[2].probe->dns.server, (HostPort{"2001:db8::53", 53}));
  EXPECT_TRUE(config.services[3].probe->tcp.tls);
  EXPECT_EQ(config.services[3].probe->tcp.tls_options.ca_file, "/etc/db-ca.pem");
  EXPECT_FALSE(config.services[3].probe->tcp.tls_options.insecure_skip_verify);
}

TEST(Config, SloAlertTiers) {
  Config config = ParseOk(R"(
notifiers:
  - {name: pd-oncall, log: {}}
  - {name: tickets, log: {}}
slo_alerts:
  notify: [pd-oncall]
  tiers:
    - {name: page, long_window: 1h, short_window: 5m, burn_rate: 14.4, severity: critical}
    - name: ticket
      long_window: 3d
      short_window: 6h
      budget_percent: 10
      for: 10m
      notify: [tickets]
)");
  ASSERT_EQ(config.slo_alerts.tiers.size(), 2u);
  const BurnRateTierConfig& page = config.slo_alerts.tiers[0];
  EXPECT_EQ(page.name, "page");
  EXPECT_EQ(page.long_window, hours(1));
  EXPECT_EQ(page.short_window, minutes(5));
  EXPECT_NEAR(page.budget_share, 0.02, 1e-12);  // 14.4 * 1h / 720h
  EXPECT_EQ(page.severity, AlertSeverity::kCritical);
  EXPECT_EQ(page.for_duration, Duration(0));
  EXPECT_TRUE(page.notify.empty());
  const BurnRateTierConfig& ticket = config.slo_alerts.tiers[1];
  EXPECT_NEAR(ticket.budget_share, 0.10, 1e-12);
  EXPECT_EQ(ticket.severity, AlertSeverity::kWarning);
  EXPECT_EQ(ticket.for_duration, minutes(10));
  EXPECT_THAT(ticket.notify, ElementsAre("tickets"));
}

TEST(Config, SloAlertTierMistakes) {
  EXPECT_EQ(ParseError("slo_alerts: {tiers: [{name: page, long_window: 90s, short_window: 5m, "
                       "burn_rate: 14.4}]}"),
            "test.yaml:1:48: slo_alerts.tiers[0].long_window: 1m30s is not a whole number of "
            "minutes (examples: 5m, 1h)");
  EXPECT_EQ(ParseError("slo_alerts: {tiers: [{name: page, long_window: 1h, short_window: 5m, "
                       "burn_rate: 0}]}"),
            "test.yaml:1:81: slo_alerts.tiers[0].burn_rate: 0 must be greater than 0 (example: "
            "14.4, the workbook's fast page for a 30-day window)");
  EXPECT_EQ(ParseError("slo_alerts: {tiers: [{name: page, long_window: 1h, short_window: 5m, "
                       "budget_percent: 150}]}"),
            "test.yaml:1:86: slo_alerts.tiers[0].budget_percent: 150 is not a percentage in (0, "
            "100] (example: 2 for 2% of the error budget)");
  EXPECT_EQ(ParseError("slo_alerts: {tiers: [{name: slow, long_window: 30d, short_window: 1d, "
                       "burn_rate: 2}]}"),
            "test.yaml:1:82: slo_alerts.tiers[0].burn_rate: 2 over 30d would spend more than "
            "the whole 30-day error budget; lower it or shorten long_window");
  EXPECT_THAT(ParseError(R"(
slo_alerts:
  tiers:
    - {name: page, long_window: 1h, short_window: 5m, burn_rate: 14.4}
    - {name: page, long_window: 1h, short_window: 5m, burn_rate: 10}
)"),
              HasSubstr("test.yaml:5:14: slo_alerts.tiers[1].name: duplicate tier \"page\" over "
                        "1h and 5m (first defined at tiers[0])"));
}

TEST(Config, WrongKindsNameWhatWasExpected) {
  EXPECT_EQ(ParseError("log: [info]"), "test.yaml:1:6: log: expected a map, got a list");
  EXPECT_EQ(ParseError("host: {interval: {s: 5}}"),
            "test.yaml:1:18: host.interval: expected a duration, got a map");
  EXPECT_EQ(ParseError("host: {interval: }"),
            "test.yaml:1:8: host.interval: missing value (expected a duration)");
}

TEST(Config, TooManyErrorsAreCounted) {
  std::string yaml = "host:\n";
  for (int i = 0; i < 150; ++i) yaml += "  key" + std::to_string(i) + ": 1\n";
  std::string message = ParseError(yaml);
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 100);
  EXPECT_THAT(message, HasSubstr("\ntest.yaml: 50 more errors not shown"));
}

TEST(Config, GarbageIsAnErrorNeverACrash) {
  // "Billion laughs": each level refers to the previous one ten times.
  const std::string kAliasBomb = R"(a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d])";
  static constexpr char kBinary[] = {'\x00', '\x01', '\x02', '\xff', '\xfe', 'b', '\x7f', '\x00'};
  std::vector<std::string> inputs = {
      std::string(kBinary, sizeof(kBinary)),
      std::string(100'000, '['),
      std::string(100'000, '{'),
      std::string(5'000, '-') + " x",
      "x: " + std::string(1 << 20, 'a'),
      std::string(1 << 20, 'a'),
      "a: &a [*a]\nhost: *a",
      kAliasBomb,
      "? [complex, key]\n: value",
      "\t- tab",
      "services:\n  - &x\n    name: *x",
      "log: !!binary aGVsbG8=",
      "%YAML 9.9\n---\nlog: {}",
      "\"unterminated",
      "services: [{name: a, probe: {http: {url: \"https://a/\", body_regex: \"" +
          std::string(5'000, '(') + "\"}}}]",
  };
  std::string deep_maps;
  for (int i = 0; i < 80; ++i) deep_maps += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  inputs.push_back(deep_maps);
  for (const std::string& input : inputs) {
    EXPECT_NO_THROW({
      Result<Config> config = Parse(input, "garbage.yaml");
      ASSERT_FALSE(config.ok()) << input.substr(0, 80);
      EXPECT_EQ(config.error().code, ErrorCode::kInvalidInput);
      EXPECT_THAT(config.error().message, testing::StartsWith("garbage.yaml"));
    });
  }
}

// ---- locations ----

TEST(Config, WhereLocatesEveryParsedKey) {
  Config config = ParseOk(R"(services:
  - name: www
    probe:
      interval: 10s
      http: {url: "https://www.example.com/", valid_status: ["200"]}
notifiers:
  - name: slack
    slack: {webhook_url_env: SLACK_WEBHOOK_URL}
)");
  EXPECT_EQ(config.Where("services[0]"), "test.yaml:2:5");
  EXPECT_EQ(config.Where("services[0].name"), "test.yaml:2:11");
  EXPECT_EQ(config.Where("services[0].probe.interval"), "test.yaml:4:17");
  EXPECT_EQ(config.Where("services[0].probe.http.url"), "test.yaml:5:19");
  EXPECT_EQ(config.Where("services[0].probe.http.valid_status[0]"), "test.yaml:5:62");
  EXPECT_EQ(config.Where("notifiers[0].slack.webhook_url_env"), "test.yaml:8:30");
  // A default the file did not write is located at its nearest written ancestor.
  EXPECT_EQ(config.Where("services[0].probe.timeout"), "test.yaml:4:7");
  EXPECT_EQ(config.Where("pagerduty.base_url"), "test.yaml");
  EXPECT_EQ(config.ErrorLine("services[0].probe.interval", "too often"),
            "test.yaml:4:17: services[0].probe.interval: too often");
}

TEST(Config, FindsServicesAndNotifiersByName) {
  Config config = ParseOk("services: [{name: www}]\nnotifiers: [{name: log, log: {}}]");
  ASSERT_NE(config.FindService("www"), nullptr);
  EXPECT_EQ(config.FindService("api"), nullptr);
  ASSERT_NE(config.FindNotifier("log"), nullptr);
  EXPECT_EQ(config.FindNotifier("slack"), nullptr);
}

// ---- files and secrets ----

TEST(Config, LoadFileNamesAnUnreadablePath) {
  Result<Config> config = LoadFile("/nonexistent/steadystate.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(config.error().message,
            "cannot read config file \"/nonexistent/steadystate.yaml\": No such file or directory");
  Result<Config> directory = LoadFile(testing::TempDir());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error().message, HasSubstr("Is a directory"));
}

TEST(Config, CheckSecretsReportsEachMissingOneAtItsKey) {
  std::string secret_file = testing::TempDir() + "/config_test_gremlin_key";
  std::ofstream(secret_file) << "gremlin-key\n";
  Config config = ParseOk(R"(server: {api_token_env: STEADYSTATE_API_TOKEN}
notifiers:
  - {name: pd, pagerduty_events: {routing_key_env: PD_ROUTING_KEY}}
  - {name: slack, slack: {webhook_url_file: /nonexistent/slack}}
pagerduty: {api_token_env: PAGERDUTY_API_TOKEN}
chaos:
  sources: [{gremlin: {api_key_file: )" +
                          secret_file + "}}]\n");
  std::vector<std::string> paths;
  ForEachSecret(config, [&](const std::string& path, const SecretRef&) { paths.push_back(path); });
  EXPECT_THAT(paths, ElementsAre("server.api_token", "notifiers[0].pagerduty_events.routing_key",
                                 "notifiers[1].slack.webhook_url", "pagerduty.api_token",
                                 "chaos.sources[0].gremlin.api_key"));

  auto getenv = [](const char* name) -> const char* {
    return std::string_view(name) == "PD_ROUTING_KEY" ? "pd-key-value" : nullptr;
  };
  Status status = CheckSecrets(config, getenv);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "test.yaml:1:25: server.api_token_env: environment variable STEADYSTATE_API_TOKEN is "
            "not set\n"
            "test.yaml:4:45: notifiers[1].slack.webhook_url_file: cannot read secret file "
            "\"/nonexistent/slack\": No such file or directory\n"
            "test.yaml:5:28: pagerduty.api_token_env: environment variable PAGERDUTY_API_TOKEN "
            "is not set");
  EXPECT_THAT(status.error().message, Not(HasSubstr("pd-key-value")));

  auto all_set = [](const char*) -> const char* { return "value"; };
  Config no_files = ParseOk("pagerduty: {api_token_env: PAGERDUTY_API_TOKEN}");
  EXPECT_TRUE(CheckSecrets(no_files, all_set).ok());
  std::filesystem::remove(secret_file);
}

TEST(Config, EnumNamesRoundTrip) {
  EXPECT_EQ(ToString(ProbeKind::kDns), "dns");
  EXPECT_EQ(ToString(DnsRecordType::kAaaa), "AAAA");
  EXPECT_EQ(ToString(SloCalendar::kQuarter), "quarter");
  EXPECT_EQ(ToString(SloBudgeting::kTimeslices), "timeslices");
  EXPECT_EQ(ToString(AlertMetric::kFilesystemUtilisation), "filesystem_utilisation");
  EXPECT_EQ(ToString(AlertSeverity::kCritical), "critical");
  EXPECT_EQ(ToString(NotifierKind::kPagerDutyEvents), "pagerduty_events");
  EXPECT_EQ(ToString(WebhookFormat::kJson), "json");
  EXPECT_EQ(ToString(SeverityFrom::kUrgency), "urgency");
  EXPECT_EQ(ToString(ChaosSourceKind::kChaosToolkit), "chaostoolkit");
}

}  // namespace
}  // namespace steadystate::config
