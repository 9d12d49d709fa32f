#include "incidents/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents {
namespace {

using http::ApiRequest;
using http::ApiResponse;
using http::ApiRoute;
using http::MatchPathPattern;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;

Timestamp T(Duration offset = Duration(0)) {
  return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 2)) + hours(10) + offset;
}

// A real store with www's probes failing 10:00-10:05, an attack on www 10:00-10:10, and
// two www incidents: one at 10:03 (attributed, TTD 3m, TTR 10m) and one at 12:00.
class IncidentReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(db_, nullptr);
    auto series = db_->SeriesId("probe:www");
    ASSERT_TRUE(series.ok());
    std::vector<store::RollupUpdate> updates;
    for (int m = -30; m < 60; ++m) {
      store::Rollup r;
      r.total = 6;
      r.good = m >= 0 && m < 5 ? 1 : 6;
      r.latency_buckets[3] = 6;
      updates.push_back({*series, T(minutes(m)), r});
    }
    ASSERT_TRUE(db_->MergeRollups(updates).ok());
    chaos::Attack a;
    a.id = "atk-1";
    a.services = {"www"};
    a.type = "latency";
    a.start = T();
    a.end = T(minutes(10));
    a.outcome = "completed";
    attacks_ = {a};
    incidents_.resize(2);
    incidents_[0].id = "pagerduty:A";
    incidents_[0].service = "www";
    incidents_[0].severity = "sev1";
    incidents_[0].created_at = T(minutes(3));
    incidents_[0].resolved_at = T(minutes(13));
    incidents_[1].id = "pagerduty:B";
    incidents_[1].service = "www";
    incidents_[1].severity = "sev2";
    incidents_[1].created_at = T(hours(2));
    incidents_[1].resolved_at = T(hours(3));

    sources_.incidents = [this](std::optional<Timestamp> since,
                                std::optional<Timestamp> until) -> Result<std::vector<Incident>> {
      std::vector<Incident> out;
      for (const auto& i : incidents_) {
        if ((!since || i.created_at >= *since) && (!until || i.created_at < *until)) {
          out.push_back(i);
        }
      }
      return out;
    };
    sources_.attacks = [this](std::optional<Timestamp>,
                              std::optional<Timestamp>) -> Result<std::vector<chaos::Attack>> {
      return attacks_;
    };
    sources_.attack = [this](std::string_view id) -> Result<std::optional<chaos::Attack>> {
      for (const auto& known : attacks_) {
        if (known.id == id) return std::optional<chaos::Attack>(known);
      }
      return std::optional<chaos::Attack>{};
    };
    sources_.store = db_.get();
    sources_.services = {{"www", true, 0.999}};
    sources_.clock = &clock_;
  }

  http::ApiResponse Get(const std::string& path, std::multimap<std::string, std::string> params) {
    for (const http::ApiRoute& route : IncidentReportRoutes(sources_)) {
      http::ApiRequest request;
      if (!http::MatchPathPattern(route.pattern, path, &request.matches)) continue;
      request.path = path;
      request.params = std::move(params);
      return route.handler(request);
    }
    ADD_FAILURE() << "no route for " << path;
    return {};
  }

  test_support::TempDir dir_;
  FakeClock clock_{T(days(1))};
  std::unique_ptr<store::Store> db_;
  std::vector<chaos::Attack> attacks_;
  std::vector<Incident> incidents_;
  IncidentReportSources sources_;
};

