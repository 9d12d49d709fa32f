// pagerduty_bench: the PagerDuty importer's two performance targets (docs/pagerduty.md).
//
//   ParseIncidentsPage   ParsePagerDutyIncidentsPage on recorded 100-incident pages (the
//                        fake's rendering of the real API's shape: priority, service,
//                        assignments, teams, ...). Target: >= 50,000 incidents/s.
//   ParseAnchor          anchor: nlohmann::json::parse of the same page into a DOM, with
//                        nothing read from it.
//   Import               a full import from the fake PagerDuty server with its rate limit
//                        on and announced in ratelimit-* headers, on the real clock.
//                        Counters: requests, 429s, seconds, min_seconds (= requests at the
//                        limit: requests * 60 / limit) and ratio = seconds / min_seconds.
//                        Targets: ratio <= 1.10, 429s = 0. ratio_to_fewest compares with
//                        the fewest requests any client needs (every page of incidents and
//                        of log entries, nothing wasted).
//
// The import's size and limit come from the environment (the full run is long):
//   PD_BENCH_INCIDENTS (default 5000), PD_BENCH_LIMIT (requests/minute, default 960).
// Each incident is acknowledged and resolved, so the bulk log entries (is_overview=true:
// trigger, acknowledge, resolve) are three times as many as the incidents.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/time.h"
#include "incidents/incident_store.h"
#include "incidents/pagerduty/client.h"
#include "incidents/pagerduty/importer.h"
#include "incidents/pagerduty/parse.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/temp_dir.h"

namespace steadystate::incidents::pagerduty {
namespace {

using steadystate::test_support::FakePagerDuty;
using steadystate::test_support::FakePdIncident;

constexpr const char* kToken = "bench-token";

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

void Fill(FakePagerDuty& fake, int count, Timestamp now, std::chrono::days span) {
  const auto step = std::chrono::duration_cast<Duration>(span) / std::max(count, 1);
  for (int i = 0; i < count; ++i) {
    FakePdIncident in;
    in.id = "QB" + std::to_string(100000 + i);
    in.number = i;
    in.title = "High error rate on checkout-" + std::to_string(i % 13);
    in.priority = "P" + std::to_string(1 + i % 5);
    in.incident_key = i % 2 ? "" : "key-" + std::to_string(i % 97);
    in.created_at = now - std::chrono::duration_cast<Duration>(span) + step * i;
    in.acknowledged_at = in.created_at + std::chrono::minutes(3);
    in.resolved_at = in.created_at + std::chrono::minutes(45);
    fake.Add(in);
  }
}

// Ten recorded pages of 100 incidents each, fetched once from the fake.
const std::vector<std::string>& RecordedPages() {
  static const std::vector<std::string> pages = [] {
    FakePagerDuty fake(kToken);
    const Timestamp now = SystemClock().Now();
    Fill(fake, 1000, now, std::chrono::days(30));
    auto http = NewCurlHttpClient();
    TokenBucket bucket(SystemClock(), 100000);
    PagerDutyClientOptions options;
    options.base_url = fake.url();
    PagerDutyClient client(options, kToken, *http, SystemClock(), bucket);
    std::vector<std::string> out;
    for (int offset = 0; offset < 1000; offset += 100) {
      auto reply = client.Get("/incidents", {{"since", FormatRfc3339(now - std::chrono::days(31))},
                                             {"until", FormatRfc3339(now)},
                                             {"limit", "100"},
                                             {"offset", std::to_string(offset)}});
      if (!reply.ok() || reply->status != 200) {
        std::fprintf(stderr, "pagerduty_bench: cannot record pages\n");
        std::exit(1);
      }
      out.push_back(reply->body);
    }
    return out;
  }();
  return pages;
}

void BM_ParseIncidentsPage(benchmark::State& state) {
  const auto& pages = RecordedPages();
  size_t i = 0;
  int64_t incidents = 0;
  for (auto _ : state) {
    auto page = ParsePagerDutyIncidentsPage(pages[i++ % pages.size()]);
    if (!page.ok() || page->items.size() != 100) state.SkipWithError("parse failed");
    incidents += static_cast<int64_t>(page->items.size());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(incidents);
  state.counters["page_bytes"] = static_cast<double>(pages[0].size());
}
BENCHMARK(BM_ParseIncidentsPage);

void BM_ParseAnchor(benchmark::State& state) {
  const auto& pages = RecordedPages();
  size_t i = 0;
  for (auto _ : state) {
    auto json = nlohmann::json::parse(pages[i++ % pages.size()]);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 100);
}
BENCHMARK(BM_ParseAnchor);

void BM_Import(benchmark::State& state) {
  const int count = EnvInt("PD_BENCH_INCIDENTS", 5000);
  const int limit = EnvInt("PD_BENCH_LIMIT", kPagerDutyRequestsPerMinute);
  for (auto _ : state) {
    state.PauseTiming();
    FakePagerDuty fake(kToken);
    const Clock& clock = SystemClock();
    const Timestamp now = clock.Now();
    Fill(fake, count, now - std::chrono::days(1), std::chrono::days(150));
    fake.SetRateLimit(limit, /*announce=*/true);
    steadystate::test_support::TempDir dir;
    store::Options store_options;
    store_options.path = dir / "data";
    auto store = store::Store::Open(store_options, clock);
    if (!store.ok()) {
      state.SkipWithError(store.error().message.c_str());
      return;
    }
    IncidentStore incidents(**store);
    auto http = NewCurlHttpClient();
    TokenBucket bucket(clock, kPagerDutyRequestsPerMinute);
    PagerDutyClientOptions options;
    options.base_url = fake.url();
    PagerDutyClient client(options, kToken, *http, clock, bucket);
    PagerDutyImporter importer(client, incidents, **store, {}, clock);
    state.ResumeTiming();

    const auto start = clock.Monotonic();
    auto summary = importer.Import(now - std::chrono::days(160), now);
    const double seconds = std::chrono::duration<double>(clock.Monotonic() - start).count();
    if (!summary.ok()) {
      state.SkipWithError(summary.error().message.c_str());
      return;
    }
    if (summary->counts.added != count) state.SkipWithError("not every incident was imported");
    const double min_seconds = static_cast<double>(summary->requests) * 60.0 / limit;
    // The fewest requests any client needs: every incident page and every log-entry page.
    const double fewest = std::ceil(count / 100.0) + std::ceil(3.0 * count / 100.0);
    state.counters["fewest_requests"] = fewest;
    state.counters["ratio_to_fewest"] = seconds / (fewest * 60.0 / limit);
    state.counters["incidents"] = static_cast<double>(summary->counts.added);
    state.counters["requests"] = static_cast<double>(summary->requests);
    state.counters["429s"] = static_cast<double>(fake.CountStatus(429));
    state.counters["seconds"] = seconds;
    state.counters["min_seconds"] = min_seconds;
    state.counters["ratio"] = seconds / min_seconds;
    std::printf(
        "Import: %d incidents, %lld requests at %d/min: %.1f s vs minimum %.1f s "
        "(ratio %.3f, target <= 1.10: %s); 429s: %lld (target 0: %s)\n",
        count, static_cast<long long>(summary->requests), limit, seconds, min_seconds,
        seconds / min_seconds, seconds / min_seconds <= 1.10 ? "met" : "MISSED",
        static_cast<long long>(fake.CountStatus(429)),
        fake.CountStatus(429) == 0 ? "met" : "MISSED");
  }
}
BENCHMARK(BM_Import)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace steadystate::incidents::pagerduty

BENCHMARK_MAIN();
