// The daemon's HTTP/1.1 listener over real loopback sockets: well-formed requests reach the
// handler decoded; bad ones are answered (or dropped) by the transport itself.
#include "exporters/http_transport.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <mutex>
#include <string>

#include "common/text.h"

namespace steadystate::exporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Sends `raw` on a fresh connection and returns everything the server sent until it closed.
std::string Exchange(int port, const std::string& raw, bool half_close = true) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  if (half_close) shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::string Body(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpTransportOptions options;
    options.port = 0;
    options.max_body_bytes = 1000;
    options.read_timeout = std::chrono::milliseconds(300);
    transport_ = std::make_unique<HttpTransport>(
        options,
        [this](HttpRequestData& request) {
          std::lock_guard lock(mu_);
          seen_.push_back(request);
          HttpReply reply;
          reply.body = request.path == "/big" ? std::string(5000, 'x') : "hello " + request.path;
          reply.headers.emplace_back("X-Method", request.method);
          return reply;
        },
        SystemClock());
    auto port = transport_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
  }

  std::vector<HttpRequestData> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  std::unique_ptr<HttpTransport> transport_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<HttpRequestData> seen_;
};

TEST_F(HttpTransportTest, PassesADecodedRequestAndWritesTheReply) {
  const std::string response =
      Exchange(port_,
               "POST /a%20b?x=1&y=two+words&y=%21&flag HTTP/1.1\r\nHost: h\r\n"
               "X-Thing: one\r\nContent-Length: 5\r\nX-THING: two\r\n\r\nhello");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Length: 10\r\n"));
  EXPECT_THAT(response, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(response, HasSubstr("X-Method: POST\r\n"));
  EXPECT_EQ(Body(response), "hello /a b");
  auto seen = Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/a b");
  EXPECT_EQ(seen[0].body, "hello");
  EXPECT_EQ(seen[0].headers["x-thing"], "one, two");
  EXPECT_EQ(seen[0].query.count("y"), 2u);
  EXPECT_EQ(seen[0].query.find("x")->second, "1");
  EXPECT_EQ(seen[0].query.find("y")->second, "two words");
  EXPECT_EQ(std::next(seen[0].query.find("y"))->second, "!");
  EXPECT_EQ(seen[0].query.find("flag")->second, "");
}

TEST_F(HttpTransportTest, HeadSendsTheHeadersWithoutTheBody) {
  const std::string response = Exchange(port_, "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Length: 8\r\n"));
  EXPECT_EQ(Body(response), "");
}

TEST_F(HttpTransportTest, CompressesLargeTextWhenTheClientAcceptsGzip) {
  const std::string plain = Exchange(port_, "GET /big HTTP/1.1\r\n\r\n");
  EXPECT_THAT(plain, Not(HasSubstr("Content-Encoding")));
  EXPECT_EQ(Body(plain), std::string(5000, 'x'));
  const std::string zipped =
      Exchange(port_, "GET /big HTTP/1.1\r\nAccept-Encoding: deflate, gzip\r\n\r\n");
  EXPECT_THAT(zipped, HasSubstr("Content-Encoding: gzip\r\n"));
  EXPECT_THAT(zipped, HasSubstr("Vary: Accept-Encoding\r\n"));
  EXPECT_LT(Body(zipped).size(), 200u);
  EXPECT_EQ(Gunzip(Body(zipped)), std::string(5000, 'x'));
  const std::string declined =
      Exchange(port_, "GET /big HTTP/1.1\r\nAccept-Encoding: gzip;q=0\r\n\r\n");
  EXPECT_THAT(declined, Not(HasSubstr("Content-Encoding")));
}

TEST_F(HttpTransportTest, AnswersAnExpectContinueBeforeTheBody) {
  const std::string response =
      Exchange(port_, "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
  ASSERT_EQ(Seen().size(), 1u);
  EXPECT_EQ(Seen()[0].body, "ok");
}

TEST_F(HttpTransportTest, RefusesBadRequestsWithoutCallingTheHandler) {
  EXPECT_THAT(Exchange(port_, "NONSENSE\r\n\r\n"), StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "GET relative HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "GET / HTTP/1.1\r\nno colon here\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "GET / HTTP/1.1\r\nContent-Length: -3\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "BREW / HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 501 "));
  const std::string chunked = Exchange(
      port_, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_THAT(chunked, StartsWith("HTTP/1.1 411 "));
  EXPECT_THAT(Body(chunked), HasSubstr("Content-Length"));
  const std::string huge_headers =
      Exchange(port_, "GET / HTTP/1.1\r\nX-Big: " + std::string(70'000, 'a') + "\r\n\r\n");
  EXPECT_THAT(huge_headers, StartsWith("HTTP/1.1 431 "));
  EXPECT_THAT(Exchange(port_, std::string("GET / HTTP/1.1\r\nX-A\0b: 1\r\n\r\n", 28)),
              StartsWith("HTTP/1.1 400 "));  // a NUL in a header name
  EXPECT_TRUE(Seen().empty());
}

TEST_F(HttpTransportTest, ABodyOverTheLimitIs413AndTheClientStillReadsTheAnswer) {
  const std::string response = Exchange(
      port_, "POST / HTTP/1.1\r\nContent-Length: 200000\r\n\r\n" + std::string(200'000, 'b'));
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413 "));
  EXPECT_THAT(Body(response), HasSubstr("request body too large (limit 1000 bytes)"));
  EXPECT_TRUE(Seen().empty());
}

TEST_F(HttpTransportTest, DropsAClientThatStallsAndKeepsServingOthers) {
  // Half a request and no more: after the read timeout the server closes without answering.
  EXPECT_EQ(Exchange(port_, "GET /slow HTTP/1.1\r\nHost:", false), "");
  EXPECT_THAT(Exchange(port_, "GET /next HTTP/1.1\r\n\r\n"), HasSubstr("hello /next"));
  EXPECT_EQ(Seen().size(), 1u);
}

TEST(HttpTransport, NamesTheAddressWhenItCannotListen) {
  HttpTransportOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  HttpTransport first(
      options, [](HttpRequestData&) { return HttpReply{}; }, SystemClock());
  auto port = first.Start();
  ASSERT_TRUE(port.ok());
  options.port = *port;
  HttpTransport second(
      options, [](HttpRequestData&) { return HttpReply{}; }, SystemClock());
  auto refused = second.Start();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message,
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(*port) + ": "));
  EXPECT_THAT(refused.error().message, HasSubstr("in use"));
}

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4", false), "a/b%zz%4");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
}

}  // namespace
}  // namespace steadystate::exporters
