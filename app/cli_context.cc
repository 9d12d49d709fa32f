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
  request.max_body_bytes = kMaxDaemonReplyBytes;
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
  if (response->truncated) {
    const std::string path = path_and_query.substr(0, path_and_query.find('?'));
    return MakeError(ErrorCode::kUnavailable,
                     "daemon at " + UrlHost(server_url_) + ": the reply to " + method + " " + path +
                         " is longer than " + std::to_string(kMaxDaemonReplyBytes >> 20) +
                         " MiB, the most the CLI reads; it was not used");
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

Result<bool> ReadAllPages(const DaemonApi& api, const std::string& path_and_query,
                          const std::function<Status(std::string_view body)>& on_page) {
  const std::string path = path_and_query.substr(0, path_and_query.find('?'));
  const char joiner = path_and_query.find('?') == std::string::npos ? '?' : '&';
  std::string cursor;
  for (int page = 1;; ++page) {
    auto answer =
        api.Call("GET", cursor.empty() ? path_and_query
                                       : path_and_query + joiner + "cursor=" + UrlEncode(cursor));
    if (!answer.ok()) return answer.error();
    if (!answer->has_value()) {
      if (page == 1) return false;
      return MakeError(ErrorCode::kUnavailable, "the daemon at " + UrlHost(api.server_url()) +
                                                    " stopped answering after page " +
                                                    std::to_string(page - 1) + " of " + path);
    }
    const HttpResponse& r = **answer;
    if (r.status != 200) {
      const std::string status = "HTTP " + std::to_string(r.status);
      const std::string message = ApiErrorMessage(r);
      return MakeError(r.status == 400 ? ErrorCode::kInvalidInput : ErrorCode::kUnavailable,
                       "the daemon answered GET " + path + " with " + status +
                           (message == status ? "" : ": " + message));
    }
    if (Status s = on_page(r.body); !s.ok()) {
      return MakeError(s.error().code, "the daemon's reply to GET " + path + " (page " +
                                           std::to_string(page) + ") " + s.error().message);
    }
    const auto next = r.headers.find("x-next-cursor");
    if (next == r.headers.end() || next->second.empty()) return true;
    if (next->second == cursor) {
      return MakeError(ErrorCode::kUnavailable, "the daemon repeated the cursor of page " +
                                                    std::to_string(page - 1) + " of GET " + path +
                                                    "; stopped reading");
    }
    cursor = next->second;
  }
}

std::string TerminalSafe(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += "\\x";
          out += kDigits[c >> 4];
          out += kDigits[c & 0xf];
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A UTF-8 sequence is kept unless it encodes a C1 control (U+0080..U+009F, which some
    // terminals obey like ESC [); a byte that starts no valid sequence is escaped.
    const size_t length = c >= 0xf5 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (valid && length == 3) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogate
    }
    if (valid && length == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!valid) {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
      ++i;
      continue;
    }
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c == 0xc2 && c1 < 0xa0) {
      out += "\\u00";
      out += kDigits[c1 >> 4];
      out += kDigits[c1 & 0xf];
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
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