TEST_F(IncidentReportsTest, MetricsRowsFromStoreAndReaders) {
  http::ApiResponse r = Get("/api/v1/metrics/incidents", {{"group_by", "severity"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto rows = nlohmann::json::parse(r.body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["group"], "sev1");
  EXPECT_EQ(rows[0]["chaos_incidents"], 1);
  EXPECT_EQ(rows[0]["mttd_seconds"], 180);
  EXPECT_EQ(rows[0]["mttr_seconds"], 600);
  EXPECT_EQ(rows[1]["group"], "sev2");
  EXPECT_EQ(rows[1]["mtbf_seconds"], 6420);  // 12:00 - 10:13

  http::ApiResponse none = Get("/api/v1/metrics/incidents", {{"format", "csv"}});
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.content_type, "text/csv; charset=utf-8");
  // www broke during the attack, which produced an incident: coverage 1.
  EXPECT_THAT(none.body, HasSubstr("\nall,2,1,180,,2100,2100,3300,6420,1\n"));

  EXPECT_EQ(Get("/api/v1/metrics/incidents", {{"group_by", "team"}}).status, 400);
  EXPECT_EQ(Get("/api/v1/metrics/incidents", {{"since", "yesterday"}}).status, 400);
  EXPECT_EQ(Get("/api/v1/metrics/incidents", {{"format", "xml"}}).status, 400);
}

TEST_F(IncidentReportsTest, Reports) {
  http::ApiResponse ba =
      Get("/api/v1/reports/before-after",
          {{"cutover", "2026-11-02T00:00:00Z"}, {"window", "1d"}, {"format", "json"}});
  ASSERT_EQ(ba.status, 200) << ba.body;
  const auto j = nlohmann::json::parse(ba.body);
  EXPECT_EQ(j["after"]["incidents"], 2);
  EXPECT_EQ(j["sla_attainment"][0]["service"], "www");
  EXPECT_EQ(Get("/api/v1/reports/before-after", {}).status, 400);
  EXPECT_EQ(Get("/api/v1/reports/before-after",
                {{"cutover", "2026-11-02T00:00:00Z"}, {"time_zone", "Nowhere/Land"}})
                .status,
            400);

  http::ApiResponse attack = Get("/api/v1/reports/attacks/atk-1", {});
  ASSERT_EQ(attack.status, 200) << attack.body;
  EXPECT_EQ(attack.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(attack.body, HasSubstr("<svg id=\"attack-timeline\""));
  EXPECT_THAT(attack.body, HasSubstr("pagerduty:A"));
  http::ApiResponse md = Get("/api/v1/reports/attacks/atk-1", {{"format", "md"}});
  EXPECT_THAT(md.body, HasSubstr("steady state: **broken** (from probes)"));
  EXPECT_EQ(Get("/api/v1/reports/attacks/nope", {}).status, 404);
  EXPECT_EQ(Get("/api/v1/reports/attacks/atk-1", {{"format", "pdf"}}).status, 400);
}

TEST_F(IncidentReportsTest, HtmlReportsSendAContentSecurityPolicyWithANonceForTheirStyle) {
  http::ApiResponse attack = Get("/api/v1/reports/attacks/atk-1", {});
  ASSERT_EQ(attack.status, 200) << attack.body;
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : attack.headers) {
      if (k == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("X-Content-Type-Options"), "nosniff");
  const std::string csp = header("Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("base-uri 'none'"));
  EXPECT_THAT(csp, HasSubstr("form-action 'none'"));
  std::smatch nonce;
  ASSERT_TRUE(std::regex_search(csp, nonce, std::regex("style-src 'nonce-([A-Za-z0-9+/=]{24})'")));
  EXPECT_THAT(attack.body, HasSubstr("<style nonce=\"" + nonce[1].str() + "\">"));
  EXPECT_THAT(attack.body, ::testing::Not(HasSubstr("<style>")));
  // A fresh nonce for every response.
  EXPECT_NE(Get("/api/v1/reports/attacks/atk-1", {}).headers, attack.headers);

  http::ApiResponse md = Get("/api/v1/reports/attacks/atk-1", {{"format", "md"}});
  EXPECT_EQ(
      md.headers,
      (std::vector<std::pair<std::string, std::string>>{{"X-Content-Type-Options", "nosniff"}}));
}

}  // namespace
}  // namespace steadystate::incidents
