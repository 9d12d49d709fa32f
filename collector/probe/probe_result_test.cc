#include "collector/probe/probe_result.h"

#include <gtest/gtest.h>

#include <set>

#include "collector/probe/dns_probe.h"
#include "collector/probe/probe_engine.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace steadystate::collector {
namespace {

using std::chrono::milliseconds;

ProbeResult SampleResult() {
  ProbeResult r;
  r.service = "www";
  r.kind = config::ProbeKind::kHttp;
  r.time = Timestamp(milliseconds(1'764'000'000'123));
  r.success = false;
  r.duration = milliseconds(2000);
  r.http_status = 503;
  r.error_class = "status";
  r.error = "HTTP status 503\tis not\nvalid";
  r.phases = {milliseconds(1), milliseconds(2), milliseconds(3), milliseconds(4), milliseconds(5)};
  r.cert_expiry = Timestamp(milliseconds(1'800'000'000'000));
  return r;
}

TEST(ProbeResult, SerialisationRoundTrips) {
  ProbeResult r = SampleResult();
  auto back = ParseProbeResult(SerializeProbeResult(r), r.service, r.time);
  ASSERT_TRUE(back.ok()) << back.error().message;
  r.error = "HTTP status 503 is not valid";  // separators become spaces
  EXPECT_EQ(*back, r);

  ProbeResult dns;
  dns.kind = config::ProbeKind::kDns;
  dns.success = true;
  auto dns_back = ParseProbeResult(SerializeProbeResult(dns), "", dns.time);
  ASSERT_TRUE(dns_back.ok());
  EXPECT_EQ(*dns_back, dns);
}

TEST(ProbeResult, SerialisationIsCompact) {
  EXPECT_LT(SerializeProbeResult(SampleResult()).size(), 90u);
}

TEST(ProbeResult, ParseRejectsMalformedPayloads) {
  const std::string good = SerializeProbeResult(SampleResult());
  for (const std::string& bad :
       {std::string(""), std::string("p1"), std::string("p2") + good.substr(2),
        good.substr(0, good.size() / 2), std::string("p1\tx\t1\t2\t3\t\t1\t2\t3\t4\t5\t\t")}) {
    auto r = ParseProbeResult(bad, "www", Timestamp{});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption);
  }
}

TEST(ProbeResult, ParsesOpenSslCertificateDates) {
  auto t = ParseCertDate("Nov 26 19:20:00 2026 GMT");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, Timestamp(std::chrono::sys_days(std::chrono::November / 26 / 2026) +
                          std::chrono::hours(19) + std::chrono::minutes(20)));
  auto padded = ParseCertDate("Feb  3 01:02:03 2030 GMT");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(*padded,
            Timestamp(std::chrono::sys_days(std::chrono::February / 3 / 2030) +
                      std::chrono::hours(1) + std::chrono::minutes(2) + std::chrono::seconds(3)));
  for (const char* bad : {"", "Nov 26 2026", "Foo 26 19:20:00 2026 GMT", "Feb 30 19:20:00 2026 GMT",
                          "Nov 26 19:20:00 2026 UTC", "Nov 26 25:20:00 2026 GMT"}) {
    EXPECT_FALSE(ParseCertDate(bad).ok()) << bad;
  }
}

TEST(ProbeStoreWrites, CountsOneProbeInItsMinuteAndBucket) {
  ProbeResult r = SampleResult();
  r.success = true;
  r.duration = milliseconds(120);
  auto w = MakeProbeStoreWrites(r, 7, milliseconds(300));
  EXPECT_EQ(w.rollup.series, 7u);
  EXPECT_EQ(w.rollup.minute, std::chrono::floor<std::chrono::minutes>(r.time));
  EXPECT_EQ(w.rollup.delta.total, 1u);
  EXPECT_EQ(w.rollup.delta.good, 1u);
  EXPECT_EQ(w.rollup.delta.latency_good, 1u);
  EXPECT_EQ(w.rollup.delta.latency_buckets[store::LatencyBucketIndex(milliseconds(120))], 1u);
  uint64_t sum = 0;
  for (auto b : w.rollup.delta.latency_buckets) sum += b;
  EXPECT_EQ(sum, 1u);
  EXPECT_EQ(w.payload, SerializeProbeResult(r));

  // Slower than the threshold: good but not latency-good.
  EXPECT_EQ(MakeProbeStoreWrites(r, 7, milliseconds(100)).rollup.delta.latency_good, 0u);
  // No latency SLO: every success is latency-good.
  EXPECT_EQ(MakeProbeStoreWrites(r, 7, std::nullopt).rollup.delta.latency_good, 1u);
  // A failure is neither, however fast.
  r.success = false;
  r.duration = milliseconds(1);
  auto failed = MakeProbeStoreWrites(r, 7, milliseconds(300)).rollup.delta;
  EXPECT_EQ(failed.good, 0u);
  EXPECT_EQ(failed.latency_good, 0u);
  EXPECT_EQ(failed.total, 1u);
}

