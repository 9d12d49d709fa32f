#include "exporters/csv.h"

#include <gtest/gtest.h>

namespace steadystate::exporters {
namespace {

TEST(Csv, QuotesOnlyWhatNeedsQuoting) {
  std::string out;
  AppendCsvRow(out, {"plain", "a,b", "say \"hi\"", "two\nlines", ""});
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
}

}  // namespace
}  // namespace steadystate::exporters
