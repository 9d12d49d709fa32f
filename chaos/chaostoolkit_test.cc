#include "chaos/chaostoolkit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/time.h"
#include "tests/support/process.h"

namespace steadystate::chaos {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Journal(const std::string& name) {
  std::ifstream in(steadystate::test_support::SourceDir() + "/tests/data/chaostoolkit/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Timestamp T(const char* text) { return *ParseRfc3339(text); }

TEST(ChaosToolkitJournal, NetemWindowRunsFromTheFirstActionToTheJournalEnd) {
  auto a = ParseChaosToolkitJournal(Journal("netem-latency.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->source, "chaostoolkit");
  EXPECT_EQ(a->name, "Checkout survives 300ms of latency to the payment API");
  EXPECT_EQ(a->type, "latency");  // from the tc netem provider; the tags name no fault
  // Not the journal's start (10:00:00.103) but the first action's.
  EXPECT_EQ(a->start, T("2026-11-20T10:00:00.200Z"));
  // The journal's end, after the rollback removed the netem rule.
  EXPECT_EQ(*a->end, T("2026-11-20T10:01:00.800Z"));
  EXPECT_EQ(a->outcome, "completed");
  EXPECT_EQ(a->steady_state, "held");
  EXPECT_EQ(a->created_by, "chaos-runner-1");
  ASSERT_EQ(a->steps.size(), 2u);
  EXPECT_EQ(a->steps[0].name, "add-latency");
  EXPECT_EQ(a->steps[0].type, "action");
  EXPECT_EQ(a->steps[0].status, "succeeded");
  EXPECT_EQ(*a->steps[0].end, T("2026-11-20T10:00:00.250Z"));
  EXPECT_EQ(a->steps[1].type, "probe");
  EXPECT_EQ(a->source_id.size(), 16u);
}

TEST(ChaosToolkitJournal, OlderJournalsWithoutOffsetAreUtcAndDeviatedIsBroken) {
  auto a = ParseChaosToolkitJournal(Journal("stress-cpu-old.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->type, "cpu");  // stress-ng --cpu
  EXPECT_EQ(a->start, T("2026-11-21T08:30:01.500Z"));
  EXPECT_EQ(*a->end, T("2026-11-21T08:32:05Z"));  // no fraction at all
  EXPECT_EQ(a->outcome, "failed");
  EXPECT_EQ(a->steady_state, "broken");
}

TEST(ChaosToolkitJournal, AbortedIsFailedAndTagsNameTheType) {
  auto a = ParseChaosToolkitJournal(Journal("iptables-aborted.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->type, "blackhole");
  EXPECT_EQ(a->outcome, "failed");
  EXPECT_EQ(a->steady_state, "unknown");  // after: null, not deviated
  EXPECT_EQ(a->start, T("2026-11-22T14:00:01.250Z"));
  ASSERT_EQ(a->steps.size(), 1u);
  EXPECT_EQ(a->steps[0].status, "failed");
}

TEST(ChaosToolkitJournal, InterruptedIsHalted) {
  auto a = ParseChaosToolkitJournal(Journal("interrupted.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->type, "memory");
  EXPECT_EQ(a->outcome, "halted");
  EXPECT_THAT(a->halted_reason, HasSubstr("interrupted"));
  EXPECT_EQ(*a->end, T("2026-11-23T09:03:10.250Z"));
}

TEST(ChaosToolkitJournal, WithoutActionsTheWindowStartsAtTheJournalStart) {
  auto a = ParseChaosToolkitJournal(Journal("probes-only.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->start, T("2026-11-24T12:00:00Z"));
  EXPECT_EQ(a->type, "other");
  EXPECT_EQ(a->steady_state, "held");
}

TEST(ChaosToolkitJournal, TypeOverrideWins) {
  auto a = ParseChaosToolkitJournal(Journal("netem-latency.json"), "packet_loss");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->type, "packet_loss");
  auto bad = ParseChaosToolkitJournal(Journal("netem-latency.json"), "nuke");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("--type: \"nuke\""));
}

TEST(ChaosToolkitJournal, SameJournalSameSourceId) {
  auto a = ParseChaosToolkitJournal(Journal("netem-latency.json"));
  auto b = ParseChaosToolkitJournal(Journal("netem-latency.json"));
  auto c = ParseChaosToolkitJournal(Journal("interrupted.json"));
  EXPECT_EQ(a->source_id, b->source_id);
  EXPECT_NE(a->source_id, c->source_id);
}

TEST(ChaosToolkitJournal, MalformedAndTruncatedJournalsNameTheProblem) {
  const std::string good = Journal("netem-latency.json");
  EXPECT_THAT(ParseChaosToolkitJournal(good.substr(0, good.size() / 2)).error().message,
              HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseChaosToolkitJournal("[]").error().message, HasSubstr("JSON object"));
  EXPECT_THAT(ParseChaosToolkitJournal(R"({"start":"2026-11-20T10:00:00"})").error().message,
              HasSubstr("experiment: required"));
  EXPECT_THAT(
      ParseChaosToolkitJournal(R"({"experiment":{"title":"x"},"start":"2026-11-20T10:00:00"})")
          .error()
          .message,
      HasSubstr("end: required"));
  EXPECT_THAT(ParseChaosToolkitJournal(
                  R"({"experiment":{"title":"x"},"start":"yesterday","end":"2026-11-20T10:00:00"})")
                  .error()
                  .message,
              HasSubstr("start:"));
  EXPECT_THAT(ParseChaosToolkitJournal(R"({"experiment":{"title":"x"},"start":"2026-11-20T10:00:00",
                 "end":"2026-11-20T10:01:00","status":"exploded"})")
                  .error()
                  .message,
              HasSubstr("status: \"exploded\""));
  EXPECT_THAT(ParseChaosToolkitJournal(R"({"experiment":{"title":"x"},"start":"2026-11-20T10:00:00",
                 "end":"2026-11-20T10:01:00","status":"completed","run":[{"activity":{"type":"action"},
                 "start":"bad"}]})")
                  .error()
                  .message,
              HasSubstr("run[0].start"));
}

TEST(AttackTypeFromText, NamesKnownFaults) {
  EXPECT_EQ(AttackTypeFromText("stress-ng --cpu 4 --timeout 60s"), "cpu");
  EXPECT_EQ(AttackTypeFromText("stress-ng --vm 2 --vm-bytes 1G"), "memory");
  EXPECT_EQ(AttackTypeFromText("tc qdisc add dev eth0 root netem loss 10%"), "packet_loss");
  EXPECT_EQ(AttackTypeFromText("tc qdisc add dev eth0 root netem corrupt 5%"), "corruption");
  EXPECT_EQ(AttackTypeFromText("tc qdisc add dev eth0 root netem delay 100ms"), "latency");
  EXPECT_EQ(AttackTypeFromText("iptables -A INPUT -p tcp --dport 80 -j DROP"), "blackhole");
  EXPECT_EQ(AttackTypeFromText("openssl speed -multi 4"), "cpu");
  EXPECT_EQ(AttackTypeFromText("chaosk8s.pod.actions terminate_pods"), "process_killer");
  EXPECT_EQ(AttackTypeFromText("payments"), "");
  EXPECT_EQ(AttackTypeFromText("DNS"), "dns");
}

}  // namespace
}  // namespace steadystate::chaos
