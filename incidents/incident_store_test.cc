#include "incidents/incident_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <span>

#include "common/time.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents {
namespace {

using steadystate::test_support::OpenTestStore;
using steadystate::test_support::TempDir;

Timestamp At(const char* text) { return ParseRfc3339(text).value(); }

Incident Make(const std::string& id, const char* created, const std::string& service) {
  Incident in;
  in.id = id;
  in.created_at = At(created);
  in.service = service;
  in.status = "triggered";
  return in;
}

class IncidentStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_ = OpenTestStore(dir_, clock_);
  IncidentStore incidents_{*store_};
};

TEST_F(IncidentStoreTest, UpsertCountsNewUpdatedAndUnchanged) {
  std::vector<Incident> batch{Make("pagerduty:A", "2026-11-01T00:00:00Z", "www"),
                              Make("pagerduty:B", "2026-11-02T00:00:00Z", "db")};
  auto first = incidents_.Upsert(batch);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->added, 2);
  batch[1].resolved_at = At("2026-11-02T01:00:00Z");
  batch[1].status = "resolved";
  auto second = incidents_.Upsert(batch);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->added, 0);
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(second->unchanged, 1);
  auto b = incidents_.Get("pagerduty:B");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->resolved_at, At("2026-11-02T01:00:00Z"));
  auto missing = incidents_.Get("pagerduty:Z");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(IncidentStoreTest, ExtraWritesLandWithTheIncidents) {
  std::vector<Incident> batch{Make("pagerduty:A", "2026-11-01T00:00:00Z", "www")};
  std::vector<store::RecordWrite> extra{{store::Family::kMeta, "import/test", "cursor-1"}};
  ASSERT_TRUE(incidents_.Upsert(batch, extra).ok());
  auto meta = store_->GetMeta("import/test");
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ(**meta, "cursor-1");
}

TEST_F(IncidentStoreTest, ListFiltersByCreatedAtAndServiceInTimeOrder) {
  std::vector<Incident> batch{Make("pagerduty:C", "2026-11-03T00:00:00Z", "www"),
                              Make("pagerduty:A", "2026-11-01T00:00:00Z", "www"),
                              Make("pagerduty:B", "2026-11-02T00:00:00Z", "db")};
  batch[1].resolved_at = At("2026-11-01T00:10:00Z");
  ASSERT_TRUE(incidents_.Upsert(batch).ok());
  auto all = incidents_.List({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "pagerduty:A");
  EXPECT_EQ((*all)[2].id, "pagerduty:C");
  auto window = incidents_.List({At("2026-11-02T00:00:00Z"), At("2026-11-03T00:00:00Z"), ""});
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ((*window)[0].id, "pagerduty:B");
  auto www = incidents_.List({std::nullopt, std::nullopt, "www"});
  ASSERT_TRUE(www.ok());
  EXPECT_EQ(www->size(), 2u);
  auto open = incidents_.ListUnresolved();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].id, "pagerduty:B");
}

// Reads every page of `filter` with `limit` per page, calling `between` after each page.
std::vector<std::string> ReadAllPages(const IncidentStore& store, const IncidentFilter& filter,
                                      size_t limit, const std::function<void()>& between = {}) {
  std::vector<std::string> ids;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = store.ListPage(filter, after, limit);
    EXPECT_TRUE(page.ok()) << page.error().message;
    if (!page.ok()) break;
    EXPECT_LE(page->incidents.size(), limit);
    for (const Incident& i : page->incidents) ids.push_back(i.id);
    if (!page->next) break;
    EXPECT_GT(*page->next, after);
    after = *page->next;
    if (between) between();
  }
  return ids;
}

TEST_F(IncidentStoreTest, PagesFollowCreationTimeThenIdAndFilter) {
  std::vector<Incident> batch{Make("pagerduty:D", "2026-11-03T00:00:00Z", "www"),
                              Make("pagerduty:B", "2026-11-01T00:00:00Z", "www"),
                              Make("pagerduty:A", "2026-11-01T00:00:00Z", "db"),
                              Make("pagerduty:C", "2026-11-02T00:00:00Z", "www"),
                              Make("pagerduty:E", "1969-12-31T00:00:00Z", "www")};
  ASSERT_TRUE(incidents_.Upsert(batch).ok());
  EXPECT_EQ(ReadAllPages(incidents_, {}, 2),
            (std::vector<std::string>{"pagerduty:E", "pagerduty:A", "pagerduty:B", "pagerduty:C",
                                      "pagerduty:D"}));
  EXPECT_EQ(
      ReadAllPages(incidents_, {At("2026-11-01T00:00:00Z"), At("2026-11-03T00:00:00Z"), "www"}, 1),
      (std::vector<std::string>{"pagerduty:B", "pagerduty:C"}));
  // The last page says so: no empty page after it.
  auto whole = incidents_.ListPage({}, "", 5);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->incidents.size(), 5u);
  EXPECT_FALSE(whole->next.has_value());
}

