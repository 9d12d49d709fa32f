#include "app/cli_context.h"

#include <gtest/gtest.h>

namespace steadystate::app {
namespace {

TEST(TerminalSafe, KeepsPrintableTextAndUtf8) {
  EXPECT_EQ(TerminalSafe("disk 91% full"), "disk 91% full");
  EXPECT_EQ(TerminalSafe("Störung – 東京 🔥"), "Störung – 東京 🔥");
  EXPECT_EQ(TerminalSafe(""), "");
}

TEST(TerminalSafe, EscapesControlCharacters) {
  EXPECT_EQ(TerminalSafe("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(TerminalSafe("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(TerminalSafe(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
  // C1 controls encoded in UTF-8 (U+009B is CSI for some terminals).
  EXPECT_EQ(TerminalSafe("a\xc2\x9b"
                         "31mb\xc2\x85"),
            "a\\u009b31mb\\u0085");
  EXPECT_EQ(TerminalSafe("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is text
}

TEST(TerminalSafe, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(TerminalSafe("\x9b"
                         "31m"),
            "\\x9b31m");
  EXPECT_EQ(TerminalSafe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(TerminalSafe("cut \xe6\x9d"), "cut \\xe6\\x9d");   // a sequence cut short
  EXPECT_EQ(TerminalSafe("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(TerminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
}

}  // namespace
}  // namespace steadystate::app
