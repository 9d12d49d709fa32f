#include "incidents/incident_sources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <nlohmann/json.hpp>

#include "chaos/attack.h"
#include "config/config.h"
#include "exporters/incident_metrics.h"
#include "incidents/incident_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using ::testing::HasSubstr;

class IncidentSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    config::ServiceConfig checkout;
    checkout.name = "checkout";
    checkout.critical = true;
    config_.services.push_back(checkout);
    config_.chaos.attribution_grace = minutes(15);
    t0_ = clock_.Now() - std::chrono::hours(2);
  }

  incidents::Incident MakeIncident(std::string id, std::string service, Timestamp created,
                                   std::optional<Timestamp> resolved) {
    incidents::Incident in;
    in.id = "pagerduty:" + id;
    in.title = "errors in " + service;
    in.service = std::move(service);
    in.severity = "sev1";
    in.status = resolved ? "resolved" : "triggered";
    in.created_at = created;
    in.resolved_at = resolved;
    return in;
  }

  // One attack on checkout t0 .. t0+10m; an incident 5 minutes in (attributed, TTD 5m),
  // one 12 minutes after the end (within grace), one a day earlier on "search" (none).
  void Fill() {
    chaos::AttackLog log(*store_, clock_);
    chaos::Attack attack;
    attack.services = {"checkout"};
    attack.start = t0_;
    auto started = log.Start(attack);
    ASSERT_TRUE(started.ok()) << started.error().message;
    attack_id_ = started->id;
    chaos::AttackEnd end;
    end.end = t0_ + minutes(10);
    ASSERT_TRUE(log.End(attack_id_, end).ok());
    std::vector<incidents::Incident> list{
        MakeIncident("A", "checkout", t0_ + minutes(5), t0_ + minutes(25)),
        MakeIncident("B", "checkout", t0_ + minutes(22), std::nullopt),
        MakeIncident("C", "search", t0_ - std::chrono::hours(24), t0_ - std::chrono::hours(23))};
    ASSERT_TRUE(incidents::IncidentStore(*store_).Upsert(list).ok());
  }

  test_support::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  config::Config config_;
  Timestamp t0_;
  std::string attack_id_;
};

TEST_F(IncidentSourcesTest, ListCarriesTheCorrelationFields) {
  Fill();
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  auto body = CorrelatedIncidentList(sources, std::nullopt, std::nullopt, "", "json");
  ASSERT_TRUE(body.ok()) << body.error().message;
  const json list = json::parse(*body);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["id"], "pagerduty:C");
  EXPECT_TRUE(list[0]["attack_id"].is_null());
  EXPECT_EQ(list[0]["onset_source"], "unknown");
  EXPECT_EQ(list[1]["id"], "pagerduty:A");
  EXPECT_EQ(list[1]["attack_id"], attack_id_);
  EXPECT_EQ(list[1]["onset_source"], "attack");
  EXPECT_EQ(list[1]["onset_at"], FormatRfc3339(t0_));
  EXPECT_DOUBLE_EQ(list[1]["ttd_seconds"].get<double>(), 300);
  EXPECT_DOUBLE_EQ(list[1]["ttr_seconds"].get<double>(), 1200);
  EXPECT_DOUBLE_EQ(list[1]["impact_seconds"].get<double>(), 1500);
  // Within the grace after the end: still attributed; open, so no TTR or impact.
  EXPECT_EQ(list[2]["attack_id"], attack_id_);
  EXPECT_DOUBLE_EQ(list[2]["ttd_seconds"].get<double>(), 22 * 60);
  EXPECT_TRUE(list[2]["ttr_seconds"].is_null());
  EXPECT_TRUE(list[2]["impact_seconds"].is_null());
}

TEST_F(IncidentSourcesTest, ListFiltersByServiceAndWritesCsv) {
  Fill();
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  auto csv = CorrelatedIncidentList(sources, std::nullopt, std::nullopt, "search", "csv");
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_THAT(*csv, HasSubstr("id,source,number,title,service,severity,urgency,status,"));
  EXPECT_THAT(*csv, HasSubstr("pagerduty:C"));
  EXPECT_THAT(*csv, ::testing::Not(HasSubstr("pagerduty:A")));
  auto bad = CorrelatedIncidentList(sources, std::nullopt, std::nullopt, "", "xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("format"));
}

TEST_F(IncidentSourcesTest, PagesTogetherAreTheWholeList) {
  Fill();
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  auto whole = CorrelatedIncidentList(sources, std::nullopt, std::nullopt, "", "json");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  json paged = json::array();
  std::string after;
  for (int pages = 0; pages < 5; ++pages) {
    auto page =
        CorrelatedIncidentPage(sources, *store_, std::nullopt, std::nullopt, "", "json", after, 1);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& item : json::parse(page->body)) paged.push_back(item);
    if (!page->next) break;
    after = *page->next;
  }
  EXPECT_EQ(paged, json::parse(*whole));

  auto csv = CorrelatedIncidentPage(sources, *store_, std::nullopt, std::nullopt, "checkout", "csv",
                                    "", 1);
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_THAT(csv->body, HasSubstr("id,source,number,"));
  EXPECT_THAT(csv->body, HasSubstr("pagerduty:A"));
  EXPECT_THAT(csv->body, ::testing::Not(HasSubstr("pagerduty:B")));
  EXPECT_TRUE(csv->next.has_value());
}

