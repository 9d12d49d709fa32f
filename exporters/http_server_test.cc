#include "exporters/http_server.h"

#include <gtest/gtest.h>

namespace steadystate::exporters {
namespace {

TEST(IsLoopbackHost, KnowsLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
}

TEST(ApiResponse, ErrorQuotingInvalidUtf8IsStillJson) {
  ApiResponse response = ApiResponse::Error(404, "no attack with id \"\xc6\xff\"");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "{\"error\":\"no attack with id \\\"\xef\xbf\xbd\xef\xbf\xbd\\\"\"}");
}

}  // namespace
}  // namespace steadystate::exporters
