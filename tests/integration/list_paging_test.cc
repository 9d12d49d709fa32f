// List paging end to end (DESIGN.md §6, docs/api.md): the real daemon pages
// /api/v1/incidents and /api/v1/attacks (limit, cursor, Link and X-Next-Cursor), the real
// CLI follows every page (100,000 incidents), fails with exit 1 on a reply it cannot read,
// and escapes control characters in its tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>
#include <stdexcept>

#include "common/clock.h"
#include "common/time.h"
#include "incidents/incident.h"
#include "incidents/incident_store.h"
#include "store/store.h"
#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// Incidents i = 0..count-1 created a minute apart, stored as the importer stores them,
// before the daemon starts.
void SeedIncidents(const TempDir& dir, int count, const std::string& title = "disk full") {
  store::Options options;
  options.path = dir / "data";
  auto store = store::Store::Open(options, SystemClock());
  ASSERT_TRUE(store.ok()) << store.error().message;
  incidents::IncidentStore incidents(**store);
  const Timestamp t0 = ParseRfc3339("2025-01-01T00:00:00Z").value();
  std::vector<incidents::Incident> batch;
  for (int i = 0; i < count; ++i) {
    incidents::Incident in;
    in.id = "pagerduty:P" + std::to_string(1000000 + i);
    in.source = "pagerduty";
    in.number = i;
    in.title = title;
    in.service = i % 2 == 0 ? "www" : "db";
    in.severity = "sev2";
    in.status = "resolved";
    in.created_at = t0 + std::chrono::minutes(i);
    in.resolved_at = in.created_at + std::chrono::minutes(30);
    batch.push_back(std::move(in));
    if (batch.size() == 10000 || i + 1 == count) {
      auto written = incidents.Upsert(batch);
      ASSERT_TRUE(written.ok()) << written.error().message;
      batch.clear();
    }
  }
}

ProcessResult Cli(const RunningDaemon& daemon, std::vector<std::string> args) {
  args.insert(args.begin(),
              {SteadystateBinary(), "--config", daemon.config_path(), "--server", daemon.url()});
  return Run(std::move(args));
}

// The same for a long list: a deadline (a safety net) of 10 minutes, for sanitizer builds
// on a busy machine.
ProcessResult LongCli(const RunningDaemon& daemon, const TempDir& dir,
                      std::vector<std::string> args) {
  args.insert(args.begin(),
              {SteadystateBinary(), "--config", daemon.config_path(), "--server", daemon.url()});
  Process process(std::move(args), dir.path().string());
  auto result = process.Wait(std::chrono::minutes(10));
  if (!result) throw std::runtime_error("command did not finish within 10 minutes");
  return *result;
}

// The CLI against a fake daemon; --data points at an empty directory, so a fallback to the
// store would show as an empty list.
ProcessResult CliAt(const FakeReceiver& fake, const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(),
              {SteadystateBinary(), "--server", fake.url(), "--data", dir / "no-data"});
  return Run(std::move(args));
}

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(ListPaging, IncidentsListPrintsAllOfAHundredThousandIncidents) {
  TempDir dir;
  constexpr int kCount = 100000;
  SeedIncidents(dir, kCount);
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();

  const ProcessResult listed = LongCli(daemon, dir, {"incidents", "list", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json list = json::parse(listed.out);  // one valid JSON array
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), static_cast<size_t>(kCount));
  std::set<std::string> ids;
  for (const auto& item : list) ids.insert(item["id"].get<std::string>());
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
  // In creation order across pages.
  EXPECT_EQ(list.front()["id"], "pagerduty:P1000000");
  EXPECT_EQ(list.back()["id"], "pagerduty:P1099999");
}

