#include "common/http_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/fake_receiver.h"
#include "tests/support/wait.h"

namespace steadystate {
namespace {

using test_support::FakeReceiver;
using test_support::FakeResponse;

// A port on 127.0.0.1 that nothing listens on: one the kernel just handed out and that was
// closed again.
int ClosedPort() {
  FakeReceiver receiver;
  return receiver.port();
}

// A request without naming every field (designated initializers would warn).
HttpRequest Request(std::string method, std::string url, std::string body = "",
                    Duration timeout = std::chrono::seconds(10)) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = timeout;
  return r;
}

TEST(HttpClient, RoundTripsStatusHeadersAndBody) {
  FakeReceiver receiver;
  FakeResponse answer = FakeResponse::Status(201, R"({"created":true})", "application/json");
  answer.headers.emplace_back("X-Request-Id", "abc-123");
  receiver.Script(answer);
  auto client = NewCurlHttpClient();

  HttpRequest request;
  request.url = receiver.url() + "/v2/enqueue?x=1";
  request.headers = {{"Content-Type", "application/json"}, {"X-Routing", "r1"}};
  request.body = std::string(4096, 'a');  // over 1 KiB: no Expect: 100-continue stall
  auto response = client->Send(request);

  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"({"created":true})");
  EXPECT_EQ(response->headers["x-request-id"], "abc-123");
  EXPECT_EQ(response->headers["content-type"], "application/json");

  ASSERT_EQ(receiver.RequestCount(), 1u);
  const auto seen = receiver.Requests()[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v2/enqueue");
  EXPECT_EQ(seen.query, "x=1");
  EXPECT_EQ(seen.Header("x-routing"), "r1");
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.body, request.body);
}

TEST(HttpClient, ErrorStatusesAreResponsesNotErrors) {
  FakeReceiver receiver(FakeResponse::Status(503, "down"));
  auto client = NewCurlHttpClient();
  auto response = client->Send(Request("POST", receiver.url() + "/"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "down");
}

TEST(HttpClient, GetAndPutUseTheirMethod) {
  FakeReceiver receiver;
  auto client = NewCurlHttpClient();
  ASSERT_TRUE(client->Send(Request("GET", receiver.url() + "/api/v2/alerts")).ok());
  ASSERT_TRUE(client->Send(Request("PUT", receiver.url() + "/x", "b")).ok());
  const auto seen = receiver.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/api/v2/alerts");
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].body, "b");
}

TEST(HttpClient, TheStopSignalAbortsAnExchangeInFlight) {
  FakeReceiver receiver;
  FakeResponse never = FakeResponse::Status(200, "late");
  never.delay = std::chrono::minutes(10);
  receiver.Script(never);
  StopSignal stop;
  auto client = NewCurlHttpClient(&stop);
  std::thread stopper([&] {
    // Once the request is in, shutdown begins.
    if (test_support::WaitFor([&] { return receiver.RequestCount() == 1; })) stop.Stop();
  });
  auto response =
      client->Send(Request("GET", receiver.url() + "/slow", "", std::chrono::minutes(10)));
  stopper.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().message,
            "stopped: shutting down, no answer awaited from " + UrlHost(receiver.url()));
  // Once stopped, nothing more is sent.
  auto after = client->Send(Request("GET", receiver.url() + "/after"));
  ASSERT_FALSE(after.ok());
  EXPECT_TRUE(after.error().message.starts_with("stopped:"));
  EXPECT_EQ(receiver.RequestCount(), 1u);
}