TEST_F(IncidentSourcesTest, SourcesFollowTheConfig) {
  config_.chaos.attribution_grace = minutes(5);
  config_.chaos.onset_lookback = minutes(30);
  config::SloConfig slo;
  slo.name = "avail";
  slo.objective_percent = 99.5;
  config_.services.front().slos.push_back(slo);
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  EXPECT_EQ(sources.options.attribution_grace, minutes(5));
  EXPECT_EQ(sources.options.onset_lookback, minutes(30));
  ASSERT_EQ(sources.services.size(), 1u);
  EXPECT_TRUE(sources.services[0].critical);
  EXPECT_DOUBLE_EQ(sources.services[0].objective, 0.995);
  // A grace of 5 minutes: the incident 12 minutes after the end is not chaos-induced.
  Fill();
  auto body = CorrelatedIncidentList(sources, std::nullopt, std::nullopt, "checkout", "json");
  ASSERT_TRUE(body.ok()) << body.error().message;
  const json list = json::parse(*body);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["attack_id"], attack_id_);
  EXPECT_TRUE(list[1]["attack_id"].is_null());
}

TEST_F(IncidentSourcesTest, RefreshSetsThePrometheusSnapshot) {
  Fill();
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  exporters::IncidentMetrics metrics;
  LiveCorrelation live(sources);
  ASSERT_TRUE(exporters::RefreshIncidentMetrics(live, metrics).ok());
  uint64_t chaos = 0;
  uint64_t total = 0;
  for (const auto& family : metrics.Collect()) {
    if (family.name != "steadystate_incidents_total") continue;
    for (const auto& m : family.metric) {
      total += static_cast<uint64_t>(m.counter.value);
      for (const auto& label : m.label) {
        if (label.name == "chaos" && label.value == "true") {
          chaos += static_cast<uint64_t>(m.counter.value);
        }
      }
    }
  }
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(chaos, 2u);
}

// The fields the live correlation keeps, as text, to compare with a full pass.
std::string Fields(const Correlation& c) {
  std::string out;
  for (const CorrelatedIncident& i : c.incidents) {
    out += i.incident->id + " attack=" + i.attack_id.value_or("-") +
           " ttd=" + std::to_string(i.ttd_seconds.value_or(-1)) +
           " tbf=" + std::to_string(i.tbf_seconds.value_or(-1)) +
           " age=" + std::to_string(i.open_seconds.value_or(-1)) + "\n";
  }
  for (const AttackDetection& d : c.attacks) {
    out += d.attack_id + ":";
    for (std::string_view id : d.incident_ids) out += " " + std::string(id);
    out += "\n";
  }
  return out + "coverage " + std::to_string(c.detection_coverage.value_or(-1));
}

TEST_F(IncidentSourcesTest, LiveCorrelationFollowsTheStoreLikeAFullPass) {
  Fill();
  const auto sources = IncidentReportSourcesFor(config_, *store_, clock_);
  LiveCorrelation live(sources);
  const auto live_fields = [&] {
    std::string out;
    live.Read([&](const Correlation& c) { out = Fields(c); });
    return out;
  };
  const auto full_fields = [&] {
    auto full = CorrelateRange(sources, std::nullopt, std::nullopt);
    return full.ok() ? Fields(*full) : full.error().message;
  };
  auto changed = live.Refresh();
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(live_fields(), full_fields());

  // Only time passes: nothing but the open incident's age moves.
  clock_.Advance(minutes(1));
  changed = live.Refresh();
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(live_fields(), full_fields());

  // A new attack claims a new incident; an old one is resolved.
  chaos::AttackLog log(*store_, clock_);
  chaos::Attack attack;
  attack.services = {"search"};
  attack.start = clock_.Now() - minutes(20);
  auto started = log.Start(attack);
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(IncidentStore(*store_)
                  .Upsert(std::vector<Incident>{
                      MakeIncident("D", "search", clock_.Now() - minutes(10), std::nullopt),
                      MakeIncident("B", "checkout", t0_ + minutes(22), clock_.Now())})
                  .ok());
  clock_.Advance(minutes(1));
  changed = live.Refresh();
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(live_fields(), full_fields());
  EXPECT_THAT(live_fields(), HasSubstr("pagerduty:D attack=" + started->id));
}

}  // namespace
}  // namespace steadystate::incidents