TEST(ListPaging, ApiPagesIncidentsWithLinkAndCursor) {
  TempDir dir;
  SeedIncidents(dir, 5);
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();

  std::vector<std::string> ids;
  std::string next = "/api/v1/incidents?service=www&limit=2";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    auto res = client.Get(next);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    ++pages;
    const json page = json::parse(res->body);
    ASSERT_TRUE(page.is_array());
    EXPECT_LE(page.size(), 2u);
    for (const auto& item : page) ids.push_back(item["id"]);
    next.clear();
    const std::string link = res->get_header_value("Link");
    if (!link.empty()) {
      ASSERT_THAT(link, HasSubstr(">; rel=\"next\""));
      next = link.substr(1, link.find('>') - 1);
      EXPECT_THAT(next, HasSubstr("service=www"));
      EXPECT_THAT(next, HasSubstr("cursor=" + res->get_header_value("X-Next-Cursor")));
    } else {
      EXPECT_EQ(res->get_header_value("X-Next-Cursor"), "");
    }
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(ids, (std::vector<std::string>{"pagerduty:P1000000", "pagerduty:P1000002",
                                           "pagerduty:P1000004"}));

  auto csv = client.Get("/api/v1/incidents?format=csv&limit=3");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_TRUE(csv->body.starts_with("id,source,number,")) << csv->body;
  EXPECT_EQ(Lines(csv->body), 4u);
  EXPECT_THAT(csv->get_header_value("Link"), HasSubstr("format=csv"));

  for (const char* bad : {"limit=0", "limit=10001", "limit=many", "cursor=zz", "cursor=00"}) {
    auto res = client.Get(std::string("/api/v1/incidents?") + bad);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << bad;
    const std::string param = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_THAT(json::parse(res->body)["error"].get<std::string>(), HasSubstr(param + ":"))
        << res->body;
  }
}

