// FakePagerDuty: a PagerDuty REST API v2 stand-in on 127.0.0.1 (port chosen by the kernel)
// that behaves like the real one as REFERENCE.md describes it:
//   - `Authorization: Token token=<token>` required, else 401 (code 2006);
//   - GET /incidents and /log_entries with since/until (both required here; ranges over
//     6 months (181 days) are 400/2001), limit (default 25, clamped to 100), offset,
//     `more`, `total` null unless total=true, offset+limit > 10,000 is 400/2002;
//   - GET /incidents/{id} and /incidents/{id}/log_entries;
//   - times rendered with Z, or with a fixed offset (an account time zone);
//   - optionally repeats the last item of the previous page at the top of the next (as the
//     real API does when incidents arrive while a client pages);
//   - an optional real-time rate limit (N requests per 60 s window, the window starting at
//     its first request) with or without ratelimit-* headers;
//   - scripted faults for the next requests: 429 with/without headers, 500, slow, a
//     truncated body, malformed JSON, an error that echoes the request's credentials, and
//     no answer at all (until the fake is destroyed).
// Incidents get trigger/acknowledge/resolve log entries from their times.
//
// Thread-safe: the server runs on its own threads; every method may be called while
// requests arrive.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace steadystate::test_support {

struct FakePdIncident {
  std::string id;
  int64_t number = 0;
  std::string title = "Something broke";
  std::string urgency = "high";
  std::optional<std::string> priority;  // "P1".."P5" or none
  std::string service_id = "PSVC001";
  std::string service_summary = "Checkout";
  std::string incident_key;
  Timestamp created_at;
  std::optional<Timestamp> acknowledged_at;
  std::optional<Timestamp> resolved_at;
  int64_t alert_count = 1;
};

// A log entry the fake derives from an incident's times.
struct FakePdEntry {
  std::string id;
  std::string type;
  Timestamp at;
  std::string incident_id;
};

struct FakePdFault {
  enum class Kind {
    kRateLimited,  // 429 code 2020; with ratelimit-* headers if reset_seconds >= 0
    kServerError,  // 500
    kSlow,         // answers normally after `delay`
    kTruncated,    // a full Content-Length, half the body, then closes
    kMalformed,    // 200 with a body that is not JSON
    // `status` with a PagerDuty error whose message and errors quote the request's
    // Authorization header and the bare token, as an echoing proxy or API might.
    kEchoCredentials,
    kHang,  // never answers: holds the request until the fake is destroyed
  };
  Kind kind = Kind::kServerError;
  int reset_seconds = -1;  // kRateLimited: the ratelimit-reset header; -1: no headers
  std::chrono::milliseconds delay{0};
  int status = 400;  // kEchoCredentials
};

struct FakePdRequest {
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string authorization;
  int status = 0;
};

class FakePagerDuty {
 public:
  explicit FakePagerDuty(std::string token = "pd-test-token");
  ~FakePagerDuty();
  FakePagerDuty(const FakePagerDuty&) = delete;
  FakePagerDuty& operator=(const FakePagerDuty&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT"

  void Add(FakePdIncident incident);
  // Acknowledges / resolves a stored incident (as a responder would).
  void Acknowledge(const std::string& id, Timestamp at);
  void Resolve(const std::string& id, Timestamp at);

  // Times rendered with this UTC offset in minutes (e.g. -420 for "-07:00"); 0 = "Z".
  void SetTimeZoneOffset(int minutes);
  void SetRepeatAcrossPages(bool on);
  // Real-time limit in requests per minute (0: none); `announce` adds ratelimit-limit,
  // -remaining and -reset (seconds to the window's end) to every response.
  void SetRateLimit(int per_minute, bool announce);
  // offset+limit above this is 400/2002 (10,000 like the real API; lower in tests).
  void SetOffsetWall(int64_t wall);
  // The next requests get these faults, in order.
  void Script(FakePdFault fault);

  std::vector<FakePdRequest> Requests() const;
  int64_t CountStatus(int status) const;
  int64_t CountPath(const std::string& path) const;
  // Requests being held by kHang now.
  int Hanging() const;

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  // Rebuilds the time-sorted views below after a change (so a request on a large fake
  // account costs a scan, not a sort).
  void RebuildLocked();

  std::string token_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::map<std::string, FakePdIncident> incidents_;
  bool dirty_ = true;
  std::vector<const FakePdIncident*> sorted_;  // by created_at, then id
  std::vector<FakePdEntry> entries_;           // by time, every entry
  std::vector<FakePdEntry> overview_entries_;  // by time, without notify_log_entry
  int offset_minutes_ = 0;
  bool repeat_ = false;
  int64_t offset_wall_ = 10000;
  int rate_per_minute_ = 0;
  bool announce_ = false;
  int64_t used_ = 0;
  std::chrono::steady_clock::time_point window_end_{};
  std::deque<FakePdFault> faults_;
  std::condition_variable release_;  // kHang requests wait on it until closing_
  bool closing_ = false;
  int hanging_ = 0;
  std::vector<FakePdRequest> requests_;
};

}  // namespace steadystate::test_support
