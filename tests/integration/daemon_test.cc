// The daemon's lifecycle, end to end on the real binary: serving, signals, the DB lock,
// and durability of acknowledged writes across kill -9.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/prom_text.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kExitDeadline = std::chrono::seconds(5);

TEST(Daemon, ServesMetricsHealthAndReadiness) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics->body, HasSubstr("steadystate_build_info{"));
  EXPECT_THAT(metrics->body, HasSubstr("steadystate_store_write_errors_total 0"));

  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  auto missing = client.Get("/no/such/page");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body)["error"], "not found");
}

TEST(Daemon, SigtermExitsZeroAndReleasesTheLock) {
  TempDir dir;
  {
    RunningDaemon first(dir, TestConfig());
    ASSERT_TRUE(first.WaitReady()) << first.process().Stderr();
    first.process().Signal(SIGTERM);
    auto result = first.process().Wait(kExitDeadline);
    ASSERT_TRUE(result) << "did not exit within 5 s of SIGTERM";
    EXPECT_EQ(result->exit_code, 0) << result->err;
  }
  RunningDaemon second(dir, TestConfig());
  EXPECT_TRUE(second.WaitReady()) << second.process().Stderr();
}

TEST(Daemon, SecondDaemonOnTheSameDataNamesTheHolder) {
  TempDir dir;
  RunningDaemon first(dir, TestConfig());
  ASSERT_TRUE(first.WaitReady()) << first.process().Stderr();

  auto r = test_support::Run(
      {SteadystateBinary(), "serve", "--config", first.config_path(), "--data", dir / "data"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("already in use by PID " + std::to_string(first.process().pid())));
}

TEST(Daemon, SighupWithABrokenConfigKeepsServingTheOldOne) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();

  dir.Write("steadystate.yaml", "host:\n  interval: soon\n");
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("reload failed") != std::string::npos;
  })) << daemon.process().Stderr();
  EXPECT_THAT(daemon.process().Stderr(), HasSubstr("host.interval: \"soon\" is not a duration"));
  auto health = daemon.Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  dir.Write("steadystate.yaml", TestConfig());
  daemon.process().Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([&] {
    return daemon.process().Stderr().find("config reloaded") != std::string::npos;
  })) << daemon.process().Stderr();
  EXPECT_TRUE(daemon.process().Running());
}

TEST(Daemon, KillNineLosesNoAcknowledgedWrite) {
  TempDir dir;
  std::set<std::string> acknowledged;
  {
    RunningDaemon daemon(dir, TestConfig());
    ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
    auto client = daemon.Client();
    for (int i = 0; i < 50; ++i) {
      std::string body = R"({"type":"cpu","name":"burn )" + std::to_string(i) +
                         R"(","targets":["web-1"],"services":["www"],"created_by":"test"})";
      auto res = client.Post("/api/v1/attacks", body, "application/json");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 201) << res->body;
      std::string id = nlohmann::json::parse(res->body)["id"];
      acknowledged.insert(id);
      if (i % 2 == 0) {
        auto ended = client.Post("/api/v1/attacks/" + id + "/end", R"({"outcome":"completed"})",
                                 "application/json");
        ASSERT_TRUE(ended);
        ASSERT_EQ(ended->status, 200) << ended->body;
      }
    }
    daemon.process().Signal(SIGKILL);
    ASSERT_TRUE(daemon.process().Wait(kExitDeadline));
  }
  RunningDaemon restarted(dir, TestConfig());
  ASSERT_TRUE(restarted.WaitReady()) << restarted.process().Stderr();
  auto res = restarted.Client().Get("/api/v1/attacks");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  auto attacks = nlohmann::json::parse(res->body);
  std::set<std::string> found;
  int completed = 0;
  for (const auto& a : attacks) {
    found.insert(a["id"].get<std::string>());
    if (a["outcome"] == "completed") ++completed;
  }
  EXPECT_EQ(found, acknowledged);
  EXPECT_EQ(completed, 25);
}

TEST(Daemon, AttackApiRejectsBadInputWithoutWriting) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();

  auto bad_type = client.Post("/api/v1/attacks", R"({"type":"meteor"})", "application/json");
  ASSERT_TRUE(bad_type);
  EXPECT_EQ(bad_type->status, 400);
  EXPECT_THAT(nlohmann::json::parse(bad_type->body)["error"].get<std::string>(),
              HasSubstr("type: \"meteor\" is not an attack type"));

  auto not_json = client.Post("/api/v1/attacks", "{", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);

  auto unknown =
      client.Post("/api/v1/attacks", R"({"type":"cpu","colour":"red"})", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_THAT(unknown->body, HasSubstr("unknown field \\\"colour\\\""));

  std::string huge(11u << 20, ' ');
  auto too_big = client.Post("/api/v1/attacks", huge, "application/json");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);

  auto no_such = client.Post("/api/v1/attacks/NOPE/end", "", "application/json");
  ASSERT_TRUE(no_such);
  EXPECT_EQ(no_such->status, 404);

  auto list = client.Get("/api/v1/attacks");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body, "[]");
}

