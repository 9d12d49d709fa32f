// The listener's gate and routing, through HttpServer::Handle (no socket): which requests
// reach a route, and what the others are told.
#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(IsLoopbackHost, KnowsLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LocalHost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  // A name is not an address: "127.attacker.example" resolves wherever its owner likes.
  EXPECT_FALSE(IsLoopbackHost("127.attacker.example"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.nip.io"));
  EXPECT_FALSE(IsLoopbackHost("localhost.attacker.example"));
}

TEST(MatchPathPattern, MatchesSegmentBySegment) {
  std::vector<std::string> captures;
  EXPECT_TRUE(MatchPathPattern("/metrics", "/metrics", &captures));
  EXPECT_TRUE(captures.empty());
  EXPECT_FALSE(MatchPathPattern("/metrics", "/metrics/", &captures));
  EXPECT_FALSE(MatchPathPattern("/metrics", "/metricsx", &captures));
  EXPECT_FALSE(MatchPathPattern("/api/v1/attacks", "/api/v1", &captures));
  EXPECT_TRUE(MatchPathPattern("/api/v1/attacks/{}/end", "/api/v1/attacks/a-1/end", &captures));
  EXPECT_THAT(captures, ElementsAre("a-1"));
  EXPECT_FALSE(MatchPathPattern("/api/v1/attacks/{}", "/api/v1/attacks/", &captures));
  EXPECT_FALSE(MatchPathPattern("/api/v1/attacks/{}", "/api/v1/attacks/a/end", &captures));
  EXPECT_FALSE(MatchPathPattern("/api/v1/attacks/{}/end", "/api/v1/attacks//end", &captures));
  EXPECT_TRUE(MatchPathPattern("/{}/{}", "/a/b", &captures));
  EXPECT_THAT(captures, ElementsAre("a", "b"));
  EXPECT_FALSE(MatchPathPattern("/", "", &captures));
  EXPECT_TRUE(MatchPathPattern("/", "/", &captures));
}

class GateTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpServer> Server(const std::string& host,
                                     std::optional<std::string> token = std::nullopt) {
    HttpServerOptions options;
    options.host = host;
    options.api_token = std::move(token);
    HttpServerDeps deps;
    deps.routes.push_back(
        {ApiRoute::Method::kGet, "/things/{}", false, [](const ApiRequest& request) {
           return ApiResponse::Json(200, "\"" + request.matches[0] + "\"");
         }});
    deps.routes.push_back(
        {ApiRoute::Method::kPost, "/things/{}", true,
         [](const ApiRequest& request) { return ApiResponse::Json(201, request.body); }});
    return std::make_unique<HttpServer>(options, std::move(deps), SystemClock());
  }

  static HttpRequestData Get(const std::string& path, const std::string& host = "127.0.0.1:9470") {
    HttpRequestData request;
    request.method = "GET";
    request.path = path;
    if (!host.empty()) request.headers["host"] = host;
    return request;
  }

  static HttpRequestData Post(const std::string& path,
                              std::map<std::string, std::string> headers = {}) {
    HttpRequestData request;
    request.method = "POST";
    request.path = path;
    request.body = "{}";
    request.headers = {{"host", "127.0.0.1:9470"}, {"content-type", "application/json"}};
    for (auto& [name, value] : headers) request.headers[name] = value;
    return request;
  }

  static int Status(const HttpServer& server, HttpRequestData request) {
    return server.Handle(request).status;
  }
};

