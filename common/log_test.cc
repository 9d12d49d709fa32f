#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "common/redact.h"

namespace steadystate {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(JsonEscape, EscapesQuotesAndControlCharacters) {
  EXPECT_EQ(JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

TEST(EscapeControlCharacters, EscapesC0DelAndC1ButKeepsUtf8) {
  EXPECT_EQ(EscapeControlCharacters("a\nb\rc\td\x1b[31me\x7f\x01"),
            "a\\nb\\rc\\td\\x1b[31me\\x7f\\x01");
  EXPECT_EQ(EscapeControlCharacters("\xc2\x9b"
                                    "2J caf\xc3\xa9 \xe2\x9c\x93"),
            "\\u009b2J caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(EscapeControlCharacters("plain \\n stays"), "plain \\n stays");
}

// What the logger configured by SetupLogging writes to stderr for one message.
std::string LoggedLine(LogFormat format, const std::string& message) {
  EXPECT_TRUE(SetupLogging("info", format).ok());
  ::testing::internal::CaptureStderr();
  spdlog::info("attack started: name=\"{}\"", message);
  spdlog::default_logger()->flush();
  return ::testing::internal::GetCapturedStderr();
}

TEST(SetupLogging, TextFormatCannotBeForgedOrColouredByAMessage) {
  const std::string line =
      LoggedLine(LogFormat::kText, "x\n2026-01-01T00:00:00.000Z info forged\x1b[31m red\r");
  EXPECT_THAT(line, MatchesRegex("[0-9T:.Z-]+ info attack started: "
                                 "name=\"x\\\\n2026-01-01T00:00:00.000Z info forged"
                                 "\\\\x1b\\[31m red\\\\r\"\n"));
  EXPECT_THAT(line, Not(HasSubstr("\x1b")));
}

TEST(SetupLogging, JsonFormatKeepsOneEscapedLine) {
  const std::string line = LoggedLine(LogFormat::kJson, "x\nforged\x1b[31m");
  EXPECT_THAT(line, HasSubstr(R"("msg":"attack started: name=\"x\nforged\u001b[31m\""})"));
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(SetupLogging, EveryLineIsRedacted) {
  RegisterSecret("log-test-secret-91c2");
  for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    const std::string line =
        LoggedLine(format, "echo log-test-secret-91c2 Authorization: Token token=unregistered1");
    EXPECT_THAT(line, Not(HasSubstr("log-test-secret-91c2")));
    EXPECT_THAT(line, Not(HasSubstr("unregistered1")));
    EXPECT_THAT(line, HasSubstr("echo [redacted] Authorization: Token [redacted]"));
  }
}

TEST(ProtectDefaultLogger, RedactsAndEscapesWithTheDefaultPattern) {
  ASSERT_TRUE(SetupLogging("info", LogFormat::kText).ok());
  ProtectDefaultLogger();
  RegisterSecret("cli-test-secret-5d7e");
  ::testing::internal::CaptureStderr();
  spdlog::warn("retry: cli-test-secret-5d7e\nforged");
  spdlog::default_logger()->flush();
  const std::string line = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(line, HasSubstr("[warning] retry: [redacted]\\nforged\n"));
}

}  // namespace
}  // namespace steadystate