TEST(ProbeStoreWrites, LatencyThresholdIsTheSmallestLatencySlo) {
  config::ServiceConfig s;
  EXPECT_EQ(LatencyThreshold(s), std::nullopt);
  auto slo = [](std::string name, std::optional<Duration> threshold) {
    config::SloConfig c;
    c.name = std::move(name);
    c.objective_percent = 99;
    c.threshold = threshold;
    return c;
  };
  s.slos.push_back(slo("availability", std::nullopt));
  EXPECT_EQ(LatencyThreshold(s), std::nullopt);
  s.slos.push_back(slo("slow", milliseconds(500)));
  s.slos.push_back(slo("fast", milliseconds(100)));
  EXPECT_EQ(LatencyThreshold(s), milliseconds(100));
}

TEST(ProbeStoreWrites, EventAndRollupRoundTripThroughTheStore) {
  test_support::TempDir dir;
  FakeClock clock;
  store::Options options;
  options.path = dir / "data";
  auto store = store::Store::Open(options, clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ProbeResult r = SampleResult();
  r.service = "api";
  r.error = "";
  r.error_class = "";
  r.time = clock.Now() - std::chrono::minutes(3);
  r.success = true;
  r.duration = milliseconds(40);
  ASSERT_TRUE(WriteProbeResult(**store, r, milliseconds(30)).ok());
  ProbeResult r2 = r;
  r2.time += milliseconds(1500);
  r2.duration = milliseconds(20);
  ASSERT_TRUE(WriteProbeResult(**store, r2, milliseconds(30)).ok());

  auto series = (*store)->SeriesId("probe:api");
  ASSERT_TRUE(series.ok());
  std::vector<ProbeResult> read;
  ASSERT_TRUE((*store)
                  ->ScanEvents(store::Family::kProbe, *series, r.time, clock.Now(),
                               [&](Timestamp t, std::string_view payload) {
                                 auto p = ParseProbeResult(payload, "api", t);
                                 ASSERT_TRUE(p.ok());
                                 read.push_back(*p);
                               })
                  .ok());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], r);
  EXPECT_EQ(read[1], r2);

  auto sum = (*store)->SumRollups(*series, r.time - std::chrono::hours(1), clock.Now());
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->total, 2u);
  EXPECT_EQ(sum->good, 2u);
  EXPECT_EQ(sum->latency_good, 1u);
}

TEST(ProbeEngine, StartOffsetIsDeterministicAndSpread) {
  const Duration interval = std::chrono::seconds(10);
  EXPECT_EQ(ProbeEngine::StartOffset("www", interval), ProbeEngine::StartOffset("www", interval));
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i) {
    Duration d = ProbeEngine::StartOffset("svc-" + std::to_string(i), interval);
    EXPECT_GE(d.count(), 0);
    EXPECT_LT(d, interval);
    seen.insert(d.count() / 1000);
  }
  EXPECT_GE(seen.size(), 8u);  // 100 services land in (nearly) every second of the interval
}

// A DNS response for "a.test" A with two answers (127.0.0.1, 127.0.0.2), as a server sends.
TEST(DnsProbe, CountsAnswersOfTheAskedType) {
  const unsigned char msg[] = {
      0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,  // header
      0x01, 'a',  0x04, 't',  'e',  's',  't',  0x00, 0x00, 0x01, 0x00, 0x01,  // question
      0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,  // answer 1
      127,  0,    0,    1,                                                     //
      0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,  // answer 2
      127,  0,    0,    2};
  auto a = CountDnsAnswers(msg, config::DnsRecordType::kA);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 2);
  auto aaaa = CountDnsAnswers(msg, config::DnsRecordType::kAaaa);
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(*aaaa, 0);
  EXPECT_FALSE(CountDnsAnswers({msg, sizeof msg - 3}, config::DnsRecordType::kA).ok());
  EXPECT_FALSE(CountDnsAnswers({msg, 5}, config::DnsRecordType::kA).ok());
}

}  // namespace
}  // namespace steadystate::collector
