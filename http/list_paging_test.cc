#include "http/list_paging.h"

#include <gtest/gtest.h>

namespace steadystate::http {
namespace {

ApiRequest Request(std::multimap<std::string, std::string> params) {
  ApiRequest request;
  request.path = "/api/v1/incidents";
  request.params = std::move(params);
  return request;
}

TEST(ListPaging, DefaultsToAThousandFromTheStart) {
  auto params = ParsePageParams(Request({}), kIncidentCursor);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->limit, 1000u);
  EXPECT_EQ(params->after, "");
}

TEST(ListPaging, ABadLimitNamesTheParameter) {
  for (const char* bad : {"0", "-1", "10001", "ten", "5x", "", "99999999999999999999999"}) {
    auto params = ParsePageParams(Request({{"limit", bad}}), kIncidentCursor);
    ASSERT_FALSE(params.ok()) << bad;
    EXPECT_EQ(params.error().code, ErrorCode::kInvalidInput);
    EXPECT_TRUE(params.error().message.starts_with("limit:")) << params.error().message;
  }
  auto max = ParsePageParams(Request({{"limit", "10000"}}), kIncidentCursor);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->limit, 10000u);
}

TEST(ListPaging, CursorsRoundTripBinaryPositionsAndBelongToOneList) {
  const std::string position = std::string("\x80\x00\x01", 3) + "pagerduty:Q1";
  const std::string cursor = EncodeCursor(kIncidentCursor, position);
  EXPECT_EQ(cursor.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto params = ParsePageParams(Request({{"cursor", cursor}}), kIncidentCursor);
  ASSERT_TRUE(params.ok()) << params.error().message;
  EXPECT_EQ(params->after, position);

  auto other = ParsePageParams(Request({{"cursor", cursor}}), kAttackCursor);
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(other.error().message.starts_with("cursor:"));
}

TEST(ListPaging, AMalformedCursorIsInvalidInput) {
  for (const std::string& bad :
       {std::string(""), std::string("abc"), std::string("zz"),
        EncodeCursor(kIncidentCursor, "").substr(0, 18), std::string(5000, 'a')}) {
    auto params = ParsePageParams(Request({{"cursor", bad}}), kIncidentCursor);
    ASSERT_FALSE(params.ok()) << bad;
    EXPECT_EQ(params.error().code, ErrorCode::kInvalidInput);
    EXPECT_TRUE(params.error().message.starts_with("cursor:")) << params.error().message;
  }
}

TEST(ListPaging, NextPageHeadersKeepTheQueryAndReplaceTheCursor) {
  ApiRequest request = Request({{"service", "a b"}, {"cursor", "old"}, {"format", "csv"}});
  ApiResponse response;
  AddNextPageHeaders(response, request, kIncidentCursor, std::string("pos"));
  const std::string cursor = EncodeCursor(kIncidentCursor, "pos");
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.headers[0].first, "Link");
  EXPECT_EQ(response.headers[0].second,
            "</api/v1/incidents?format=csv&service=a%20b&cursor=" + cursor + ">; rel=\"next\"");
  EXPECT_EQ(response.headers[1], std::make_pair(std::string("X-Next-Cursor"), cursor));

  ApiResponse last;
  AddNextPageHeaders(last, request, kIncidentCursor, std::nullopt);
  EXPECT_TRUE(last.headers.empty());
}

}  // namespace
}  // namespace steadystate::http
