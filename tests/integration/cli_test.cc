// The CLI contract of DESIGN.md §6: help, version, check-config, config default, and
// exit codes 0 (ok), 1 (runtime failure), 2 (usage or invalid input).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace steadystate::test_support {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ProcessResult Steadystate(std::vector<std::string> args,
                          std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args), std::move(env));
}

TEST(Cli, HelpListsCommandsAndExitsZero) {
  auto r = Steadystate({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("serve"));
  EXPECT_THAT(r.out, HasSubstr("check-config"));
  EXPECT_THAT(r.out, HasSubstr("config"));
}

TEST(Cli, VersionPrintsVersion) {
  auto r = Steadystate({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("steadystate 0."));
}

TEST(Cli, UnknownCommandOrFlagExitsTwo) {
  auto r = Steadystate({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("frobnicate"));
  r = Steadystate({"serve", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--no-such-flag"));
}

TEST(Cli, NoCommandPrintsUsageAndExitsTwo) {
  auto r = Steadystate({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("serve"));
}

TEST(Cli, ConfigDefaultIsAValidConfig) {
  TempDir dir;
  auto r = Steadystate({"config", "default"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("HostCpuHigh"));
  std::string path = dir.Write("default.yaml", r.out);
  auto check = Steadystate({"check-config", path});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(Cli, CheckConfigAcceptsEveryExample) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SourceDir() + "/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = Steadystate({"check-config", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
    EXPECT_THAT(r.out, HasSubstr("ok")) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(Cli, CheckConfigNamesFileLineColumnAndExitsTwo) {
  TempDir dir;
  std::string path = dir.Write("steadystate.yaml",
                               "server:\n"
                               "  listen: 127.0.0.1:9470\n"
                               "host:\n"
                               "  interval: 10\n");
  auto r = Steadystate({"check-config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(path + ":4:13: host.interval: \"10\" is not a duration"));
}

TEST(Cli, CheckConfigOnMissingFileExitsTwoNamingIt) {
  auto r = Steadystate({"check-config", "/nonexistent/steadystate.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/steadystate.yaml"));
}

TEST(Cli, InlineSecretIsRefusedWithoutEchoingIt) {
  TempDir dir;
  std::string path = dir.Write("steadystate.yaml", "server:\n  api_token: hunter2-very-secret\n");
  auto r = Steadystate({"check-config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("api_token_env"));
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2")));
}

TEST(Cli, ServeFailsNamingAMissingSecretVariable) {
  TempDir dir;
  std::string path = dir.Write(
      "steadystate.yaml",
      "server: {listen: \"127.0.0.1:0\", api_token_env: STEADYSTATE_TEST_NO_SUCH_TOKEN}\n");
  auto r = Steadystate({"serve", "--config", path, "--data", dir / "data"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("STEADYSTATE_TEST_NO_SUCH_TOKEN"));
}

}  // namespace
}  // namespace steadystate::test_support

namespace steadystate::test_support {
namespace {

// The fleet rules generated from the full example pass promtool.
TEST(Cli, RulesPrometheusPassesPromtool) {
  TempDir dir;
  // No secrets are needed to generate rules: none of the config's env vars is set.
  auto r = Steadystate({"--config", SourceDir() + "/examples/full.yaml", "rules", "prometheus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("alert: HostCpuHigh"));
  EXPECT_THAT(r.out, HasSubstr("alert: SloBurnRatePage1h5m"));
  const std::string path = dir.Write("rules.yml", r.out);
  auto check = test_support::Run({"/usr/bin/promtool", "check", "rules", path});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(Cli, RulesPrometheusNamesABadConfig) {
  TempDir dir;
  const std::string path = dir.Write("bad.yaml", "alerts: [{name: X, metric: cpu, above: 2}]\n");
  auto r = Steadystate({"--config", path, "rules", "prometheus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml:1:"));
}

}  // namespace
}  // namespace steadystate::test_support
