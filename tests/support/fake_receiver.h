// FakeReceiver: a real HTTP server on 127.0.0.1 (port chosen by the kernel) that stands in
// for PagerDuty Events, Slack incoming webhooks, Alertmanager and generic webhooks. It
// records every request and answers from a script (status, body, headers, a delay, or a
// broken connection), then with a default response, so tests can make a receiver
// rate-limit, fail, hang or cut a response short.
//
// Thread-safe: the server runs on its own threads; every method may be called from the
// test thread while requests arrive.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace steadystate::test_support {

struct RecordedRequest {
  std::string method;
  std::string path;                            // without the query string
  std::string query;                           // the raw query string, without "?"
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  // The value of a (lower-case) header, or "".
  std::string Header(const std::string& name) const;
};

struct FakeResponse {
  enum class Fault {
    kNone,
    kCloseAfterHeaders,  // sends status and headers, then closes without the body
    kTruncateBody,       // announces the full Content-Length, sends half, closes
  };
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // waits this long before answering
  Fault fault = Fault::kNone;

  // In `body`, "{{dedup_key}}" is replaced with the request body's "dedup_key" string.
  static FakeResponse PagerDutyAccepted();  // 202 {"status":"success",...}
  static FakeResponse PagerDutyInvalid();   // 400 {"status":"invalid event",...,"errors":[...]}
  static FakeResponse SlackOk();            // 200 ok
  static FakeResponse Status(int status, std::string body = "",
                             std::string content_type = "text/plain");
  static FakeResponse RateLimited(int retry_after_seconds, std::string body = "");  // 429
};

class FakeReceiver {
 public:
  // Starts listening at once; `default_response` answers whatever the script does not.
  explicit FakeReceiver(FakeResponse default_response = FakeResponse::Status(200));
  ~FakeReceiver();
  FakeReceiver(const FakeReceiver&) = delete;
  FakeReceiver& operator=(const FakeReceiver&) = delete;

  // "http://127.0.0.1:PORT" (no trailing slash).
  std::string url() const;
  int port() const { return port_; }

  // Queues responses for the next requests, in order.
  void Script(FakeResponse response);
  void SetDefault(FakeResponse response);

  std::vector<RecordedRequest> Requests() const;
  size_t RequestCount() const;
  // Waits (up to `deadline`, a safety net) until at least `n` requests have arrived
  // (recorded before they are answered). Returns false on timeout.
  bool WaitForRequests(size_t n, std::chrono::milliseconds deadline = std::chrono::seconds(20));

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<FakeResponse> script_;
  FakeResponse default_;
  std::vector<RecordedRequest> requests_;
  bool stopping_ = false;
};

}  // namespace steadystate::test_support
