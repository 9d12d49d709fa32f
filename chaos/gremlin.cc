#include "chaos/gremlin.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "chaos/chaostoolkit.h"
#include "common/redact.h"
#include "common/text.h"

namespace steadystate::chaos {
namespace {

using nlohmann::json;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, "gremlin: " + std::move(message));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  return out;
}

// The value of `camel` or `snake` (Gremlin's older and newer spellings); nullptr if absent.
const json* Field(const json& object, const char* camel, const char* snake) {
  for (const char* key : {camel, snake}) {
    auto it = object.find(key);
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string StringField(const json& object, const char* camel, const char* snake) {
  const json* v = Field(object, camel, snake);
  return v && v->is_string() ? v->get<std::string>() : "";
}

// The command type: infraCommand.type (or commandType), command.type, else the top-level
// attack type fields some responses carry.
std::string CommandType(const json& attack) {
  for (auto [camel, snake] :
       {std::pair{"infraCommand", "infra_command"}, std::pair{"command", "command"}}) {
    const json* command = Field(attack, camel, snake);
    if (command == nullptr || !command->is_object()) continue;
    for (auto [c, s] : {std::pair{"type", "type"}, std::pair{"commandType", "command_type"},
                        std::pair{"infraCommandType", "infra_command_type"}}) {
      std::string type = StringField(*command, c, s);
      if (!type.empty()) return type;
    }
  }
  std::string type = StringField(attack, "attackType", "attack_type");
  if (type.empty()) type = StringField(attack, "commandType", "command_type");
  return type;
}

std::vector<std::string> Targets(const json& attack) {
  std::vector<std::string> out;
  const json* targets = Field(attack, "targets", "targets");
  if (targets == nullptr || !targets->is_array()) return out;
  for (const auto& t : *targets) {
    if (t.is_string()) {
      out.push_back(t.get<std::string>());
    } else if (t.is_object()) {
      for (auto [c, s] : {std::pair{"identifier", "identifier"}, std::pair{"hostname", "hostname"},
                          std::pair{"name", "name"}, std::pair{"clientId", "client_id"}}) {
        std::string v = StringField(t, c, s);
        if (!v.empty()) {
          out.push_back(v);
          break;
        }
      }
    }
  }
  return out;
}

Result<std::optional<Timestamp>> TimeField(const json& attack, const char* camel, const char* snake,
                                           const std::string& guid) {
  const json* v = Field(attack, camel, snake);
  if (v == nullptr) return std::optional<Timestamp>{};
  if (v->is_number_integer()) {  // epoch milliseconds, as some endpoints send
    return std::optional<Timestamp>(Timestamp(std::chrono::milliseconds(v->get<int64_t>())));
  }
  if (!v->is_string()) return Invalid("attack " + guid + ": " + camel + ": expected a timestamp");
  auto t = ParseRfc3339(v->get<std::string>());
  if (!t.ok()) return Invalid("attack " + guid + ": " + camel + ": " + t.error().message);
  return std::optional<Timestamp>(*t);
}

// nullopt for attacks that have not started (no start time yet).
Result<std::optional<Attack>> AttackFromGremlin(const json& item, size_t index) {
  if (!item.is_object()) return Invalid("items[" + std::to_string(index) + "]: expected an object");
  Attack a;
  a.source = "gremlin";
  a.source_id = StringField(item, "guid", "guid");
  if (a.source_id.empty()) a.source_id = StringField(item, "attackId", "attack_id");
  if (a.source_id.empty()) return Invalid("items[" + std::to_string(index) + "].guid: required");
  auto start = TimeField(item, "startTime", "start_time", a.source_id);
  if (!start.ok()) return start.error();
  if (!*start) return std::optional<Attack>{};
  a.start = **start;
  auto end = TimeField(item, "endTime", "end_time", a.source_id);
  if (!end.ok()) return end.error();
  a.created_by = StringField(item, "createUser", "create_user");
  a.targets = Targets(item);
  const std::string command_type = CommandType(item);
  a.type = GremlinAttackType(command_type);
  const std::string stage = StringField(item, "stage", "stage");
  a.outcome = GremlinOutcome(stage, StringField(item, "stageLifecycle", "stage_lifecycle"));
  if (a.outcome != "running") {
    a.end = end->value_or(a.start);
    if (*a.end < a.start) a.end = a.start;  // Gremlin's own clock skew; the window is empty
  }
  if (a.outcome == "halted") a.halted_reason = "halted in Gremlin (stage " + stage + ")";
  a.name = "Gremlin " + (command_type.empty() ? std::string("attack") : command_type + " attack");
  return std::optional<Attack>(std::move(a));
}

}  // namespace

std::string GremlinAttackType(std::string_view command_type) {
  const std::string t = Lower(command_type);
  static const std::pair<const char*, const char*> kMap[] = {
      {"cpu", "cpu"},
      {"memory", "memory"},
      {"io", "io"},
      {"disk", "disk"},
      {"blackhole", "blackhole"},
      {"dns", "dns"},
      {"latency", "latency"},
      {"packet_loss", "packet_loss"},
      {"shutdown", "shutdown"},
      {"time_travel", "time_travel"},
      {"process_killer", "process_killer"},
  };
  for (auto [from, to] : kMap) {
    if (t == from) return to;
  }
  return "other";  // thread_bomb, process_exhaustion, gpu, certificate expiry, ...
}

std::string GremlinOutcome(std::string_view stage_in, std::string_view lifecycle_in) {
  const std::string stage = Lower(stage_in);
  const std::string lifecycle = Lower(lifecycle_in);
  if (stage == "successful") return "completed";
  if (stage == "userhalted" || stage == "halted" || stage == "halt" || stage == "haltdistributed" ||
      stage == "halt_distributed" || stage == "halting") {
    return "halted";
  }
  if (stage == "failed" || stage == "error" || stage == "lostcommunication" ||
      stage == "initializationfailed" || stage == "clientaborted" || stage == "teardownfailed" ||
      stage == "failed_to_start") {
    return "failed";
  }
  if (stage == "pending" || stage == "distributed" || stage == "initializing" ||
      stage == "running" || stage == "tearingdown" || stage == "tearing_down") {
    return "running";
  }
  if (lifecycle == "active") return "running";
  if (lifecycle == "halting") return "halted";
  if (lifecycle == "error") return "failed";
  return "completed";  // Complete with a stage we do not know
}

Result<GremlinPage> ParseGremlinAttacksPage(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("response is not valid JSON (truncated?)");
  const json* items = nullptr;
  GremlinPage page;
  if (doc.is_array()) {
    items = &doc;
  } else if (doc.is_object()) {
    items = Field(doc, "items", "attacks");
    page.next_page_token = StringField(doc, "pageToken", "page_token");
    if (page.next_page_token.empty()) {
      page.next_page_token = StringField(doc, "nextPageToken", "next_page_token");
    }
    if (items == nullptr) return Invalid("response has no \"items\" list");
  } else {
    return Invalid("response is neither a list nor an object");
  }
  if (!items->is_array()) return Invalid("items: expected a list");
  for (size_t i = 0; i < items->size(); ++i) {
    auto attack = AttackFromGremlin((*items)[i], i);
    if (!attack.ok()) return attack.error();
    if (*attack) {
      page.attacks.push_back(std::move(**attack));
    } else {
      ++page.skipped;
    }
  }
  return page;
}

GremlinClient::GremlinClient(GremlinClientOptions options, config::Secret api_key,
                             const HttpClient& http, const Clock& clock)
    : options_(std::move(options)), api_key_(std::move(api_key)), http_(http), clock_(clock) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
}

