// The daemon's HTTP/1.1 listener over real loopback sockets: well-formed requests reach the
// handler decoded; bad ones are answered (or dropped) by the transport itself.
#include "http/transport.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/text.h"
#include "tests/support/wait.h"

namespace steadystate::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A connected socket from `source` (a loopback address) to the server, or -1.
int Connect(int port, const char* source = "127.0.0.1") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendText(int fd, std::string_view text) {
  (void)!send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

// Whether the server has closed `fd` (EOF or reset), without blocking; drains what it sent.
bool ClosedByServer(int fd) {
  char buf[65536];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

// Sends `raw` on a fresh connection and returns everything the server sent until it closed.
// A request line gets "Connection: close" so that the server ends the exchange; the client
// never half-closes, since a server may take that as the client going away (libmicrohttpd
// drops a request whose client closed before the reply).
std::string Exchange(int port, std::string raw, bool /*unused*/ = false,
                     const char* source = "127.0.0.1", int timeout_seconds = 30) {
  const int fd = Connect(port, source);
  if (fd < 0) return "connect failed";
  // A safety net, never a timing assertion: a test that goes wrong fails instead of hanging.
  const timeval limit{timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  const size_t line_end = raw.find("\r\n");
  if (line_end != std::string::npos && raw.find("HTTP/1.1\r\n") == line_end - 8 &&
      raw.find("Connection:") == std::string::npos) {
    raw.insert(line_end + 2, "Connection: close\r\n");
  }
  size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
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
  // libmicrohttpd drops a connection whose first line is not a request line at all.
  EXPECT_THAT(Exchange(port_, "NONSENSE\r\n\r\n"),
              ::testing::AnyOf(StartsWith("HTTP/1.1 400 "), ::testing::IsEmpty()));
  EXPECT_THAT(Exchange(port_, "GET relative HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "GET / HTTP/1.1\r\nno colon here\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "GET / HTTP/1.1\r\nContent-Length: -3\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port_, "BREW / HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 501 "));
  const std::string huge_headers =
      Exchange(port_, "GET / HTTP/1.1\r\nX-Big: " + std::string(200'000, 'a') + "\r\n\r\n");
  EXPECT_THAT(huge_headers, StartsWith("HTTP/1.1 4"));
  const std::string long_path =
      Exchange(port_, "GET /" + std::string(40'000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_THAT(long_path, StartsWith("HTTP/1.1 414 "));
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

// A transport whose "/slow/..." requests wait until released, with long deadlines so that
// nothing is closed for lateness unless a test asks for it.
class SlowClientTest : public ::testing::Test {
 protected:
  void Start(HttpTransportOptions options) {
    options.port = 0;
    options.inline_path = [](std::string_view path) { return path == "/metrics"; };
    transport_ = std::make_unique<HttpTransport>(
        options,
        [this](HttpRequestData& request) {
          HttpReply reply;
          if (request.path.rfind("/slow", 0) == 0) {
            std::unique_lock lock(mu_);
            ++waiting_;
            cv_.notify_all();
            cv_.wait(lock, [this] { return released_; });
          }
          reply.body = request.path == "/big" ? std::string(8u << 20, 'x') : "ok " + request.path;
          return reply;
        },
        SystemClock());
    auto port = transport_->Start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
  }

  void TearDown() override {
    Release();
    for (int fd : open_) close(fd);
    if (transport_) transport_->Stop();
  }

  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  int Waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

  // Opens `count` connections from 127.0.0.<2..> that send part of a request head.
  void OpenIdle(int count) {
    for (int i = 0; i < count; ++i) {
      const std::string source = "127.0.0." + std::to_string(2 + i % 200);
      const int fd = Connect(port_, source.c_str());
      ASSERT_GE(fd, 0);
      if (i % 2 == 0) SendText(fd, "GET /drip HTTP/1.1\r\nX-A: ");
      open_.push_back(fd);
    }
  }

  std::unique_ptr<HttpTransport> transport_;
  int port_ = 0;
  std::vector<int> open_;
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool released_ = false;
};

TEST_F(SlowClientTest, IdleAndDrippingConnectionsDoNotDelayAFreshRequest) {
  const int kIdle = 300;
  HttpTransportOptions options;
  options.threads = 4;
  options.read_timeout = std::chrono::minutes(5);
  options.write_timeout = std::chrono::minutes(5);
  Start(options);
  OpenIdle(kIdle);
  // Four clients that asked for 8 MiB and read none of it.
  std::vector<int> readers;
  const int kReaders = 4;
  for (int i = 0; i < kReaders; ++i) {
    const int fd = Connect(port_, "127.0.1.1");
    ASSERT_GE(fd, 0);
    const int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    SendText(fd, "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n");
    open_.push_back(fd);
    readers.push_back(fd);
  }
  EXPECT_THAT(Exchange(port_, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"),
              HasSubstr("ok /metrics"));
  EXPECT_THAT(Exchange(port_, "GET /api HTTP/1.1\r\nConnection: close\r\n\r\n"),
              HasSubstr("ok /api"));
  // The answers came while every slow connection was still open.
  int still_open = 0;
  for (int fd : open_) still_open += ClosedByServer(fd) ? 0 : 1;
  EXPECT_EQ(still_open, kIdle + kReaders);
}

TEST_F(SlowClientTest, BusyWorkersDoNotDelayInlinePaths) {
  HttpTransportOptions options;
  options.threads = 2;
  options.max_queued_requests = 2;
  Start(options);
  // Two requests hold both workers; more wait in the queue.
  std::vector<std::string> answers(4);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([this, i, &answers] {
      answers[i] = Exchange(port_, "GET /slow/" + std::to_string(i) + " HTTP/1.1\r\n\r\n", false,
                            ("127.0.2." + std::to_string(i + 1)).c_str());
    });
  }
  EXPECT_TRUE(test_support::WaitFor([this] { return Waiting() == 2; }));
  EXPECT_THAT(Exchange(port_, "GET /metrics HTTP/1.1\r\n\r\n"), HasSubstr("ok /metrics"));
  // Once the queue is full, a further request that is not inline gets 503 at once, not a
  // wait. (A try that was queued itself times out here and stays queued, which fills the
  // queue all the same.)
  std::string busy;
  EXPECT_TRUE(test_support::WaitFor([&] {
    busy = Exchange(port_, "GET /other HTTP/1.1\r\n\r\n", false, "127.0.0.1", 1);
    return busy.rfind("HTTP/1.1 503 ", 0) == 0;
  }));
  EXPECT_THAT(busy, HasSubstr("Retry-After: 1"));
  EXPECT_EQ(Waiting(), 2);  // still held: the answers above did not wait for them
  Release();
  for (auto& client : clients) client.join();
  // Every held or queued request was answered (200, or 503 for those the full queue refused).
  for (const auto& answer : answers) EXPECT_THAT(answer, StartsWith("HTTP/1.1 "));
}

TEST_F(SlowClientTest, ADrippingRequestIsCutAtTheRequestDeadline) {
  HttpTransportOptions options;
  options.read_timeout = std::chrono::milliseconds(500);
  Start(options);
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  open_.push_back(fd);
  // A byte every 100 ms never lets an idle timeout fire; the request deadline does.
  bool closed = test_support::WaitFor(
      [&] {
        if (ClosedByServer(fd)) return true;
        send(fd, "G", 1, MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // NOLINT(real-time)
        return false;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(closed);
}

TEST_F(SlowClientTest, AClientThatReadsTooSlowlyIsCutAtTheReplyDeadline) {
  HttpTransportOptions options;
  options.write_timeout = std::chrono::milliseconds(500);
  Start(options);
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  open_.push_back(fd);
  const int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  SendText(fd, "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n");
  // Read a few KB at a time until well past the deadline: the 8 MiB reply cannot be taken
  // in that time. Then read as fast as possible: the server stopped sending at the deadline,
  // so what arrives is what was already in the sockets' buffers, and then the end.
  size_t received = 0;
  auto read_some = [&](bool wait) {
    char buf[65536];
    const ssize_t n = recv(fd, buf, wait ? 4096 : sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    if (n > 0) received += static_cast<size_t>(n);
    if (wait) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // NOLINT(real-time)
    return false;
  };
  const auto slow_until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);  // NOLINT(real-time)
  while (std::chrono::steady_clock::now() < slow_until) {                  // NOLINT(real-time)
    if (read_some(true)) break;
  }
  EXPECT_TRUE(test_support::WaitFor([&] { return read_some(false); }, std::chrono::seconds(60)));
  EXPECT_LT(received, size_t{8} << 20);
}

TEST_F(SlowClientTest, ConnectionsFromOneAddressAreLimited) {
  HttpTransportOptions options;
  options.max_connections_per_client = 3;
  options.read_timeout = std::chrono::minutes(5);
  Start(options);
  for (int i = 0; i < 3; ++i) {
    const int fd = Connect(port_, "127.0.3.1");
    ASSERT_GE(fd, 0);
    open_.push_back(fd);
  }
  // The fourth from the same address is closed at once; another address is served.
  const int fourth = Connect(port_, "127.0.3.1");
  ASSERT_GE(fourth, 0);
  open_.push_back(fourth);
  EXPECT_TRUE(test_support::WaitFor([&] { return ClosedByServer(fourth); }));
  EXPECT_THAT(Exchange(port_, "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", true, "127.0.3.2"),
              HasSubstr("ok /x"));
  for (size_t i = 0; i < 3; ++i) EXPECT_FALSE(ClosedByServer(open_[i]));
}

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4", false), "a/b%zz%4");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
}

}  // namespace
}  // namespace steadystate::http
