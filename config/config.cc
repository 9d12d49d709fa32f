// The top level: which sections exist, checks that span sections, loading files, secrets.
#include "config/config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "config/node.h"
#include "config/sections.h"

namespace steadystate::config {
namespace {

// A config is a few KiB; anything this big is the wrong file.
constexpr size_t kMaxConfigBytes = size_t{16} << 20;

void CheckNotifierRefs(Context& ctx, const Config& config, const std::vector<std::string>& names,
                       const std::string& list_path) {
  std::vector<std::string_view> defined;
  for (const NotifierConfig& notifier : config.notifiers) defined.push_back(notifier.name);
  for (size_t i = 0; i < names.size(); ++i) {
    // `log` is built in (notify::BuildNotifiers always adds it).
    if (names[i].empty() || names[i] == "log" || config.FindNotifier(names[i]) != nullptr) {
      continue;
    }
    ctx.ErrorAt(
        list_path + "[" + std::to_string(i) + "]",
        "unknown notifier \"" + names[i] + "\"" +
            (defined.empty() ? " (no notifiers are defined)" : DidYouMean(names[i], defined)));
  }
}

void ReadConfig(Context& ctx, const Node& node, Config& config) {
  {
    MapReader root(ctx, node, "");
    root.ReadMap("server", [&](MapReader& map) { ReadServer(map, config.server); });
    root.ReadMap("storage", [&](MapReader& map) { ReadStorage(map, config.storage); });
    root.ReadMap("log", [&](MapReader& map) { ReadLog(map, config.log); });
    root.ReadMap("host", [&](MapReader& map) { ReadHost(map, config.host); });
    root.ReadMapList("services", [&](MapReader& map, size_t) {
      ReadService(map, config.services.emplace_back());
    });
    root.ReadList("slo_files", config.slo_files, NonEmptyString());
    root.ReadMapList("alerts",
                     [&](MapReader& map, size_t) { ReadAlert(map, config.alerts.emplace_back()); });
    root.ReadMap("slo_alerts", [&](MapReader& map) { ReadSloAlerts(map, config.slo_alerts); });
    root.ReadMap("steady_state",
                 [&](MapReader& map) { ReadSteadyState(map, config.steady_state); });
    root.ReadMapList("notifiers", [&](MapReader& map, size_t) {
      ReadNotifier(map, config.notifiers.emplace_back());
    });
    root.ReadMap("pagerduty",
                 [&](MapReader& map) { ReadPagerDuty(map, config.pagerduty.emplace()); });
    root.ReadMap("chaos", [&](MapReader& map) { ReadChaos(map, config.chaos); });
  }  // unknown top-level keys are reported here

  CheckUniqueNames(ctx, config.services, "services", "service");
  CheckUniqueNames(ctx, config.alerts, "alerts", "alert");
  CheckUniqueNames(ctx, config.notifiers, "notifiers", "notifier");
  for (size_t i = 0; i < config.alerts.size(); ++i) {
    CheckNotifierRefs(ctx, config, config.alerts[i].notify,
                      "alerts[" + std::to_string(i) + "].notify");
  }
  CheckNotifierRefs(ctx, config, config.slo_alerts.notify, "slo_alerts.notify");
  for (size_t i = 0; i < config.slo_alerts.tiers.size(); ++i) {
    CheckNotifierRefs(ctx, config, config.slo_alerts.tiers[i].notify,
                      "slo_alerts.tiers[" + std::to_string(i) + "].notify");
  }
  CheckNotifierRefs(ctx, config, config.chaos.announce, "chaos.announce");
}

}  // namespace

void SourceMap::Record(std::string path, SourceLocation where) {
  locations_.insert_or_assign(std::move(path), where);
}

std::optional<SourceLocation> SourceMap::Find(std::string_view path) const {
  while (!path.empty()) {
    if (auto it = locations_.find(path); it != locations_.end()) return it->second;
    size_t cut = path.find_last_of(".[");
    path = cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
  }
  return std::nullopt;
}

std::string Config::Where(std::string_view path) const {
  std::optional<SourceLocation> where = locations.Find(path);
  if (!where) return source_name;
  return source_name + ":" + std::to_string(where->line) + ":" + std::to_string(where->column);
}

std::string Config::ErrorLine(std::string_view path, std::string_view message) const {
  return Where(path) + ": " + std::string(path) + ": " + std::string(message);
}

const ServiceConfig* Config::FindService(std::string_view name) const {
  for (const ServiceConfig& service : services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

const NotifierConfig* Config::FindNotifier(std::string_view name) const {
  for (const NotifierConfig& notifier : notifiers) {
    if (notifier.name == name) return &notifier;
  }
  return nullptr;
}

Result<Config> Parse(std::string_view yaml_text, std::string_view source_name) {
  Config config;
  config.source_name = std::string(source_name);
  Context ctx(source_name, config.locations);
  try {
    if (std::optional<Node> root = LoadYaml(yaml_text, ctx)) ReadConfig(ctx, *root, config);
  } catch (const std::exception& e) {
    // LoadYaml catches yaml-cpp; this is the last guard (allocation failure, a bug).
    ctx.Error({}, "", std::string("internal error while reading the config: ") + e.what());
  }
  if (ctx.failed()) return ctx.ToError();
  return config;
}

Result<Config> LoadFile(const std::string& path) {
  auto cannot_read = [&](int error_number) {
    return Invalid("cannot read config file \"" + path + "\": " + std::strerror(error_number));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return cannot_read(errno);
  std::string text;
  char buffer[64 * 1024];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), file.get())) {
    text.append(buffer, n);
    if (text.size() > kMaxConfigBytes) {
      return Invalid("config file \"" + path + "\" is larger than 16 MiB; is it the right file?");
    }
  }
  if (std::ferror(file.get())) return cannot_read(errno);
  return Parse(text, path);
}

Result<Config> Default() { return Parse(DefaultYaml(), "<default>"); }

void ForEachSecret(const Config& config,
                   const std::function<void(const std::string& path, const SecretRef&)>& fn) {
  auto visit = [&](const std::string& path, const SecretRef& ref) {
    if (ref.configured()) fn(path, ref);
  };
  visit("server.api_token", config.server.api_token);
  for (size_t i = 0; i < config.notifiers.size(); ++i) {
    const NotifierConfig& notifier = config.notifiers[i];
    std::string path = "notifiers[" + std::to_string(i) + "].";
    if (notifier.kind == NotifierKind::kPagerDutyEvents) {
      visit(path + "pagerduty_events.routing_key", notifier.pagerduty_events.routing_key);
    } else if (notifier.kind == NotifierKind::kSlack) {
      visit(path + "slack.webhook_url", notifier.slack.webhook_url);
    }
  }
  if (config.pagerduty) visit("pagerduty.api_token", config.pagerduty->api_token);
  for (size_t i = 0; i < config.chaos.sources.size(); ++i) {
    const ChaosSourceConfig& source = config.chaos.sources[i];
    if (source.kind == ChaosSourceKind::kGremlin) {
      visit("chaos.sources[" + std::to_string(i) + "].gremlin.api_key", source.gremlin.api_key);
    }
  }
}

Status CheckSecrets(const Config& config, const GetEnv& getenv) {
  std::string message;
  ForEachSecret(config, [&](const std::string& path, const SecretRef& ref) {
    Result<Secret> secret = ResolveSecret(ref, getenv);
    if (secret.ok()) return;
    if (!message.empty()) message += '\n';
    message +=
        config.ErrorLine(path + (ref.env.empty() ? "_file" : "_env"), secret.error().message);
  });
  if (message.empty()) return OkStatus();
  return Invalid(std::move(message));
}

std::string_view ToString(ProbeKind kind) { return NameOf<ProbeKind>(kProbeKinds, kind); }
std::string_view ToString(DnsRecordType record) {
  return NameOf<DnsRecordType>(kDnsRecordTypes, record);
}
std::string_view ToString(SloCalendar calendar) {
  return NameOf<SloCalendar>(kSloCalendars, calendar);
}
std::string_view ToString(SloBudgeting budgeting) {
  return NameOf<SloBudgeting>(kSloBudgetings, budgeting);
}
std::string_view ToString(AlertMetric metric) { return NameOf<AlertMetric>(kAlertMetrics, metric); }
std::string_view ToString(AlertSeverity severity) {
  return NameOf<AlertSeverity>(kAlertSeverities, severity);
}
std::string_view ToString(NotifierKind kind) { return NameOf<NotifierKind>(kNotifierKinds, kind); }
std::string_view ToString(WebhookFormat format) {
  return NameOf<WebhookFormat>(kWebhookFormats, format);
}
std::string_view ToString(SeverityFrom from) { return NameOf<SeverityFrom>(kSeverityFroms, from); }
std::string_view ToString(ChaosSourceKind kind) {
  return NameOf<ChaosSourceKind>(kChaosSourceKinds, kind);
}

}  // namespace steadystate::config