TEST_F(GateTest, AVeryLongPathIsRoutedWithoutRecursion) {
  auto server = Server("127.0.0.1");
  // 40,000 characters once overflowed the worker's stack in std::regex_match.
  EXPECT_EQ(Status(*server, Get("/things/" + std::string(40'000, 'a'))), 200);
  EXPECT_EQ(Status(*server, Get("/services/" + std::string(40'000, 'a'))), 404);
  EXPECT_EQ(Status(*server, Get(std::string(40'000, '/'))), 404);
}

TEST_F(GateTest, ALoopbackListenerRefusesForeignHostNames) {
  auto server = Server("127.0.0.1");
  EXPECT_EQ(Status(*server, Get("/things/a", "127.0.0.1:9470")), 200);
  EXPECT_EQ(Status(*server, Get("/things/a", "localhost:9470")), 200);
  EXPECT_EQ(Status(*server, Get("/things/a", "LOCALHOST")), 200);
  EXPECT_EQ(Status(*server, Get("/things/a", "[::1]:9470")), 200);
  EXPECT_EQ(Status(*server, Get("/things/a", "")), 200);  // HTTP/1.0 without Host
  auto rebound = Get("/things/a", "attacker.example:9470");
  const HttpReply reply = server->Handle(rebound);
  EXPECT_EQ(reply.status, 421);
  EXPECT_THAT(reply.body, HasSubstr("loopback"));
  EXPECT_EQ(Status(*server, Get("/things/a", "127.attacker.example:9470")), 421);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"host", "attacker.example"}})), 421);
}

TEST_F(GateTest, AListenerOnAllAddressesAnswersAnyHostName) {
  auto server = Server("0.0.0.0");
  EXPECT_EQ(Status(*server, Get("/things/a", "steadystate.example:9470")), 200);
}

TEST_F(GateTest, WritesNeedJson) {
  auto server = Server("127.0.0.1");
  EXPECT_EQ(Status(*server, Post("/things/a")), 201);
  EXPECT_EQ(
      Status(*server, Post("/things/a", {{"content-type", "application/json; charset=utf-8"}})),
      201);
  // What a cross-site form or fetch without a preflight can send.
  HttpReply plain = [&] {
    auto request = Post("/things/a", {{"content-type", "text/plain"}});
    return server->Handle(request);
  }();
  EXPECT_EQ(plain.status, 415);
  EXPECT_THAT(plain.body, HasSubstr("Content-Type: application/json"));
  auto none = Post("/things/a");
  none.headers.erase("content-type");
  EXPECT_EQ(Status(*server, none), 415);
  EXPECT_EQ(
      Status(*server, Post("/things/a", {{"content-type", "application/x-www-form-urlencoded"}})),
      415);
}

TEST_F(GateTest, WritesRefuseAnotherOrigin) {
  auto server = Server("127.0.0.1");
  EXPECT_EQ(Status(*server, Post("/things/a", {{"origin", "http://127.0.0.1:9470"}})), 201);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"origin", "https://attacker.example"}})), 403);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"origin", "null"}})), 403);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"origin", "http://127.0.0.1:1"}})), 403);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"sec-fetch-site", "cross-site"}})), 403);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"sec-fetch-site", "same-origin"}})), 201);
  // Reads are not refused for their Origin: a page may embed the dashboard's data.
  auto read = Get("/things/a");
  read.headers["origin"] = "https://attacker.example";
  EXPECT_EQ(Status(*server, read), 200);
}

TEST_F(GateTest, TheBearerSchemeIsCaseInsensitive) {
  auto server = Server("0.0.0.0", "s3cret-token");
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "Bearer s3cret-token"}})), 201);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "bearer s3cret-token"}})), 201);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "BEARER  s3cret-token"}})), 201);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "Bearer wrong"}})), 401);
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "Basic s3cret-token"}})), 401);
  EXPECT_EQ(Status(*server, Post("/things/a")), 401);
  // The token does not excuse a cross-site request.
  EXPECT_EQ(Status(*server, Post("/things/a", {{"authorization", "Bearer s3cret-token"},
                                               {"content-type", "text/plain"}})),
            415);
}

TEST_F(GateTest, WithoutATokenOnlyALoopbackListenerTakesWrites) {
  EXPECT_EQ(Status(*Server("0.0.0.0"), Post("/things/a")), 403);
  EXPECT_EQ(Status(*Server("127.0.0.1"), Post("/things/a")), 201);
}

TEST_F(GateTest, AnUnknownPathIs404AndAnotherMethod405) {
  auto server = Server("127.0.0.1");
  EXPECT_EQ(Status(*server, Get("/nothing")), 404);
  auto put = Get("/things/a");
  put.method = "PUT";
  const HttpReply reply = server->Handle(put);
  EXPECT_EQ(reply.status, 405);
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].second, "GET, POST");
}

TEST(ApiResponse, ErrorQuotingInvalidUtf8IsStillJson) {
  ApiResponse response = ApiResponse::Error(404, "no attack with id \"\xc6\xff\"");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "{\"error\":\"no attack with id \\\"\xef\xbf\xbd\xef\xbf\xbd\\\"\"}");
}

}  // namespace
}  // namespace steadystate::http