TEST(Daemon, WriteEndpointsNeedTheBearerTokenWhenOneIsConfigured) {
  TempDir dir;
  RunningDaemon daemon(dir,
                       "server: {listen: \"127.0.0.1:0\", api_token_env: STEADYSTATE_TEST_TOKEN}\n",
                       {{"STEADYSTATE_TEST_TOKEN", "s3cret-token"}});
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto denied = client.Post("/api/v1/attacks", R"({"type":"cpu"})", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  httplib::Headers headers{{"Authorization", "Bearer s3cret-token"}};
  auto allowed = client.Post("/api/v1/attacks", headers, R"({"type":"cpu"})", "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 201) << allowed->body;
  EXPECT_THAT(daemon.process().Stderr(), Not(HasSubstr("s3cret-token")));
}

TEST(Daemon, RoutesAnswer404405WithAllowAndHeadAsGet) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto missing = client.Get("/api/v1/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"error":"not found"})");
  auto wrong_method = client.Post("/api/v1/services", "{}", "application/json");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->get_header_value("Allow"), "GET");
  auto get = client.Get("/api/v1/services");
  auto head = client.Head("/api/v1/services");
  ASSERT_TRUE(get);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Type"), get->get_header_value("Content-Type"));
}

TEST(Daemon, AttacksExportAsCsvWithTheContractColumns) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto res = client.Post("/api/v1/attacks",
                         R"({"type":"latency","name":"slow, then slower","targets":["a","b"]})",
                         "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201);
  auto csv = client.Get("/api/v1/attacks?format=csv");
  ASSERT_TRUE(csv);
  EXPECT_THAT(csv->body,
              HasSubstr("id,source,source_id,type,targets,services,start,end,created_by,name,"
                        "outcome,steady_state,halted_reason,reproduces\n"));
  EXPECT_THAT(csv->body, HasSubstr(",api,,latency,a;b,,"));
  EXPECT_THAT(csv->body, HasSubstr(",\"slow, then slower\",running,unknown,,\n"));
}

// The shared objects a process has mapped, from /proc/PID/maps.
std::string MappedFiles(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str();
}

// libcurl (and the TLS, Kerberos and LDAP libraries it pulls in) is loaded only when needed:
// a daemon with nothing to send or probe never maps it; one with an HTTP probe does, and
// the probe works; one with a remote notifier loads it at start.
TEST(Daemon, LoadsLibcurlOnlyWhenItNeedsIt) {
  TempDir quiet_dir;
  RunningDaemon quiet(quiet_dir, TestConfig());
  ASSERT_TRUE(quiet.WaitReady()) << quiet.process().Stderr();
  auto quiet_client = quiet.Client();
  ASSERT_TRUE(quiet_client.Get("/metrics"));
  const std::string quiet_maps = MappedFiles(quiet.process().pid());
  ASSERT_THAT(quiet_maps, HasSubstr("libstdc++"));  // the maps were really read
  EXPECT_THAT(quiet_maps, Not(HasSubstr("libcurl")));
  // libcurl's OpenSSL and LDAP; GnuTLS is mapped anyway, by libmicrohttpd (never used).
  EXPECT_THAT(quiet_maps, Not(HasSubstr("libssl")));
  EXPECT_THAT(quiet_maps, Not(HasSubstr("libldap")));

  TempDir dir;
  FakeReceiver target(FakeResponse::Status(200, "ok"));
  RunningDaemon probing(dir, TestConfig("services:\n"
                                        "  - name: www\n"
                                        "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
                                        target.url() + "/health\"}}\n"));
  ASSERT_TRUE(probing.WaitReady()) << probing.process().Stderr();
  auto client = probing.Client();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto metrics = client.Get("/metrics");
        return metrics && SampleValue(metrics->body, "probe_success{service=\"www\"}") == 1.0;
      },
      std::chrono::seconds(30)))
      << probing.process().Stderr();
  EXPECT_THAT(MappedFiles(probing.process().pid()), HasSubstr("libcurl"));

  // A remote notifier loads it at start, so the first page does not wait for it.
  TempDir hook_dir;
  FakeReceiver hook(FakeResponse::Status(200));
  RunningDaemon notifying(hook_dir, TestConfig("notifiers:\n"
                                               "  - {name: hook, webhook: {url: \"" +
                                               hook.url() + "/hook\"}}\n"));
  ASSERT_TRUE(notifying.WaitReady()) << notifying.process().Stderr();
  EXPECT_THAT(MappedFiles(notifying.process().pid()), HasSubstr("libcurl"));
}

}  // namespace
}  // namespace steadystate::test_support
