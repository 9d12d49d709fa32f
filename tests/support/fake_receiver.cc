#include "tests/support/fake_receiver.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The string value of the first "dedup_key" member in a JSON text, without a JSON parser
// (test support links only cpp-httplib). Good enough for the JSON our notifiers write.
std::string FindDedupKey(const std::string& body) {
  size_t pos = body.find("\"dedup_key\"");
  if (pos == std::string::npos) return "";
  pos = body.find(':', pos);
  if (pos == std::string::npos) return "";
  pos = body.find('"', pos);
  if (pos == std::string::npos) return "";
  std::string out;
  for (size_t i = pos + 1; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      out += body[i];
      out += body[++i];
    } else if (body[i] == '"') {
      return out;
    } else {
      out += body[i];
    }
  }
  return "";
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

std::string RecordedRequest::Header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

FakeResponse FakeResponse::PagerDutyAccepted() {
  return Status(202,
                R"({"status":"success","message":"Event processed","dedup_key":"{{dedup_key}}"})",
                "application/json");
}

FakeResponse FakeResponse::PagerDutyInvalid() {
  return Status(
      400,
      R"json({"status":"invalid event","message":"Event object is invalid",)json"
      R"json("errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]})json",
      "application/json");
}

FakeResponse FakeResponse::SlackOk() { return Status(200, "ok"); }

FakeResponse FakeResponse::Status(int status, std::string body, std::string content_type) {
  FakeResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

FakeResponse FakeResponse::RateLimited(int retry_after_seconds, std::string body) {
  FakeResponse r = Status(429, std::move(body));
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

FakeReceiver::FakeReceiver(FakeResponse default_response) : default_(std::move(default_response)) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Patch(".*", handler);
  server_.Delete(".*", handler);
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeReceiver: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so the destructor could hang otherwise.
  if (!WaitFor([this] { return server_.is_running(); })) {
    throw std::runtime_error("FakeReceiver: server did not start");
  }
}

FakeReceiver::~FakeReceiver() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();  // releases delayed handlers at once
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeReceiver::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeReceiver::Script(FakeResponse response) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(response));
}

void FakeReceiver::SetDefault(FakeResponse response) {
  std::lock_guard lock(mu_);
  default_ = std::move(response);
}

std::vector<RecordedRequest> FakeReceiver::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeReceiver::RequestCount() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

bool FakeReceiver::WaitForRequests(size_t n, std::chrono::milliseconds deadline) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, deadline, [&] { return requests_.size() >= n; });
}

void FakeReceiver::Handle(const httplib::Request& req, httplib::Response& res) {
  RecordedRequest recorded;
  recorded.method = req.method;
  recorded.path = req.path;
  if (const size_t q = req.target.find('?'); q != std::string::npos) {
    recorded.query = req.target.substr(q + 1);
  }
  for (const auto& [name, value] : req.headers) recorded.headers[Lower(name)] = value;
  recorded.body = req.body;

  FakeResponse response;
  {
    std::unique_lock lock(mu_);
    requests_.push_back(recorded);
    if (!script_.empty()) {
      response = std::move(script_.front());
      script_.pop_front();
    } else {
      response = default_;
    }
    changed_.notify_all();
    if (response.delay.count() > 0) {
      changed_.wait_for(lock, response.delay, [&] { return stopping_; });
    }
  }

  ReplaceAll(response.body, "{{dedup_key}}", FindDedupKey(recorded.body));
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  switch (response.fault) {
    case FakeResponse::Fault::kNone:
      res.set_content(response.body, response.content_type);
      break;
    case FakeResponse::Fault::kCloseAfterHeaders:
      // A provider that fails before writing makes httplib drop the connection.
      res.set_content_provider(std::max<size_t>(response.body.size(), 1), response.content_type,
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      break;
    case FakeResponse::Fault::kTruncateBody: {
      const std::string body = response.body.empty() ? std::string(64, 'x') : response.body;
      res.set_content_provider(body.size(), response.content_type,
                               [body](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write(body.data(), body.size() / 2);
                                 return false;
                               });
      break;
    }
  }
}

}  // namespace steadystate::test_support