TEST(ListPaging, ApiPagesAttacksAndTheCliFollowsThem) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  std::vector<std::string> started;
  for (int i = 0; i < 3; ++i) {
    const std::string start = "2026-01-0" + std::to_string(i + 1) + "T00:00:00Z";
    auto res = client.Post("/api/v1/attacks", R"({"type":"cpu","start":")" + start + R"("})",
                           "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
    started.push_back(json::parse(res->body)["id"]);
  }
  auto first = client.Get("/api/v1/attacks?limit=2");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(json::parse(first->body).size(), 2u);
  const std::string cursor = first->get_header_value("X-Next-Cursor");
  ASSERT_FALSE(cursor.empty());
  auto second = client.Get("/api/v1/attacks?limit=2&cursor=" + cursor);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 200);
  const json rest = json::parse(second->body);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]["id"], started[2]);
  EXPECT_EQ(second->get_header_value("X-Next-Cursor"), "");

  // An incident cursor is not an attack cursor.
  auto wrong = client.Get("/api/v1/attacks?cursor=" + std::string(40, 'a'));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);

  const ProcessResult listed = Cli(daemon, {"attacks", "list", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json all = json::parse(listed.out);
  ASSERT_EQ(all.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(all[i]["id"], started[i]);
}

// Makes `fake` answer the first page with a cursor and the second with `second`.
void ScriptTwoPages(FakeReceiver& fake, FakeResponse second) {
  FakeResponse first = FakeResponse::Status(200, "[]", "application/json");
  first.headers.emplace_back("X-Next-Cursor", "abc123");
  fake.Script(first);
  fake.Script(std::move(second));
}

TEST(ListPaging, TheCliFailsOnAReplyItCannotRead) {
  TempDir dir;
  struct Case {
    FakeResponse reply;
    const char* says;
  };
  std::vector<Case> cases{
      {FakeResponse::Status(200, "[{\"id\": \"pagerduty:P1\"", "application/json"),
       "not valid JSON"},
      {FakeResponse::Status(200, R"({"incidents": []})", "application/json"), "not a JSON list"},
      {FakeResponse::Status(200, "[1, 2]", "application/json"), "not an incident"},
      {FakeResponse::Status(500, R"({"error": "store unreadable"})", "application/json"),
       "HTTP 500: store unreadable"},
      {FakeResponse::Status(503, "", "text/plain"), "HTTP 503"},
  };
  FakeResponse cut = FakeResponse::Status(200, std::string(4000, ' ') + "[]", "application/json");
  cut.fault = FakeResponse::Fault::kTruncateBody;
  cases.push_back({cut, "closed the connection"});
  for (const Case& c : cases) {
    for (const char* format : {"table", "json"}) {
      FakeReceiver fake(c.reply);
      const ProcessResult r = CliAt(fake, dir, {"incidents", "list", "--format", format});
      EXPECT_EQ(r.exit_code, 1) << c.says << " " << format << ": " << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr(c.says)) << format;
      EXPECT_EQ(r.out, "") << c.says << " " << format;
    }
  }
  // The second page is just as checked as the first.
  {
    FakeReceiver fake;
    ScriptTwoPages(fake, FakeResponse::Status(200, "{", "application/json"));
    const ProcessResult r = CliAt(fake, dir, {"incidents", "list", "--format", "json"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("page 2"));
    ASSERT_EQ(fake.RequestCount(), 2u);
    EXPECT_THAT(fake.Requests()[1].query, HasSubstr("cursor=abc123"));
  }
  {
    FakeReceiver fake(FakeResponse::Status(200, "{}", "application/json"));
    const ProcessResult r = CliAt(fake, dir, {"attacks", "list"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("not a JSON list"));
  }
  {
    FakeReceiver fake(FakeResponse::Status(200, "[{\"id\": 5}]", "application/json"));
    const ProcessResult r = CliAt(fake, dir, {"attacks", "list", "--format", "csv"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("unreadable attack"));
  }
  {
    FakeReceiver fake(FakeResponse::Status(200, "id,wrong\n", "text/csv"));
    const ProcessResult r = CliAt(fake, dir, {"incidents", "list", "--format", "csv"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("CSV header"));
  }
}

TEST(ListPaging, TheCliReadsAReplyOverOneMiBWhole) {
  // An older daemon answers the whole list in one reply: 3 MiB is read, not cut at 1 MiB.
  TempDir dir;
  std::string body = "[";
  int count = 0;
  while (body.size() < (3u << 20)) {
    if (count > 0) body += ',';
    body += R"({"id":"pagerduty:P)" + std::to_string(count++) +
            R"(","title":"a title long enough to fill the reply quickly, again and again"})";
  }
  body += "]";
  FakeReceiver fake(FakeResponse::Status(200, body, "application/json"));
  const ProcessResult r = CliAt(fake, dir, {"incidents", "list", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), static_cast<size_t>(count));
}

TEST(ListPaging, TablesEscapeControlCharactersJsonKeepsThem) {
  TempDir dir;
  SeedIncidents(dir, 1, "disk\x1b[2J full\nFAKE-ROW");
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto res = client.Post("/api/v1/attacks",
                         R"({"type":"cpu","name":"evil\u001b]0;pwned\u0007\nline two\u009b"})",
                         "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;

  const ProcessResult incidents = Cli(daemon, {"incidents", "list"});
  ASSERT_EQ(incidents.exit_code, 0) << incidents.err;
  EXPECT_THAT(incidents.out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(incidents.out, HasSubstr("disk\\x1b[2J full\\nFAKE-ROW"));
  EXPECT_EQ(Lines(incidents.out), 2u);

  const ProcessResult attacks = Cli(daemon, {"attacks", "list"});
  ASSERT_EQ(attacks.exit_code, 0) << attacks.err;
  EXPECT_THAT(attacks.out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(attacks.out, Not(HasSubstr("\x07")));
  EXPECT_THAT(attacks.out, Not(HasSubstr("\xc2\x9b")));
  EXPECT_THAT(attacks.out, HasSubstr("evil\\x1b]0;pwned\\x07\\nline two\\u009b"));
  EXPECT_EQ(Lines(attacks.out), 2u);

  // JSON keeps the data (escaped as JSON does).
  const ProcessResult json_out = Cli(daemon, {"incidents", "list", "--format", "json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  EXPECT_EQ(json::parse(json_out.out)[0]["title"], "disk\x1b[2J full\nFAKE-ROW");
}

}  // namespace
}  // namespace steadystate::test_support
