#include "common/text.h"

#include <gtest/gtest.h>

namespace steadystate::exporters {
namespace {

TEST(Csv, QuotesOnlyWhatNeedsQuoting) {
  std::string out;
  AppendCsvRow(out, {"plain", "a,b", "say \"hi\"", "two\nlines", ""});
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
}

TEST(Csv, NeutralisesFieldsASpreadsheetWouldRunAsFormulas) {
  std::string out;
  AppendCsvRow(out, {"=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)",
                     "\tx", "\rx"});
  EXPECT_EQ(out,
            "\"'=cmd|' /C calc'!A0\",\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1+2\",\"'-2+3\","
            "\"'@SUM(A1)\",\"'\tx\",\"'\rx\"\n");
}

TEST(Csv, KeepsNumbersWithASignAsNumbers) {
  std::string out;
  AppendCsvRow(out, {"-0.5", "-3", "+4", "-1e3", "-.5", "7", "-", "-e3", "-1e"});
  EXPECT_EQ(out, "-0.5,-3,+4,-1e3,-.5,7,\"'-\",\"'-e3\",\"'-1e\"\n");
}

}  // namespace
}  // namespace steadystate::exporters
