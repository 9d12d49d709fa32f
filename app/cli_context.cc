#include "app/cli_context.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

#include "common/redact.h"
#include "common/text.h"
#include "common/time.h"
#include "config/openslo.h"

namespace steadystate::app {

Result<config::Config> LoadCliConfig(const CliContext& context) {
  auto config =
      context.config_path.empty() ? config::Default() : config::LoadFile(context.config_path);
  if (!config.ok()) return config;
  RETURN_IF_ERROR(config::LoadSloFiles(*config));
  if (!context.data_dir.empty()) config->storage.path = context.data_dir;
  // Every secret the config names is known to the redactor before any command runs, so
  // an error the daemon or a receiver sends back cannot print it (common/redact.h).
  config::ForEachSecret(*config, [](const std::string&, const config::SecretRef& ref) {
    (void)config::ResolveSecret(ref);
  });
  return config;
}

int ExitCodeFor(const Error& error) {
  return error.code == ErrorCode::kInvalidInput ? kExitUsage : kExitRuntime;
}

int FailCommand(const Error& error) {
  std::cerr << "steadystate: " << Redact(error.message) << "\n";
  return ExitCodeFor(error);
}

Status CheckChoice(const std::string& flag, const std::string& value,
                   const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) {
    if (c == value) return OkStatus();
    list += (list.empty() ? "" : ", ") + c;
  }
  return MakeError(ErrorCode::kInvalidInput, flag + ": \"" + value + "\" is not one of: " + list);
}

Result<std::optional<Timestamp>> FlagTime(const std::string& flag, const std::string& value) {
  if (value.empty()) return std::optional<Timestamp>{};
  auto t = ParseRfc3339(value);
  if (!t.ok()) return MakeError(ErrorCode::kInvalidInput, flag + ": " + t.error().message);
  return std::optional<Timestamp>(*t);
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + name + "=" + UrlEncode(value);
  }
  return out;
}

DaemonApi::DaemonApi(std::string server_url, std::optional<std::string> token)
    : server_url_(std::move(server_url)), token_(std::move(token)), http_(NewCurlHttpClient()) {
  while (!server_url_.empty() && server_url_.back() == '/') server_url_.pop_back();
}

Result<std::optional<HttpResponse>> DaemonApi::Call(const std::string& method,
                                                    const std::string& path_and_query,
                                                    const std::string& body,
                                                    Duration timeout) const {
  HttpRequest request;
  request.method = method;
  request.url = server_url_ + path_and_query;
  request.body = body;
  request.timeout = timeout;
  if (method != "GET" || !body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (token_) request.headers.emplace_back("Authorization", "Bearer " + *token_);
  auto response = http_->Send(request);
  if (!response.ok()) {
    // "connect:" and "dns:" mean nobody is there: the caller falls back to the store.
    const std::string& message = response.error().message;
    if (message.rfind("connect:", 0) == 0 || message.rfind("dns:", 0) == 0) {
      return std::optional<HttpResponse>{};
    }
    return MakeError(response.error().code, "daemon at " + UrlHost(server_url_) + ": " + message);
  }
  return std::optional<HttpResponse>(std::move(*response));
}

DaemonApi ConnectDaemon(const CliContext& context, const config::Config& config) {
  std::optional<std::string> token;
  if (config.server.api_token.configured()) {
    if (auto secret = config::ResolveSecret(config.server.api_token); secret.ok()) {
      token = secret->Reveal();
    }
  } else if (const char* env = std::getenv("STEADYSTATE_API_TOKEN"); env && *env) {
    token = env;
    RegisterSecret(*token);
  }
  return DaemonApi(context.server_url, std::move(token));
}

std::string ApiErrorMessage(const HttpResponse& response) {
  auto json = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_string()) {
    return Redact(json["error"].get<std::string>());
  }
  return "HTTP " + std::to_string(response.status);
}

store::Options StoreOptionsFor(const config::Config& config) {
  store::Options options;
  options.path = config.storage.path;
  options.raw_retention = config.storage.retention.raw;
  options.rollup_retention = config.storage.retention.rollups;
  options.write_buffer_bytes = config.storage.write_buffer_bytes;
  options.block_cache_bytes = config.storage.block_cache_bytes;
  return options;
}

Result<std::unique_ptr<store::Store>> OpenStoreForWriting(const config::Config& config,
                                                          const Clock& clock) {
  return store::Store::Open(StoreOptionsFor(config), clock);
}

Result<std::unique_ptr<store::Store>> OpenStoreForReading(const config::Config& config,
                                                          const Clock& clock) {
  return store::Store::OpenReadOnly(StoreOptionsFor(config), clock);
}

}  // namespace steadystate::app
