#include "tests/support/fake_pagerduty.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <regex>
#include <stdexcept>

#include "common/time.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;

constexpr auto kMaxRange = std::chrono::days(181);

json ErrorBody(const std::string& message, int code, std::vector<std::string> errors = {}) {
  json e = {{"message", message}, {"code", code}};
  if (!errors.empty()) e["errors"] = errors;
  return json{{"error", e}};
}

std::vector<FakePdEntry> EntriesOf(const FakePdIncident& in) {
  std::vector<FakePdEntry> out;
  out.push_back({"L" + in.id + "T", "trigger_log_entry", in.created_at, in.id});
  out.push_back({"L" + in.id + "N", "notify_log_entry", in.created_at, in.id});
  if (in.acknowledged_at) {
    out.push_back({"L" + in.id + "A", "acknowledge_log_entry", *in.acknowledged_at, in.id});
  }
  if (in.resolved_at) {
    out.push_back({"L" + in.id + "R", "resolve_log_entry", *in.resolved_at, in.id});
  }
  return out;
}

}  // namespace

FakePagerDuty::FakePagerDuty(std::string token) : token_(std::move(token)) {
  server_.Get(".*",
              [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakePagerDuty: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  if (!WaitFor([this] { return server_.is_running(); })) {
    throw std::runtime_error("FakePagerDuty: server did not start");
  }
}

FakePagerDuty::~FakePagerDuty() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  release_.notify_all();
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakePagerDuty::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakePagerDuty::RebuildLocked() {
  if (!dirty_) return;
  sorted_.clear();
  entries_.clear();
  overview_entries_.clear();
  for (const auto& [id, in] : incidents_) {
    sorted_.push_back(&in);
    for (auto& e : EntriesOf(in)) {
      if (e.type != "notify_log_entry") overview_entries_.push_back(e);
      entries_.push_back(std::move(e));
    }
  }
  std::sort(sorted_.begin(), sorted_.end(), [](const auto* a, const auto* b) {
    return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
  });
  auto by_time = [](const FakePdEntry& a, const FakePdEntry& b) { return a.at < b.at; };
  std::stable_sort(entries_.begin(), entries_.end(), by_time);
  std::stable_sort(overview_entries_.begin(), overview_entries_.end(), by_time);
  dirty_ = false;
}

void FakePagerDuty::Add(FakePdIncident incident) {
  std::lock_guard lock(mu_);
  dirty_ = true;
  std::string id = incident.id;
  incidents_[id] = std::move(incident);
}

void FakePagerDuty::Acknowledge(const std::string& id, Timestamp at) {
  std::lock_guard lock(mu_);
  dirty_ = true;
  incidents_.at(id).acknowledged_at = at;
}

void FakePagerDuty::Resolve(const std::string& id, Timestamp at) {
  std::lock_guard lock(mu_);
  dirty_ = true;
  incidents_.at(id).resolved_at = at;
}

void FakePagerDuty::SetTimeZoneOffset(int minutes) {
  std::lock_guard lock(mu_);
  offset_minutes_ = minutes;
}

void FakePagerDuty::SetRepeatAcrossPages(bool on) {
  std::lock_guard lock(mu_);
  repeat_ = on;
}

void FakePagerDuty::SetRateLimit(int per_minute, bool announce) {
  std::lock_guard lock(mu_);
  rate_per_minute_ = per_minute;
  announce_ = announce;
  used_ = 0;
  window_end_ = {};
}

void FakePagerDuty::SetOffsetWall(int64_t wall) {
  std::lock_guard lock(mu_);
  offset_wall_ = wall;
}

void FakePagerDuty::Script(FakePdFault fault) {
  std::lock_guard lock(mu_);
  faults_.push_back(fault);
}

std::vector<FakePdRequest> FakePagerDuty::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

int64_t FakePagerDuty::CountStatus(int status) const {
  std::lock_guard lock(mu_);
  return std::count_if(requests_.begin(), requests_.end(),
                       [&](const FakePdRequest& r) { return r.status == status; });
}

int FakePagerDuty::Hanging() const {
  std::lock_guard lock(mu_);
  return hanging_;
}

int64_t FakePagerDuty::CountPath(const std::string& path) const {
  std::lock_guard lock(mu_);
  return std::count_if(requests_.begin(), requests_.end(),
                       [&](const FakePdRequest& r) { return r.path == path; });
}

void FakePagerDuty::Handle(const httplib::Request& req, httplib::Response& res) {
  std::unique_lock lock(mu_);
  FakePdRequest recorded{req.path, {}, req.get_header_value("Authorization"), 0};
  for (const auto& [k, v] : req.params) recorded.params.emplace(k, v);
  const size_t index = requests_.size();
  requests_.push_back(recorded);
  auto reply = [&](int status, const std::string& body) {
    requests_[index].status = status;
    res.status = status;
    res.set_content(body, "application/json");
  };

  // Rate limit first, as the real API counts every request: at most rate_per_minute_
  // requests in each 60 s window, the window starting at its first request.
  if (rate_per_minute_ > 0) {
    const auto now = std::chrono::steady_clock::now();  // NOLINT(real-time): a server's own limit
    if (now >= window_end_) {
      window_end_ = now + std::chrono::minutes(1);
      used_ = 0;
    }
    const bool limited = used_ >= rate_per_minute_;
    if (!limited) ++used_;
    if (announce_) {
      const auto left = std::chrono::ceil<std::chrono::seconds>(window_end_ - now);
      res.set_header("ratelimit-limit", std::to_string(rate_per_minute_));
      res.set_header("ratelimit-remaining", std::to_string(rate_per_minute_ - used_));
      res.set_header("ratelimit-reset", std::to_string(left.count()));
    }
    if (limited) {
      return reply(429, ErrorBody("Rate Limit Exceeded", 2020).dump());
    }
  }

  std::optional<FakePdFault> fault;
  if (!faults_.empty()) {
    fault = faults_.front();
    faults_.pop_front();
  }
  if (fault) {
    switch (fault->kind) {
      case FakePdFault::Kind::kRateLimited:
        if (fault->reset_seconds >= 0) {
          res.set_header("ratelimit-limit", "960");
          res.set_header("ratelimit-remaining", "0");
          res.set_header("ratelimit-reset", std::to_string(fault->reset_seconds));
        }
        return reply(429, ErrorBody("Rate Limit Exceeded", 2020).dump());
      case FakePdFault::Kind::kServerError:
        return reply(500, R"({"error":{"message":"Internal Server Error","code":2000}})");
      case FakePdFault::Kind::kMalformed:
        return reply(200, R"({"incidents": [{"id": "Q1", "title": )");
      case FakePdFault::Kind::kSlow: {
        const auto delay = fault->delay;
        lock.unlock();
        std::this_thread::sleep_for(delay);  // NOLINT(real-time): a slow server
        lock.lock();
        break;
      }
      case FakePdFault::Kind::kTruncated:
        break;  // below, once the body is known
      case FakePdFault::Kind::kEchoCredentials: {
        const std::string& auth = recorded.authorization;
        const std::string token = auth.substr(auth.find('=') + 1);
        return reply(fault->status,
                     ErrorBody("Invalid Input Provided: Authorization: " + auth, 2001,
                               {"token " + token + " is not valid here", "echo: " + token})
                         .dump());
      }
      case FakePdFault::Kind::kHang:
        ++hanging_;
        release_.wait(lock, [this] { return closing_; });
        --hanging_;
        return reply(503, ErrorBody("Service Unavailable", 2000).dump());
    }
  }

  if (recorded.authorization != "Token token=" + token_) {
    return reply(401, ErrorBody("Unauthorized", 2006).dump());
  }

  auto render = [&](Timestamp t) {
    if (offset_minutes_ == 0) {
      std::string s = FormatRfc3339(t);
      return s.substr(0, 19) + "Z";  // the API's usual form has no fraction
    }
    std::string s = FormatRfc3339(t + std::chrono::minutes(offset_minutes_)).substr(0, 19);
    const int m = std::abs(offset_minutes_);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes_ < 0 ? '-' : '+', m / 60, m % 60);
    return s + buf;
  };
  auto time_or_null = [&](const std::optional<Timestamp>& t) {
    return t ? json(render(*t)) : json(nullptr);
  };
  auto incident_json = [&](const FakePdIncident& in) {
    const std::string status = in.resolved_at       ? "resolved"
                               : in.acknowledged_at ? "acknowledged"
                                                    : "triggered";
    const Timestamp last_change = in.resolved_at       ? *in.resolved_at
                                  : in.acknowledged_at ? *in.acknowledged_at
                                                       : in.created_at;
    json acks = json::array();
    if (in.acknowledged_at && !in.resolved_at) {
      acks.push_back({{"at", render(*in.acknowledged_at)},
                      {"acknowledger", {{"id", "PUSER01"}, {"type", "user_reference"}}}});
    }
    return json{
        {"id", in.id},
        {"type", "incident"},
        {"summary", "[#" + std::to_string(in.number) + "] " + in.title},
        {"incident_number", in.number},
        {"title", in.title},
        {"status", status},
        {"urgency", in.urgency},
        {"created_at", render(in.created_at)},
        // Later than any status change, so a client that takes it as the resolve time
        // is caught by the tests.
        {"updated_at", render(last_change + std::chrono::hours(3))},
        {"last_status_change_at", render(last_change + std::chrono::minutes(1))},
        {"resolved_at", time_or_null(in.resolved_at)},
        {"service",
         {{"id", in.service_id}, {"type", "service_reference"}, {"summary", in.service_summary}}},
        {"priority", in.priority ? json{{"id", "PPRIO" + *in.priority},
                                        {"type", "priority_reference"},
                                        {"summary", *in.priority}}
                                 : json(nullptr)},
        {"escalation_policy", {{"id", "PESC001"}, {"type", "escalation_policy_reference"}}},
        {"assignments", json::array()},
        {"acknowledgements", acks},
        {"teams", json::array({{{"id", "PTEAM01"}, {"type", "team_reference"}}})},
        {"alert_counts", {{"all", in.alert_count}, {"triggered", 0}, {"resolved", in.alert_count}}},
        {"incident_key", in.incident_key.empty() ? json(nullptr) : json(in.incident_key)},
        {"html_url", "https://example.pagerduty.com/incidents/" + in.id},
    };
  };
  auto entry_json = [&](const FakePdEntry& e) {
    return json{{"id", e.id},
                {"type", e.type},
                {"summary", e.type},
                {"created_at", render(e.at)},
                {"incident", {{"id", e.incident_id}, {"type", "incident_reference"}}},
                {"agent", {{"id", "PUSER01"}, {"type", "user_reference"}}},
                {"channel", {{"type", "web_ui"}}}};
  };

  // List endpoints: since/until, limit clamp, offset wall, 6-month rule. Items are built
  // only for the page served, so large accounts stay cheap to fake.
  auto list = [&](const std::string& name, const std::vector<Timestamp>& times,
                  const std::function<json(size_t)>& item) {
    auto since = ParseRfc3339(req.get_param_value("since"));
    auto until = ParseRfc3339(req.get_param_value("until"));
    if (!since.ok() || !until.ok()) {
      return reply(
          400, ErrorBody("Invalid Input Provided", 2001, {"since and until must be ISO 8601 times"})
                   .dump());
    }
    if (*until - *since > kMaxRange) {
      return reply(
          400, ErrorBody("Invalid Input Provided", 2001, {"Date range is over 6 months"}).dump());
    }
    int64_t limit = req.has_param("limit") ? std::stoll(req.get_param_value("limit")) : 25;
    limit = std::clamp<int64_t>(limit, 1, 100);
    const int64_t offset = req.has_param("offset") ? std::stoll(req.get_param_value("offset")) : 0;
    if (offset + limit > offset_wall_) {
      return reply(400, ErrorBody("Invalid Input Provided", 2002,
                                  {"Offset must be less than 10000 minus the limit"})
                            .dump());
    }
    std::vector<size_t> in_range;
    for (size_t i = 0; i < times.size(); ++i) {
      if (times[i] >= *since && times[i] <= *until) in_range.push_back(i);
    }
    const auto n = static_cast<int64_t>(in_range.size());
    const int64_t first = repeat_ && offset > 0 ? offset - 1 : offset;
    json page = json::array();
    for (int64_t i = first; i < std::min(n, first + limit); ++i) {
      page.push_back(item(in_range[static_cast<size_t>(i)]));
    }
    const bool total = req.get_param_value("total") == "true";
    json body = {{name, page},
                 {"limit", limit},
                 {"offset", offset},
                 {"more", first + limit < n},
                 {"total", total ? json(n) : json(nullptr)}};
    reply(200, body.dump());
  };

  RebuildLocked();
  // is_overview=true leaves out notifications, as the real API does.
  const bool overview = req.get_param_value("is_overview") == "true";
  auto list_entries = [&](const std::vector<FakePdEntry>& sorted_entries) {
    std::vector<Timestamp> times;
    times.reserve(sorted_entries.size());
    for (const auto& e : sorted_entries) times.push_back(e.at);
    list("log_entries", times, [&](size_t i) { return entry_json(sorted_entries[i]); });
  };

  static const std::regex kOne(R"(/incidents/([^/]+))");
  static const std::regex kOneLog(R"(/incidents/([^/]+)/log_entries)");
  std::smatch m;
  if (req.path == "/incidents") {
    std::vector<Timestamp> times;
    times.reserve(sorted_.size());
    for (const auto* in : sorted_) times.push_back(in->created_at);
    list("incidents", times, [&](size_t i) { return incident_json(*sorted_[i]); });
  } else if (req.path == "/log_entries") {
    list_entries(overview ? overview_entries_ : entries_);
  } else if (std::regex_match(req.path, m, kOneLog)) {
    auto it = incidents_.find(m[1]);
    if (it == incidents_.end()) return reply(404, ErrorBody("Not Found", 2100).dump());
    std::vector<FakePdEntry> own;
    for (auto& e : EntriesOf(it->second)) {
      if (!overview || e.type != "notify_log_entry") own.push_back(std::move(e));
    }
    std::stable_sort(own.begin(), own.end(),
                     [](const FakePdEntry& a, const FakePdEntry& b) { return a.at < b.at; });
    list_entries(own);
  } else if (std::regex_match(req.path, m, kOne)) {
    auto it = incidents_.find(m[1]);
    if (it == incidents_.end()) return reply(404, ErrorBody("Not Found", 2100).dump());
    reply(200, json{{"incident", incident_json(it->second)}}.dump());
  } else {
    reply(404, ErrorBody("Not Found", 2100).dump());
  }

  if (fault && fault->kind == FakePdFault::Kind::kTruncated && res.status == 200) {
    const std::string body = res.body;
    res.body.clear();
    res.set_content_provider(body.size(), "application/json",
                             [body](size_t, size_t, httplib::DataSink& sink) {
                               sink.write(body.data(), body.size() / 2);
                               return false;
                             });
  }
}

}  // namespace steadystate::test_support
