// FakeGremlin: a loopback stand-in for Gremlin's attacks API (REFERENCE.md), for importer
// tests. Serves
//   GET /attacks/range?startTime&endTime&pageSize&pageToken   attacks whose startTime is
//        in [startTime, endTime), pageSize per page, {items, pageToken} (camelCase) or
//        {items, page_token} (snake_case); pageToken is absent on the last page
//   GET /attacks/active                                         running attacks (a list)
// with attack fields in camelCase (guid, startTime, endTime, createUser, stage,
// stageLifecycle, infraCommand {type}) or snake_case (start_time, create_user,
// stage_lifecycle, infra_command). Scripted faults (429 with Retry-After, 5xx) answer the
// next requests first. Records every request. Thread-safe.
#pragma once

#include <httplib.h>

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace steadystate::test_support {

struct FakeGremlinAttack {
  std::string guid;
  std::string start_time;               // RFC 3339, or "" for a pending attack
  std::optional<std::string> end_time;  // nullopt while active
  std::string create_user = "alice@example.com";
  std::vector<std::string> targets{"web-1"};
  std::string type = "CPU";
  std::string stage = "Successful";
  std::string stage_lifecycle = "Complete";
};

struct FakeGremlinRequest {
  std::string path;
  std::string query;
  std::string authorization;
};

class FakeGremlin {
 public:
  FakeGremlin();
  ~FakeGremlin();
  FakeGremlin(const FakeGremlin&) = delete;
  FakeGremlin& operator=(const FakeGremlin&) = delete;

  // "http://127.0.0.1:PORT" (the base_url; no /v1 prefix).
  std::string url() const;

  void Add(FakeGremlinAttack attack);
  // Replaces the attack with the same guid (an active attack that finished).
  void Update(FakeGremlinAttack attack);
  void SetSnakeCase(bool snake) { snake_case_ = snake; }
  void SetPageSizeLimit(int limit) { page_size_limit_ = limit; }
  // The next requests get `status` (429 carries Retry-After: retry_after_seconds).
  void ScriptFailure(int status, int retry_after_seconds = 0);

  std::vector<FakeGremlinRequest> Requests() const;

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<FakeGremlinAttack> attacks_;
  std::deque<std::pair<int, int>> failures_;
  std::vector<FakeGremlinRequest> requests_;
  bool snake_case_ = false;
  int page_size_limit_ = 1000;
};

}  // namespace steadystate::test_support
