#include "common/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Redactor, RemovesEveryRegisteredSecretWhereverItOccurs) {
  Redactor redactor;
  redactor.Register("pd-secret-7f3a9c");
  redactor.Register("https://hooks.slack.com/services/T0/B0/xyz");
  EXPECT_EQ(redactor.Redact("Invalid token pd-secret-7f3a9c given; pd-secret-7f3a9c again"),
            "Invalid token [redacted] given; [redacted] again");
  EXPECT_EQ(redactor.Redact("inside xpd-secret-7f3a9cx too"), "inside x[redacted]x too");
  EXPECT_EQ(redactor.Redact("posting to https://hooks.slack.com/services/T0/B0/xyz failed"),
            "posting to [redacted] failed");
}

TEST(Redactor, RemovesTheFormsASecretTakesInJsonAndUrls) {
  Redactor redactor;
  redactor.Register("https://hooks.slack.com/services/T0/B0/xyz");
  redactor.Register("key with \"quote\"");
  EXPECT_EQ(redactor.Redact(R"({"url":"https:\/\/hooks.slack.com\/services\/T0\/B0\/xyz"})"),
            R"({"url":"[redacted]"})");
  EXPECT_EQ(redactor.Redact("?u=https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0%2FB0%2Fxyz&x=1"),
            "?u=[redacted]&x=1");
  EXPECT_EQ(redactor.Redact(R"({"k":"key with \"quote\""})"), R"({"k":"[redacted]"})");
}

TEST(Redactor, RemovesALongerSecretBeforeAShorterOneInsideIt) {
  Redactor redactor;
  redactor.Register("abcdefgh");
  redactor.Register("abcdefgh-ijklmnop");
  EXPECT_EQ(redactor.Redact("x abcdefgh-ijklmnop y"), "x [redacted] y");
}

TEST(Redactor, RemovesAShortSecretOnlyWhereItStandsAlone) {
  Redactor redactor;
  redactor.Register("ab1");
  EXPECT_EQ(redactor.Redact("key ab1 was refused (ab1)"),
            "key [redacted] was refused ([redacted])");
  // Part of a longer word: kept, or every "ab1..." in the text would be cut.
  EXPECT_EQ(redactor.Redact("tab1 ab12 ab1-x x.ab1"), "tab1 ab12 ab1-x x.ab1");
}

TEST(Redactor, IgnoresEmptySecrets) {
  Redactor redactor;
  redactor.Register("");
  EXPECT_EQ(redactor.Redact("nothing to hide"), "nothing to hide");
}

TEST(Redactor, RemovesAuthorizationValuesItNeverSaw) {
  Redactor redactor;
  EXPECT_EQ(redactor.Redact("Invalid request: Authorization: Token token=y_NbAkKc66ryYTWUXYEu"),
            "Invalid request: Authorization: Token [redacted]");
  EXPECT_EQ(redactor.Redact(R"({"headers":{"authorization":"Bearer eyJhbGciOi.x.y","a":1}})"),
            R"({"headers":{"authorization":"Bearer [redacted]","a":1}})");
  EXPECT_EQ(redactor.Redact(R"({\"Authorization\": \"Key k-123\"})"),
            R"({\"Authorization\": \"Key [redacted]\"})");
  EXPECT_EQ(redactor.Redact("AUTHORIZATION=opaque-value\nnext line"),
            "AUTHORIZATION=[redacted]\nnext line");
  EXPECT_EQ(redactor.Redact("sent Bearer abc.def-123 to the API"),
            "sent Bearer [redacted] to the API");
  EXPECT_EQ(redactor.Redact("Token token=abc123, then"), "Token token=[redacted], then");
  EXPECT_EQ(redactor.Redact("/hook?access_token=s3cr3t&x=1 password=hunter2"),
            "/hook?access_token=[redacted]&x=1 password=[redacted]");
  EXPECT_EQ(redactor.Redact("push to https://user:pa55@gateway:9091/metrics"),
            "push to https://[redacted]@gateway:9091/metrics");
}

TEST(Redactor, LeavesTextWithoutCredentialsAlone) {
  Redactor redactor;
  for (const char* text : {
           "missing or wrong bearer token (Authorization: Bearer <token>)",
           "missing Authorization header",
           "GET https://api.pagerduty.com/incidents?offset=0 pageToken=abc",
           "HTTP 429: Rate Limit Exceeded (code 2020)",
           "",
       }) {
    EXPECT_EQ(redactor.Redact(text), text);
  }
}

TEST(Redactor, IsIdempotent) {
  Redactor redactor;
  redactor.Register("pd-secret-7f3a9c");
  const std::string once =
      redactor.Redact("Authorization: Token token=pd-secret-7f3a9c; Bearer pd-secret-7f3a9c");
  EXPECT_EQ(once, "Authorization: Token [redacted]; Bearer [redacted]");
  EXPECT_EQ(redactor.Redact(once), once);
}

TEST(Redact, UsesTheProcessRedactor) {
  RegisterSecret("process-wide-secret-42");
  EXPECT_THAT(Redact("echo: process-wide-secret-42"), Not(HasSubstr("process-wide-secret-42")));
}

}  // namespace
}  // namespace steadystate
