#include "config/openslo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace steadystate::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kData = std::string(STEADYSTATE_SOURCE_DIR) + "/tests/data/openslo/";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Config Base() {
  Result<Config> config = Parse(R"(
services:
  - name: checkout
    probe: {timeout: 2s, http: {url: "http://127.0.0.1:1/"}}
  - name: noprobe
)",
                                "main.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return *config;
}

void ExpectSameSlo(const SloConfig& a, const SloConfig& b) {
  SCOPED_TRACE(a.name);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.objective_percent, b.objective_percent);  // exactly, not nearly
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.calendar, b.calendar);
  EXPECT_EQ(a.time_zone, b.time_zone);
  EXPECT_EQ(a.threshold, b.threshold);
  EXPECT_EQ(a.budgeting, b.budgeting);
  EXPECT_EQ(a.timeslice, b.timeslice);
  EXPECT_EQ(a.timeslice_objective_percent, b.timeslice_objective_percent);
}

TEST(OpenSlo, FileAndNativeConfigGiveIdenticalSlos) {
  Result<Config> native = LoadFile(kData + "native.yaml");
  ASSERT_TRUE(native.ok()) << native.error().message;
  Result<Config> base = LoadFile(kData + "base.yaml");
  ASSERT_TRUE(base.ok()) << base.error().message;
  Config merged = *base;
  Status loaded = LoadSloFiles(merged);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& want = native->services.at(0).slos;
  const auto& got = merged.services.at(0).slos;
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ExpectSameSlo(got[i], want[i]);
}

TEST(OpenSlo, ParsesTheMapping) {
  Result<std::vector<OpenSloSlo>> slos =
      ParseOpenSlo(Read(kData + "checkout.yaml"), "checkout.yaml", Base());
  ASSERT_TRUE(slos.ok()) << slos.error().message;
  ASSERT_EQ(slos->size(), 4u);
  EXPECT_EQ((*slos)[0].service, "checkout");
  EXPECT_EQ((*slos)[0].where, "checkout.yaml:13:9");
  EXPECT_EQ((*slos)[0].slo.objective_percent, 99.9);
  EXPECT_EQ((*slos)[0].slo.window, std::chrono::days(28));
  EXPECT_EQ((*slos)[1].slo.threshold, std::chrono::milliseconds(300));
  EXPECT_EQ((*slos)[2].slo.calendar, SloCalendar::kMonth);
  EXPECT_EQ((*slos)[2].slo.time_zone, "Europe/Berlin");
  EXPECT_EQ((*slos)[2].slo.objective_percent, 99.95);
  EXPECT_EQ((*slos)[3].slo.budgeting, SloBudgeting::kTimeslices);
  EXPECT_EQ((*slos)[3].slo.timeslice, std::chrono::minutes(5));
  EXPECT_EQ((*slos)[3].slo.timeslice_objective_percent, 95);
}

TEST(OpenSlo, UnsupportedFieldsAreLocatedAndNamed) {
  Result<std::vector<OpenSloSlo>> slos =
      ParseOpenSlo(Read(kData + "unsupported.yaml"), "unsupported.yaml", Base());
  ASSERT_FALSE(slos.ok());
  EXPECT_EQ(slos.error().code, ErrorCode::kInvalidInput);
  const std::string& m = slos.error().message;
  EXPECT_THAT(m, HasSubstr("unsupported.yaml:7:17: spec.indicatorRef: unsupported field "
                           "\"indicatorRef\""));
  EXPECT_THAT(m, HasSubstr("unsupported.yaml:8:20: spec.budgetingMethod: unsupported "
                           "budgetingMethod \"RatioTimeslices\""));
  EXPECT_THAT(m, HasSubstr("unsupported.yaml:9:27: spec.timeWindow[0].duration: unsupported "
                           "calendar duration \"1Y\""));
  EXPECT_THAT(m, HasSubstr("unsupported.yaml:11:18: spec.alertPolicies: unsupported field "
                           "\"alertPolicies\""));
  EXPECT_THAT(m, HasSubstr("unsupported.yaml:14:7: kind: unsupported kind \"AlertPolicy\""));
  EXPECT_THAT(m, StartsWith("unsupported.yaml:7:"));  // sorted by position
}

TEST(OpenSlo, UnknownServiceAndServiceWithoutProbe) {
  const std::string yaml = R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: a}
spec:
  service: nope
  indicator:
    spec:
      ratioMetric:
        good: {metricSource: {type: steadystate, spec: {service: nope, signal: success}}}
        total: {metricSource: {type: prometheus, spec: {service: nope}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: b}
spec:
  service: noprobe
  indicator:
    spec:
      ratioMetric:
        good: {metricSource: {type: steadystate, spec: {service: noprobe, signal: fast}}}
        total: {metricSource: {type: steadystate, spec: {service: noprobe}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives: [{target: 1.5, bogus: 1}]
)";
  Result<std::vector<OpenSloSlo>> slos = ParseOpenSlo(yaml, "x.yaml", Base());
  ASSERT_FALSE(slos.ok());
  const std::string& m = slos.error().message;
  EXPECT_THAT(m, HasSubstr("x.yaml:5:12: spec.service: service \"nope\" is not configured"));
  EXPECT_THAT(m, HasSubstr("x.yaml:10:38: spec.indicator.spec.ratioMetric.total.metricSource."
                           "type: unsupported metric source type \"prometheus\""));
  EXPECT_THAT(m, HasSubstr("x.yaml:18:12: spec.service: service \"noprobe\" has no probe"));
  EXPECT_THAT(m, HasSubstr("spec.indicator.spec.ratioMetric.good.metricSource.spec.signal: "
                           "unsupported signal \"fast\""));
  EXPECT_THAT(m, HasSubstr("x.yaml:25:25: spec.objectives[0].target: \"1.5\" is not between"));
  EXPECT_THAT(m, HasSubstr("spec.objectives[0]: unknown key \"bogus\""));
}

TEST(OpenSlo, WrongApiVersionAndBadYaml) {
  Result<std::vector<OpenSloSlo>> v = ParseOpenSlo(
      "apiVersion: openslo/v2alpha\nkind: Service\nmetadata: {name: checkout}\n", "v.yaml", Base());
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message,
              HasSubstr("v.yaml:1:13: apiVersion: unsupported apiVersion \"openslo/v2alpha\""));
  Result<std::vector<OpenSloSlo>> bad = ParseOpenSlo("---\nkind: [\n", "bad.yaml", Base());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, StartsWith("bad.yaml:"));
  EXPECT_THAT(bad.error().message, HasSubstr("invalid YAML"));
}

TEST(OpenSlo, LoadSloFilesReportsUnreadableFilesAndDuplicates) {
  Result<Config> config = Parse("slo_files: [missing.yaml]\n", "/nonexistent/main.yaml");
  ASSERT_TRUE(config.ok());
  Status status = LoadSloFiles(*config);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message,
              HasSubstr("/nonexistent/main.yaml:1:13: slo_files[0]: cannot read OpenSLO file "
                        "\"/nonexistent/missing.yaml\""));

  Result<Config> native = LoadFile(kData + "native.yaml");
  ASSERT_TRUE(native.ok());
  native->slo_files = {"checkout.yaml"};
  const size_t before = native->services[0].slos.size();
  Status dup = LoadSloFiles(*native);
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.error().message,
              HasSubstr("checkout.yaml:13:9: metadata.name: service \"checkout\" already has an "
                        "SLO named \"availability\""));
  EXPECT_EQ(native->services[0].slos.size(), before);  // unchanged on error
}

}  // namespace
}  // namespace steadystate::config