TEST(HttpClient, SlowReceiverIsATimeout) {
  FakeReceiver receiver;
  FakeResponse slow = FakeResponse::Status(200, "late");
  slow.delay = std::chrono::seconds(5);
  receiver.Script(slow);
  auto client = NewCurlHttpClient();

  auto response = client->Send(Request("POST", receiver.url() + "/services/T0/B0/SECRETPART", "",
                                       std::chrono::milliseconds(200)));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(response.error().message.starts_with("timeout:")) << response.error().message;
  EXPECT_NE(response.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(response.error().message.find("SECRETPART"), std::string::npos);
}

TEST(HttpClient, ConnectionRefusedIsAConnectError) {
  auto client = NewCurlHttpClient();
  auto response =
      client->Send(Request("POST", "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(response.error().message.starts_with("connect:")) << response.error().message;
}

TEST(HttpClient, ErrorMessagesNeverContainPathQueryOrUserInfo) {
  auto client = NewCurlHttpClient();
  const std::string port = std::to_string(ClosedPort());
  const std::string url = "http://hookuser:hookpass@127.0.0.1:" + port +
                          "/services/T0SECRET/B0SECRET/xoxbSECRET?token=QUERYSECRET";
  auto response = client->Send(Request("POST", url));
  ASSERT_FALSE(response.ok());
  const std::string& message = response.error().message;
  for (const char* secret :
       {"T0SECRET", "B0SECRET", "xoxbSECRET", "QUERYSECRET", "hookpass", "hookuser", "services"}) {
    EXPECT_EQ(message.find(secret), std::string::npos) << secret << " in: " << message;
  }
  EXPECT_NE(message.find("127.0.0.1:" + port), std::string::npos) << message;
}

TEST(HttpClient, CutOffResponseIsAConnectionError) {
  FakeReceiver receiver;
  FakeResponse cut = FakeResponse::Status(200, std::string(1000, 'x'));
  cut.fault = FakeResponse::Fault::kTruncateBody;
  receiver.Script(cut);
  FakeResponse closed = FakeResponse::Status(202, "{}");
  closed.fault = FakeResponse::Fault::kCloseAfterHeaders;
  receiver.Script(closed);
  auto client = NewCurlHttpClient();

  for (int i = 0; i < 2; ++i) {
    auto response = client->Send(Request("POST", receiver.url() + "/secret/path"));
    ASSERT_FALSE(response.ok()) << "request " << i;
    EXPECT_TRUE(response.error().message.starts_with("connection:")) << response.error().message;
    EXPECT_EQ(response.error().message.find("/secret/path"), std::string::npos);
  }
}

TEST(HttpClient, CapsTheResponseBodyAtOneMiB) {
  FakeReceiver receiver(FakeResponse::Status(200, std::string(3 * kMaxHttpResponseBody, 'z')));
  auto client = NewCurlHttpClient();
  auto response = client->Send(Request("GET", receiver.url() + "/big"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), kMaxHttpResponseBody);
  EXPECT_TRUE(response->truncated);
}

TEST(HttpClient, SaysWhetherTheBodyWasCut) {
  FakeReceiver receiver(FakeResponse::Status(200, std::string(5000, 'z')));
  auto client = NewCurlHttpClient();
  HttpRequest small = Request("GET", receiver.url() + "/page");
  small.max_body_bytes = 4096;
  auto cut = client->Send(small);
  ASSERT_TRUE(cut.ok()) << cut.error().message;
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->body.size(), 4096u);

  HttpRequest exact = Request("GET", receiver.url() + "/page");
  exact.max_body_bytes = 5000;
  auto whole = client->Send(exact);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_FALSE(whole->truncated);
  EXPECT_EQ(whole->body.size(), 5000u);
}

TEST(HttpClient, RejectsUrlsThatAreNotHttp) {
  auto client = NewCurlHttpClient();
  auto response = client->Send(Request("POST", "ftp://127.0.0.1/secret-file"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(response.error().message.starts_with("url:")) << response.error().message;
  EXPECT_EQ(response.error().message.find("secret-file"), std::string::npos);
}

TEST(HttpClient, IgnoresProxiesFromTheEnvironment) {
  FakeReceiver receiver;
  const int dead_proxy = ClosedPort();
  const std::string proxy = "http://127.0.0.1:" + std::to_string(dead_proxy);
  ::setenv("http_proxy", proxy.c_str(), 1);
  ::setenv("HTTP_PROXY", proxy.c_str(), 1);
  ::setenv("NO_PROXY", "", 1);
  auto client = NewCurlHttpClient();
  auto response = client->Send(Request("POST", receiver.url() + "/"));
  ::unsetenv("http_proxy");
  ::unsetenv("HTTP_PROXY");
  ::unsetenv("NO_PROXY");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(receiver.RequestCount(), 1u);
}

TEST(UrlHost, KeepsHostAndPortOnly) {
  EXPECT_EQ(UrlHost("https://hooks.slack.com/services/T0/B0/x"), "hooks.slack.com");
  EXPECT_EQ(UrlHost("http://user:pw@127.0.0.1:9093/api/v2/alerts?x=1"), "127.0.0.1:9093");
  EXPECT_EQ(UrlHost("https://events.pagerduty.com?k=v"), "events.pagerduty.com");
  EXPECT_EQ(UrlHost("http://[::1]:8080#frag"), "[::1]:8080");
  EXPECT_EQ(UrlHost("http:///path"), "?");
}

}  // namespace
}  // namespace steadystate
