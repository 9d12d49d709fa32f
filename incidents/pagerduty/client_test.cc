#include "incidents/pagerduty/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/fake_pagerduty.h"

namespace steadystate::incidents::pagerduty {
namespace {

using steadystate::test_support::FakePagerDuty;
using steadystate::test_support::FakePdFault;
using ::testing::HasSubstr;
using ::testing::Not;

using Params = std::vector<std::pair<std::string, std::string>>;
const Params kWindow{{"since", "2026-11-01T00:00:00Z"}, {"until", "2026-11-02T00:00:00Z"}};

class ClientTest : public ::testing::Test {
 protected:
  PagerDutyClient Make(std::string token = "pd-test-token") {
    PagerDutyClientOptions options;
    options.base_url = fake_.url();
    return PagerDutyClient(options, std::move(token), *http_, clock_, bucket_);
  }

  FakePagerDuty fake_;
  FakeClock clock_;
  TokenBucket bucket_{clock_, kPagerDutyRequestsPerMinute};
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
};

TEST_F(ClientTest, SendsTokenAndVersionHeaders) {
  auto client = Make();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  auto requests = fake_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].authorization, "Token token=pd-test-token");
  EXPECT_EQ(requests[0].params.find("since")->second, "2026-11-01T00:00:00Z");
}

TEST_F(ClientTest, UnauthorizedIsAReplyWithTheErrorBodyAndNoToken) {
  auto client = Make("wrong-secret-token");
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401);
  ASSERT_TRUE(reply->error.has_value());
  EXPECT_EQ(reply->error->code, 2006);
  EXPECT_EQ(fake_.Requests().size(), 1u);  // not retried
}

TEST_F(ClientTest, RateLimitedWithResetWaitsThatLong) {
  fake_.Script({FakePdFault::Kind::kRateLimited, 7});
  auto client = Make();
  const auto before = clock_.Monotonic();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_GE(clock_.Monotonic() - before, std::chrono::seconds(7));
  EXPECT_EQ(client.stats().rate_limited, 1);
  EXPECT_EQ(fake_.Requests().size(), 2u);
}

TEST_F(ClientTest, RateLimitedWithoutHeadersBacksOffExponentially) {
  for (int i = 0; i < 3; ++i) fake_.Script({FakePdFault::Kind::kRateLimited, -1});
  auto client = Make();
  std::vector<std::string> retries;
  client.set_on_retry([&](const std::string& line) { retries.push_back(line); });
  const auto before = clock_.Monotonic();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  // 1 s, 2 s, 4 s steps with equal jitter: at least half of each.
  EXPECT_GE(clock_.Monotonic() - before, std::chrono::milliseconds(500 + 1000 + 2000));
  ASSERT_EQ(retries.size(), 3u);
  EXPECT_THAT(retries[0], HasSubstr("HTTP 429: Rate Limit Exceeded (code 2020)"));
}

TEST_F(ClientTest, ServerErrorsAreRetriedABoundedNumberOfTimes) {
  for (int i = 0; i < 10; ++i) fake_.Script({FakePdFault::Kind::kServerError});
  auto client = Make();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_FALSE(reply.ok());
  EXPECT_THAT(reply.error().message, HasSubstr("HTTP 500: Internal Server Error"));
  EXPECT_THAT(reply.error().message, HasSubstr("gave up after 6 attempts"));
  EXPECT_THAT(reply.error().message, Not(HasSubstr("pd-test-token")));
  EXPECT_EQ(fake_.Requests().size(), 6u);
}

TEST_F(ClientTest, TruncatedBodyIsRetried) {
  fake_.Script({FakePdFault::Kind::kTruncated});
  auto client = Make();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(fake_.Requests().size(), 2u);
}

TEST_F(ClientTest, SlowResponseTimesOutAndIsRetried) {
  fake_.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1500)});
  PagerDutyClientOptions options;
  options.base_url = fake_.url();
  options.timeout = std::chrono::milliseconds(300);
  PagerDutyClient client(options, "pd-test-token", *http_, clock_, bucket_);
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(client.stats().retries, 1);
}

