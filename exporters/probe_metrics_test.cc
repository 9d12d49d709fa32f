#include "exporters/probe_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace steadystate::exporters {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Scrape(const ProbeMetrics& metrics) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metrics.Collect());
  return out.str();
}

collector::ProbeResult Https() {
  collector::ProbeResult r;
  r.service = "www";
  r.kind = config::ProbeKind::kHttp;
  r.success = true;
  r.duration = milliseconds(250);
  r.http_status = 200;
  r.phases = {milliseconds(10), milliseconds(20), milliseconds(30), milliseconds(40),
              milliseconds(150)};
  r.cert_expiry = Timestamp(std::chrono::seconds(1'800'000'000));
  return r;
}

TEST(ProbeMetrics, EmptyUntilTheFirstResult) {
  ProbeMetrics metrics;
  EXPECT_EQ(Scrape(metrics), "");
}

TEST(ProbeMetrics, UsesBlackboxExporterNamesWithAServiceLabel) {
  ProbeMetrics metrics;
  metrics.Update(Https());
  const std::string text = Scrape(metrics);
  EXPECT_THAT(text, HasSubstr("# TYPE probe_success gauge"));
  EXPECT_THAT(text, HasSubstr("probe_success{service=\"www\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("probe_duration_seconds{service=\"www\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr("probe_http_status_code{service=\"www\"} 200\n"));
  EXPECT_THAT(text, HasSubstr("probe_dns_lookup_time_seconds{service=\"www\"} 0.01\n"));
  EXPECT_THAT(text,
              HasSubstr("probe_http_duration_seconds{phase=\"resolve\",service=\"www\"} 0.01\n"));
  EXPECT_THAT(text,
              HasSubstr("probe_http_duration_seconds{phase=\"connect\",service=\"www\"} 0.02\n"));
  EXPECT_THAT(text, HasSubstr("probe_http_duration_seconds{phase=\"tls\",service=\"www\"} 0.03\n"));
  EXPECT_THAT(
      text, HasSubstr("probe_http_duration_seconds{phase=\"processing\",service=\"www\"} 0.04\n"));
  EXPECT_THAT(text,
              HasSubstr("probe_http_duration_seconds{phase=\"transfer\",service=\"www\"} 0.15\n"));
  EXPECT_THAT(text, HasSubstr("probe_ssl_earliest_cert_expiry{service=\"www\"} 1800000000\n"));
}

TEST(ProbeMetrics, KeepsTheLastResultPerServiceAndOmitsWhatDidNotHappen) {
  ProbeMetrics metrics;
  metrics.Update(Https());
  collector::ProbeResult failed;
  failed.service = "www";
  failed.error_class = "timeout";
  failed.duration = milliseconds(2000);
  metrics.Update(failed);
  collector::ProbeResult tcp;
  tcp.service = "db";
  tcp.kind = config::ProbeKind::kTcp;
  tcp.success = true;
  metrics.Update(tcp);
  const std::string text = Scrape(metrics);
  EXPECT_THAT(text, HasSubstr("probe_success{service=\"www\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("probe_http_status_code{service=\"www\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("probe_success{service=\"db\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("probe_http_status_code{service=\"db\"}")));
  EXPECT_THAT(text, Not(HasSubstr("probe_ssl_earliest_cert_expiry")));
  metrics.Remove("db");
  EXPECT_THAT(Scrape(metrics), Not(HasSubstr("service=\"db\"")));
}

}  // namespace
}  // namespace steadystate::exporters
