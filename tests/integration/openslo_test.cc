// OpenSLO equivalence end to end: one daemon reads the SLOs of tests/data/openslo/native.yaml
// natively, another reads base.yaml (the same service without `slos:`) plus the OpenSLO file
// checkout.yaml through `slo_files:`. Both probe the same local HTTP target. Once both have
// probe data, their /api/v1/services bodies must describe the same services and SLOs.
//
// What is compared, and why: the two daemons start and probe at different instants, so any
// value that depends on when a probe ran, how long it took or when the round was evaluated
// may differ between them however equal their SLOs are. Those values are masked (replaced by
// "varies", so that the key must still be present in both):
//   evaluated_at; per SLO good, total, sli, error_budget_remaining_ratio/_seconds,
//   error_budget_exhausted, met, every burn rate, and the start/end of rolling windows (they
//   end at the evaluation instant); the whole last_probe object's values.
// Everything else must be equal, as JSON: service name and critical flag, the SLO list and
// its order, each SLO's name, objective, budgeting, window kind (rolling length, or calendar
// and time zone, with the calendar window's start/end, which depend only on the date),
// threshold_seconds, the set of burn-rate lookbacks and no_data; and the set of keys at every
// level (nothing present in one and not the other). That both have data is checked first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/daemon.h"
#include "tests/support/probe_targets.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;

constexpr auto kDeadline = std::chrono::seconds(60);

std::string ReadFixture(const std::string& name) {
  std::ifstream in(SourceDir() + "/tests/data/openslo/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces the one occurrence of `from` in `text`; fails the test when it is not there.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture no longer contains: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The fixture aimed at `target`, probing every second so both daemons soon have data.
std::string Aim(std::string config, const HttpTarget& target) {
  config = Replace(std::move(config), "http://127.0.0.1:8080/health", target.Url("/ok"));
  config = Replace(std::move(config), "interval: 10s", "interval: 1s");
  return Replace(std::move(config), "timeout: 2s", "timeout: 900ms");
}

void Mask(json& object, const std::string& key) {
  if (object.is_object() && object.contains(key)) object[key] = "varies";
}

// /api/v1/services with the timing-dependent values listed at the top of this file masked.
json Comparable(json body) {
  Mask(body, "evaluated_at");
  for (json& service : body["services"]) {
    for (auto& [key, value] : service["last_probe"].items()) value = "varies";
    for (json& slo : service["slos"]) {
      for (const char* key : {"good", "total", "sli", "error_budget_remaining_ratio",
                              "error_budget_remaining_seconds", "error_budget_exhausted", "met"}) {
        Mask(slo, key);
      }
      for (auto& [lookback, value] : slo["burn_rates"].items()) value = "varies";
      if (slo["window"].contains("rolling")) {
        Mask(slo["window"], "start");
        Mask(slo["window"], "end");
      }
    }
  }
  return body;
}

// True when the body lists services, each with a last probe and data for every SLO.
bool HasData(const std::optional<json>& body) {
  if (!body || !body->is_object() || !body->contains("services")) return false;
  const json& services = body->at("services");
  if (services.empty()) return false;
  for (const json& service : services) {
    if (!service.at("last_probe").is_object()) return false;
    for (const json& slo : service.at("slos")) {
      if (slo.at("no_data") != false) return false;
    }
  }
  return true;
}

std::optional<json> Services(const RunningDaemon& daemon) {
  auto res = daemon.Client().Get("/api/v1/services");
  if (!res || res->status != 200) return std::nullopt;
  return json::parse(res->body, nullptr, /*allow_exceptions=*/false);
}

TEST(OpenSlo, FileAndNativeConfigServeIdenticalServices) {
  HttpTarget target;
  TempDir native_dir;
  TempDir openslo_dir;
  const std::string native_config = Aim(ReadFixture("native.yaml"), target);
  const std::string openslo_config =
      Aim(Replace(ReadFixture("base.yaml"), "slo_files: [checkout.yaml]",
                  "slo_files: [\"" + SourceDir() + "/tests/data/openslo/checkout.yaml\"]"),
          target);
  RunningDaemon native(native_dir, TestConfig(native_config));
  RunningDaemon openslo(openslo_dir, TestConfig(openslo_config));
  ASSERT_TRUE(native.WaitReady()) << native.process().Stderr();
  ASSERT_TRUE(openslo.WaitReady()) << openslo.process().Stderr();

  std::optional<json> from_native;
  std::optional<json> from_openslo;
  ASSERT_TRUE(WaitFor(
      [&] {
        from_native = Services(native);
        from_openslo = Services(openslo);
        return HasData(from_native) && HasData(from_openslo);
      },
      kDeadline))
      << "native: " << (from_native ? from_native->dump() : "none")
      << "\nopenslo: " << (from_openslo ? from_openslo->dump() : "none");

  // The OpenSLO file defines four SLOs of one service; both daemons serve all four.
  ASSERT_EQ((*from_native)["services"].size(), 1u);
  const json& slos = (*from_native)["services"][0]["slos"];
  ASSERT_EQ(slos.size(), 4u);
  EXPECT_EQ(slos[0]["name"], "availability");
  EXPECT_EQ(slos[1]["threshold_seconds"], 0.3);
  EXPECT_EQ(slos[2]["window"]["calendar"], "month");
  EXPECT_EQ(slos[3]["budgeting"], "timeslices");
  for (const json& slo : (*from_openslo)["services"][0]["slos"]) {
    EXPECT_TRUE(slo["sli"].is_number()) << slo.dump();
  }

  EXPECT_EQ(Comparable(*from_native).dump(2), Comparable(*from_openslo).dump(2));
}

}  // namespace
}  // namespace steadystate::test_support
