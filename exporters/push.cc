#include "exporters/push.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "common/redact.h"
#include "common/text.h"

namespace steadystate::exporters {
namespace {

bool IsLabelName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

std::string Segment(const std::string& name, const std::string& value) {
  // The gateway cannot take an empty path segment; its base64 form of "" is "=".
  if (value.empty()) return "/" + name + "@base64/=";
  return "/" + name + "/" + UrlEncode(value);
}

// Credentials in the gateway URL (https://user:password@host) are secrets like any other:
// registered, so no echo of them reaches a log line or the CLI's stderr.
void RegisterUserInfo(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const size_t end = url.find_first_of("/?#", start);
  const std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  const std::string_view user_info = authority.substr(0, at);
  RegisterSecret(user_info);
  if (const size_t colon = user_info.find(':'); colon != std::string_view::npos) {
    RegisterSecret(user_info.substr(colon + 1));
    RegisterSecret(PercentDecode(user_info.substr(colon + 1), false));
  }
}

}  // namespace

Result<std::string> PushUrl(const PushTarget& target) {
  if (target.url.rfind("http://", 0) != 0 && target.url.rfind("https://", 0) != 0) {
    return MakeError(ErrorCode::kInvalidInput,
                     "--push: the Pushgateway URL must start with http:// or https://");
  }
  if (target.job.empty()) return MakeError(ErrorCode::kInvalidInput, "push job name is empty");
  std::string url = target.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/metrics" + Segment("job", target.job);
  for (const auto& [name, value] : target.grouping) {
    if (!IsLabelName(name) || name == "job") {
      return MakeError(ErrorCode::kInvalidInput,
                       "push grouping label \"" + name + "\" is not a valid label name");
    }
    url += Segment(name, value);
  }
  return url;
}

Status PushToGateway(const HttpClient& http, const PushTarget& target,
                     const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  auto url = PushUrl(target);
  if (!url.ok()) return url.error();
  RegisterUserInfo(target.url);
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables) {
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  std::ostringstream body;
  prometheus::TextSerializer().Serialize(body, families);

  HttpRequest request;
  request.method = "PUT";
  request.url = *url;
  request.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  request.body = body.str();
  request.timeout = target.timeout;
  auto response = http.Send(request);
  const std::string where = "pushgateway at " + UrlHost(target.url);
  if (!response.ok())
    return MakeError(response.error().code, where + ": " + response.error().message);
  if (response->status / 100 != 2) {
    // Redacted before it is cut, as the gateway (or a proxy before it) may echo credentials.
    std::string said = Redact(response->body.substr(0, 4096)).substr(0, 300);
    while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
    return MakeError(ErrorCode::kUnavailable, where + " answered " +
                                                  std::to_string(response->status) +
                                                  (said.empty() ? "" : ": " + said));
  }
  return OkStatus();
}

}  // namespace steadystate::exporters
