#include "tests/support/fake_gremlin.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

nlohmann::json Render(const FakeGremlinAttack& a, bool snake) {
  auto key = [&](const char* camel, const char* snake_name) { return snake ? snake_name : camel; };
  nlohmann::json j;
  j["guid"] = a.guid;
  if (!a.start_time.empty()) j[key("startTime", "start_time")] = a.start_time;
  j[key("endTime", "end_time")] = a.end_time ? nlohmann::json(*a.end_time) : nlohmann::json();
  j[key("createUser", "create_user")] = a.create_user;
  j[key("createSource", "create_source")] = "WebApp";
  j["targets"] = a.targets;
  j[key("targetType", "target_type")] = "Host";
  j["stage"] = a.stage;
  j[key("stageLifecycle", "stage_lifecycle")] = a.stage_lifecycle;
  j[key("infraCommand", "infra_command")] = {{"type", a.type},
                                             {"args", {"-c", "1", "--length", "60"}}};
  return j;
}

}  // namespace

FakeGremlin::FakeGremlin() {
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  WaitFor([this] { return server_.is_running(); });
}

FakeGremlin::~FakeGremlin() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeGremlin::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeGremlin::Add(FakeGremlinAttack attack) {
  std::lock_guard lock(mu_);
  attacks_.push_back(std::move(attack));
}

void FakeGremlin::Update(FakeGremlinAttack attack) {
  std::lock_guard lock(mu_);
  for (auto& a : attacks_) {
    if (a.guid == attack.guid) a = attack;
  }
}

void FakeGremlin::ScriptFailure(int status, int retry_after_seconds) {
  std::lock_guard lock(mu_);
  failures_.emplace_back(status, retry_after_seconds);
}

std::vector<FakeGremlinRequest> FakeGremlin::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeGremlin::Handle(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mu_);
  std::string query;
  for (const auto& [k, v] : req.params) query += (query.empty() ? "" : "&") + k + "=" + v;
  requests_.push_back({req.path, query, req.get_header_value("Authorization")});
  if (!failures_.empty()) {
    auto [status, retry_after] = failures_.front();
    failures_.pop_front();
    res.status = status;
    if (status == 429) res.set_header("Retry-After", std::to_string(retry_after));
    res.set_content(R"({"error":"scripted failure"})", "application/json");
    return;
  }
  if (req.get_header_value("Authorization").rfind("Key ", 0) != 0) {
    res.status = 401;
    res.set_content(R"({"error":"unauthorized"})", "application/json");
    return;
  }
  if (req.path == "/attacks/active") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : attacks_) {
      if (!a.end_time && !a.start_time.empty()) list.push_back(Render(a, snake_case_));
    }
    res.set_content(list.dump(), "application/json");
    return;
  }
  if (req.path != "/attacks/range") {
    res.status = 404;
    res.set_content(R"({"error":"not found"})", "application/json");
    return;
  }
  const std::string start = req.get_param_value("startTime");
  const std::string end = req.get_param_value("endTime");
  if (start.empty() || end.empty()) {
    res.status = 400;
    res.set_content(R"({"error":"startTime and endTime are required"})", "application/json");
    return;
  }
  // RFC 3339 UTC strings of the same shape compare like instants.
  std::vector<FakeGremlinAttack> in_range;
  for (const auto& a : attacks_) {
    if (!a.start_time.empty() && a.start_time >= start && a.start_time < end) in_range.push_back(a);
  }
  std::sort(in_range.begin(), in_range.end(),
            [](const auto& x, const auto& y) { return x.start_time < y.start_time; });
  int page_size = req.has_param("pageSize") ? std::stoi(req.get_param_value("pageSize")) : 100;
  page_size = std::max(1, std::min(page_size, page_size_limit_));
  const size_t offset =
      req.has_param("pageToken") ? std::stoul(req.get_param_value("pageToken").substr(1)) : 0;
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = offset; i < in_range.size() && i < offset + page_size; ++i) {
    items.push_back(Render(in_range[i], snake_case_));
  }
  nlohmann::json body;
  body["items"] = items;
  body[snake_case_ ? "page_size" : "pageSize"] = page_size;
  if (offset + page_size < in_range.size()) {
    body[snake_case_ ? "page_token" : "pageToken"] = "p" + std::to_string(offset + page_size);
  }
  res.set_content(body.dump(), "application/json");
}

}  // namespace steadystate::test_support
