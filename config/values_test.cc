#include "config/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace steadystate::config {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPort, AcceptsNamesAddressesAndBracketedIpv6) {
  EXPECT_EQ(*ParseHostPort("127.0.0.1:9470"), (HostPort{"127.0.0.1", 9470}));
  EXPECT_EQ(*ParseHostPort("db.internal:5432"), (HostPort{"db.internal", 5432}));
  EXPECT_EQ(*ParseHostPort("0.0.0.0:0"), (HostPort{"0.0.0.0", 0}));
  EXPECT_EQ(*ParseHostPort("[::1]:9470"), (HostPort{"::1", 9470}));
  EXPECT_EQ(ParseHostPort("[::1]:9470")->ToString(), "[::1]:9470");
  EXPECT_EQ(ParseHostPort("localhost:80")->ToString(), "localhost:80");
}

TEST(ParseHostPort, RejectsWithAnExample) {
  for (std::string_view text : {"9470", ":9470", "host:", "host:http", "host:70000", "::1:80",
                                "[::1]", "http://host:80", "a b:80", "[zz]:80", ""}) {
    Result<HostPort> parsed = ParseHostPort(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.error().message,
                HasSubstr("\"" + std::string(text) + "\" is not host:port"));
    EXPECT_THAT(parsed.error().message, HasSubstr("example: 127.0.0.1:9470"));
  }
}

TEST(ParseByteSize, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseByteSize("4MiB"), 4u << 20);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512u << 10);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1u << 30);
  EXPECT_EQ(*ParseByteSize("2TiB"), 2ULL << 40);
  EXPECT_EQ(*ParseByteSize("8MB"), 8'000'000u);
  EXPECT_EQ(*ParseByteSize("1kB"), 1000u);
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(*ParseByteSize("100B"), 100u);
}

TEST(ParseByteSize, RejectsWithExamples) {
  for (std::string_view text :
       {"", "MiB", "4 MiB", "4mib", "4XB", "-1", "1.5GiB", "99999999999999999999", "20000000TiB"}) {
    Result<uint64_t> parsed = ParseByteSize(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.error().message, HasSubstr("is not a size"));
    EXPECT_THAT(parsed.error().message, HasSubstr("examples: 512KiB, 4MiB"));
  }
}

TEST(ParseStatusRange, ReadsOneStatusOrARange) {
  EXPECT_EQ(*ParseStatusRange("204"), (StatusRange{204, 204}));
  EXPECT_EQ(*ParseStatusRange("200-299"), (StatusRange{200, 299}));
  EXPECT_TRUE(ParseStatusRange("200-299")->Contains(250));
  EXPECT_FALSE(ParseStatusRange("200-299")->Contains(300));
  for (std::string_view text : {"", "2xx", "99", "600", "300-200", "200-", "-200", "200-2999"}) {
    EXPECT_FALSE(ParseStatusRange(text).ok()) << text;
  }
}

TEST(CheckHttpUrl, NeedsASchemeAndAHostAndNeverRepeatsTheUrl) {
  for (std::string_view url : {"http://127.0.0.1:9093", "https://hooks.example.com/x?y=1",
                               "https://user:pw@example.com/", "http://[::1]:8080/"}) {
    EXPECT_TRUE(CheckHttpUrl(url).ok()) << url;
  }
  for (std::string_view url : {"hooks.example.com/x", "ftp://example.com/", "https://",
                               "https:///path", "http://:80/", "https://a b/", "http://[]/"}) {
    Status status = CheckHttpUrl(url);
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_THAT(status.error().message, HasSubstr("example: https://hooks.example.com/alerts"))
        << url;
  }
  EXPECT_THAT(CheckHttpUrl("hooks.example.com/T0K3N").error().message,
              testing::Not(HasSubstr("T0K3N")));
}

TEST(CheckName, AllowsLabelSafeNames) {
  for (std::string_view name : {"www", "pd-oncall", "cart_api.v2", "0day"}) {
    EXPECT_TRUE(CheckName(name).ok()) << name;
  }
  for (std::string_view name : {"", "Www", "-www", "web frontend", "a/b"}) {
    EXPECT_FALSE(CheckName(name).ok()) << name;
  }
  EXPECT_TRUE(CheckName(std::string(63, 'a')).ok());
  EXPECT_FALSE(CheckName(std::string(64, 'a')).ok());
}

TEST(DidYouMean, HintsAtCloseCandidatesOnly) {
  std::array<std::string_view, 4> keys{"interval", "timeout", "http", "mountpoints"};
  EXPECT_EQ(EditDistance("intervall", "interval"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(DidYouMean("intervall", keys), " (did you mean \"interval\"?)");
  EXPECT_EQ(DidYouMean("timout", keys), " (did you mean \"timeout\"?)");
  EXPECT_EQ(DidYouMean("mount", keys), " (did you mean \"mountpoints\"?)");
  EXPECT_EQ(DidYouMean("frequency", keys), "");
  EXPECT_EQ(DidYouMean("", keys), "");
}

}  // namespace
}  // namespace steadystate::config