Result<GremlinPage> GremlinClient::Get(const std::string& path_and_query) const {
  HttpRequest request;
  request.method = "GET";
  request.url = options_.base_url + path_and_query;
  if (!options_.team_id.empty()) {
    request.url += (path_and_query.find('?') == std::string::npos ? "?" : "&");
    request.url += "teamId=" + UrlEncode(options_.team_id);
  }
  request.timeout = options_.timeout;
  request.headers = {{"Authorization", "Key " + api_key_.Reveal()}, {"Accept", "application/json"}};
  const std::string what = "Gremlin (" + UrlHost(options_.base_url) + ")";
  Duration backoff = std::chrono::seconds(1);
  std::string last_failure;
  for (int attempt = 1; attempt <= kGremlinMaxAttempts; ++attempt) {
    auto response = http_.Send(request);
    std::optional<Duration> wait;
    if (!response.ok()) {
      last_failure = response.error().message;
    } else if (response->status == 200) {
      auto page = ParseGremlinAttacksPage(response->body);
      if (!page.ok()) {
        return MakeError(ErrorCode::kUnavailable, what + ": " + Redact(page.error().message));
      }
      return page;
    } else if (response->status == 429 || response->status >= 500) {
      last_failure = "HTTP " + std::to_string(response->status);
      if (auto it = response->headers.find("retry-after"); it != response->headers.end()) {
        try {
          wait = std::chrono::seconds(std::clamp(std::stoi(it->second), 0, 300));
        } catch (const std::exception&) {
        }
      }
    } else if (response->status == 401 || response->status == 403) {
      return MakeError(ErrorCode::kInvalidInput,
                       what + " refused the API key (HTTP " + std::to_string(response->status) +
                           "); check api_key_env/api_key_file and team_id");
    } else {
      return MakeError(ErrorCode::kUnavailable,
                       what + ": HTTP " + std::to_string(response->status) + " for " +
                           path_and_query.substr(0, path_and_query.find('?')));
    }
    if (attempt == kGremlinMaxAttempts) break;
    if (!SleepUnlessStopped(clock_, std::max(backoff, wait.value_or(Duration{0})), options_.stop)) {
      return MakeError(ErrorCode::kUnavailable, what + ": stopped: shutting down");
    }
    backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(30));
  }
  return MakeError(ErrorCode::kUnavailable, what + ": gave up after " +
                                                std::to_string(kGremlinMaxAttempts) +
                                                " attempts: " + last_failure);
}

Result<std::vector<Attack>> GremlinClient::FetchRange(Timestamp since, Timestamp until) const {
  std::vector<Attack> out;
  std::string token;
  // A server that keeps returning the same token would loop forever; stop at a bound.
  for (int pages = 0; pages < 10000; ++pages) {
    std::string query = "/attacks/range?startTime=" + UrlEncode(FormatRfc3339(since)) +
                        "&endTime=" + UrlEncode(FormatRfc3339(until)) +
                        "&pageSize=" + std::to_string(options_.page_size);
    if (!token.empty()) query += "&pageToken=" + UrlEncode(token);
    auto page = Get(query);
    if (!page.ok()) return page.error();
    for (auto& a : page->attacks) out.push_back(std::move(a));
    if (page->next_page_token.empty() || page->next_page_token == token) return out;
    token = page->next_page_token;
  }
  return MakeError(ErrorCode::kUnavailable, "Gremlin: more than 10000 pages; giving up");
}

Result<std::vector<Attack>> GremlinClient::FetchActive() const {
  auto page = Get("/attacks/active");
  if (!page.ok()) return page.error();
  return std::move(page->attacks);
}

}  // namespace steadystate::chaos