TEST_F(IncidentStoreTest, PagesReturnEveryIncidentOnceWhileOthersAreWritten) {
  std::vector<Incident> batch;
  for (int i = 0; i < 30; ++i) {
    batch.push_back(Make("pagerduty:P" + std::to_string(100 + i), "2026-11-01T00:00:00Z", "www"));
    batch.back().created_at += std::chrono::minutes(i);
  }
  ASSERT_TRUE(incidents_.Upsert(batch).ok());
  int round = 0;
  auto ids = ReadAllPages(incidents_, {}, 7, [&] {
    // Between pages: new incidents before and after the position, and updates.
    ++round;
    std::vector<Incident> more{
        Make("pagerduty:early" + std::to_string(round), "2026-10-01T00:00:00Z", "www"),
        Make("pagerduty:late" + std::to_string(round), "2026-12-01T00:00:00Z", "www")};
    more.push_back(batch[round]);
    more.back().status = "resolved";
    more.back().resolved_at = At("2026-11-05T00:00:00Z");
    ASSERT_TRUE(incidents_.Upsert(more).ok());
  });
  std::set<std::string> seen(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), ids.size()) << "an incident came twice";
  for (const Incident& i : batch) EXPECT_TRUE(seen.count(i.id)) << i.id;
}

TEST_F(IncidentStoreTest, AnIncidentWhoseCreationTimeChangedIsListedOnceAtItsNewTime) {
  ASSERT_TRUE(incidents_
                  .Upsert(std::vector{Make("pagerduty:A", "2026-11-01T00:00:00Z", "www"),
                                      Make("pagerduty:B", "2026-11-02T00:00:00Z", "www")})
                  .ok());
  ASSERT_TRUE(
      incidents_.Upsert(std::vector{Make("pagerduty:A", "2026-11-03T00:00:00Z", "www")}).ok());
  EXPECT_EQ(ReadAllPages(incidents_, {}, 1),
            (std::vector<std::string>{"pagerduty:B", "pagerduty:A"}));
}

TEST_F(IncidentStoreTest, PagesOfADirectoryWithoutTheIndexMatchThoseWithIt) {
  // Records written as an older version did: no index keys, no marker.
  for (const Incident& i : {Make("pagerduty:B", "2026-11-02T00:00:00Z", "www"),
                            Make("pagerduty:A", "2026-11-01T00:00:00Z", "db"),
                            Make("pagerduty:C", "2026-11-03T00:00:00Z", "www")}) {
    ASSERT_TRUE(store_->PutRecord(store::Family::kIncidents, i.id, IncidentToRecord(i)).ok());
  }
  const std::vector<std::string> expected{"pagerduty:A", "pagerduty:B", "pagerduty:C"};
  EXPECT_EQ(ReadAllPages(incidents_, {}, 2), expected);
  ASSERT_TRUE(incidents_.BuildCreatedIndex().ok());
  EXPECT_EQ(ReadAllPages(incidents_, {}, 2), expected);
  // The index is not an incident.
  auto listed = incidents_.List({});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

TEST_F(IncidentStoreTest, AMalformedPositionIsInvalidInput) {
  auto page = incidents_.ListPage({}, "short", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidInput);
}

TEST_F(IncidentStoreTest, RecentIncidentsHoldsTheUnresolvedAndTheLast31Days) {
  clock_.SetWall(At("2026-11-26T12:00:00Z"));
  std::vector<Incident> batch{Make("pagerduty:OLD", "2025-01-01T00:00:00Z", "www"),
                              Make("pagerduty:STUCK", "2025-06-01T00:00:00Z", "db"),
                              Make("pagerduty:LAST", "2026-11-20T00:00:00Z", "www"),
                              Make("pagerduty:NOW", "2026-11-26T11:00:00Z", "www")};
  batch[0].resolved_at = At("2025-01-01T01:00:00Z");
  batch[2].resolved_at = At("2026-11-20T00:40:00Z");
  ASSERT_TRUE(incidents_.Upsert(batch).ok());
  RecentIncidents recent(*store_, clock_);
  auto open = recent.Unresolved();
  ASSERT_TRUE(open.ok()) << open.error().message;
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].id, "pagerduty:STUCK");
  EXPECT_EQ((*open)[1].id, "pagerduty:NOW");
  auto www = recent.OfService("www", clock_.Now() - std::chrono::days(30));
  ASSERT_TRUE(www.ok());
  ASSERT_EQ(www->size(), 2u);
  EXPECT_EQ((*www)[0].id, "pagerduty:LAST");
  EXPECT_EQ((*www)[1].id, "pagerduty:NOW");
  EXPECT_EQ(recent.OfService("db", clock_.Now() - std::chrono::days(30))->size(), 0u);

  // A change to the store is seen at once, through any IncidentStore.
  batch[3].resolved_at = At("2026-11-26T11:30:00Z");
  ASSERT_TRUE(IncidentStore(*store_).Upsert(std::span(&batch[3], 1)).ok());
  open = recent.Unresolved();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, "pagerduty:STUCK");
  EXPECT_TRUE(recent.Refresh().ok());

  // As days pass the window slides: LAST is 31 days old and out.
  clock_.SetWall(At("2026-12-21T12:00:00Z"));
  www = recent.OfService("www", clock_.Now() - std::chrono::days(30));
  ASSERT_TRUE(www.ok());
  ASSERT_EQ(www->size(), 1u);
  EXPECT_EQ((*www)[0].id, "pagerduty:NOW");
  // The copy itself was read again (it is older than 6 hours, though nothing changed): a
  // `since` beyond its 31 days no longer finds LAST, which the first copy held.
  www = recent.OfService("www", clock_.Now() - std::chrono::days(60));
  ASSERT_TRUE(www.ok());
  ASSERT_EQ(www->size(), 1u);
  EXPECT_EQ((*www)[0].id, "pagerduty:NOW");
}

}  // namespace
}  // namespace steadystate::incidents