TEST_F(ClientTest, EchoedTokenIsRedactedFromRetryLinesErrorsAndReplies) {
  FakePdFault echo_500{FakePdFault::Kind::kEchoCredentials};
  echo_500.status = 500;
  FakePdFault echo_400{FakePdFault::Kind::kEchoCredentials};
  echo_400.status = 400;
  fake_.Script(echo_500);
  fake_.Script(echo_400);
  auto client = Make("pd-client-secret-a41f");
  std::vector<std::string> retries;
  client.set_on_retry([&](const std::string& line) { retries.push_back(line); });
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 400);
  ASSERT_TRUE(reply->error.has_value());
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_THAT(retries[0], HasSubstr("HTTP 500: Invalid Input Provided: Authorization: Token "
                                    "[redacted] (code 2001)"));
  EXPECT_THAT(retries[0], Not(HasSubstr("pd-client-secret-a41f")));
  EXPECT_THAT(reply->error->ToString(), Not(HasSubstr("pd-client-secret-a41f")));
  EXPECT_THAT(reply->error->ToString(), HasSubstr("token [redacted] is not valid here"));

  // Given up after retries: the error carries the last (redacted) problem.
  for (int i = 0; i < 6; ++i) fake_.Script(echo_500);
  auto failed = client.Get("/incidents", kWindow);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message, HasSubstr("gave up after 6 attempts"));
  EXPECT_THAT(failed.error().message, Not(HasSubstr("pd-client-secret-a41f")));
}

TEST_F(ClientTest, AnHourLongRateLimitWaitEndsWhenStopped) {
  StopSignal stop;
  PagerDutyClientOptions options;
  options.base_url = fake_.url();
  options.stop = &stop;
  PagerDutyClient client(options, "pd-test-token", *http_, clock_, bucket_);
  // SIGTERM arrives as the client starts its wait.
  client.set_on_retry([&](const std::string&) { stop.Stop(); });
  fake_.Script({FakePdFault::Kind::kRateLimited, 3600});
  const auto before = clock_.Monotonic();
  auto reply = client.Get("/incidents", kWindow);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(reply.error().message, "PagerDuty GET /incidents: stopped: shutting down");
  EXPECT_LT(clock_.Monotonic() - before, std::chrono::seconds(1));
  EXPECT_EQ(fake_.Requests().size(), 1u);
}

TEST(TokenBucket, APauseEndsWhenStopped) {
  FakeClock clock;
  StopSignal stop;
  TokenBucket bucket(clock, 960, &stop);
  EXPECT_TRUE(bucket.Acquire());
  bucket.PauseUntil(clock.Monotonic() + std::chrono::hours(1));
  stop.Stop();
  const auto before = clock.Monotonic();
  EXPECT_FALSE(bucket.Acquire());
  EXPECT_EQ(clock.Monotonic(), before);
}

TEST(TokenBucket, PacesRequestsAtTheRate) {
  FakeClock clock;
  TokenBucket bucket(clock, 960);
  const auto start = clock.Monotonic();
  for (int i = 0; i < 961; ++i) bucket.Acquire();
  // 961 requests need 960 gaps of 62.5 ms: exactly one minute.
  EXPECT_EQ(clock.Monotonic() - start, std::chrono::minutes(1));
}

TEST(TokenBucket, AnnouncedLowerLimitAndPausesAreHonoured) {
  FakeClock clock;
  TokenBucket bucket(clock, 960);
  bucket.LimitTo(60);
  EXPECT_EQ(bucket.requests_per_minute(), 60);
  bucket.LimitTo(5000);
  EXPECT_EQ(bucket.requests_per_minute(), 960);  // never above the configured rate
  bucket.LimitTo(60);
  const auto start = clock.Monotonic();
  bucket.Acquire();
  bucket.Acquire();
  EXPECT_EQ(clock.Monotonic() - start, std::chrono::seconds(1));
  bucket.PauseUntil(clock.Monotonic() + std::chrono::seconds(30));
  bucket.Acquire();
  EXPECT_EQ(clock.Monotonic() - start, std::chrono::seconds(31));
}

TEST(UrlEncode, EscapesReservedCharacters) {
  EXPECT_EQ(UrlEncode("2026-11-01T00:00:00+01:00"), "2026-11-01T00%3A00%3A00%2B01%3A00");
  EXPECT_EQ(UrlEncode("statuses[]"), "statuses%5B%5D");
}

}  // namespace
}  // namespace steadystate::incidents::pagerduty
