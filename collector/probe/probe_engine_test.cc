#include "collector/probe/probe_engine.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/fake_clock.h"
#include "tests/support/probe_targets.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::collector {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_support::HttpTarget;
using test_support::RawTarget;
using test_support::TlsTarget;
using test_support::WaitFor;

// Time a probe may take beyond its timeout (libcurl checks timeouts on its own ticks, and
// this machine is busy): generous, since it only guards against "never timed out".
constexpr Duration kSlack = milliseconds(1500);

config::ServiceConfig Http(std::string name, std::string url, Duration timeout = seconds(2)) {
  config::ServiceConfig s;
  s.name = std::move(name);
  s.probe.emplace();
  s.probe->interval = seconds(10);
  s.probe->timeout = timeout;
  s.probe->kind = config::ProbeKind::kHttp;
  s.probe->http.url = std::move(url);
  return s;
}

config::ServiceConfig Tcp(std::string name, int port, bool tls = false) {
  config::ServiceConfig s = Http(std::move(name), "");
  s.probe->kind = config::ProbeKind::kTcp;
  s.probe->tcp.address = {"127.0.0.1", static_cast<uint16_t>(port)};
  s.probe->tcp.tls = tls;
  return s;
}

config::ServiceConfig Dns(std::string name, std::string qname, int server_port,
                          Duration timeout = seconds(2)) {
  config::ServiceConfig s = Http(std::move(name), "", timeout);
  s.probe->kind = config::ProbeKind::kDns;
  s.probe->dns.name = std::move(qname);
  s.probe->dns.server = config::HostPort{"127.0.0.1", static_cast<uint16_t>(server_port)};
  return s;
}

// Runs an engine on a FakeClock and collects its results.
class Harness {
 public:
  explicit Harness(std::vector<config::ServiceConfig> services)
      : engine_(std::move(services), clock_, [this](const ProbeResult& r) {
          std::lock_guard lock(mu_);
          results_.push_back(r);
        }) {
    engine_.Start();
  }

  // Moves time by one interval: every service's first (or next) probe becomes due.
  void Round(Duration by = seconds(10)) {
    clock_.Advance(by);
    engine_.Wake();
  }

  std::optional<ProbeResult> Find(const std::string& service) {
    std::lock_guard lock(mu_);
    for (const auto& r : results_) {
      if (r.service == service) return r;
    }
    return std::nullopt;
  }
  size_t Count(const std::string& service) {
    std::lock_guard lock(mu_);
    return std::count_if(results_.begin(), results_.end(),
                         [&](const auto& r) { return r.service == service; });
  }

  ProbeResult Last(const std::string& service) {
    std::lock_guard lock(mu_);
    for (auto it = results_.rbegin(); it != results_.rend(); ++it) {
      if (it->service == service) return *it;
    }
    return ProbeResult{};
  }

  ProbeResult Await(const std::string& service) {
    EXPECT_TRUE(WaitFor([&] { return Find(service).has_value(); })) << service;
    return Find(service).value_or(ProbeResult{});
  }

  FakeClock& clock() { return clock_; }
  ProbeEngine& engine() { return engine_; }

 private:
  std::mutex mu_;
  std::vector<ProbeResult> results_;
  FakeClock clock_;
  ProbeEngine engine_;
};

// Probes one service once and returns its result.
ProbeResult ProbeOnce(config::ServiceConfig service) {
  const std::string name = service.name;
  Harness h({std::move(service)});
  h.Round();
  return h.Await(name);
}

TEST(ProbeEngine, HealthyHttpTargetSucceeds) {
  HttpTarget target;
  auto s = Http("www", target.Url("/ok"));
  s.probe->http.body_regex = "^ok$";
  Harness h({s});
  const Timestamp before = h.clock().Now();
  h.Round();
  ProbeResult r = h.Await("www");
  EXPECT_TRUE(r.success) << r.error_class << ": " << r.error;
  EXPECT_EQ(r.kind, config::ProbeKind::kHttp);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.error_class, "");
  EXPECT_GT(r.time, before);  // stamped when it started, after the advance
  EXPECT_LT(r.duration, seconds(2));
  EXPECT_EQ(r.cert_expiry, std::nullopt);
  EXPECT_EQ(r.phases.tls, Duration{0});
}

TEST(ProbeEngine, ServerErrorFailsWithStatus) {
  HttpTarget target;
  ProbeResult r = ProbeOnce(Http("api", target.Url("/fail")));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "status");
  EXPECT_EQ(r.http_status, 503);
  EXPECT_NE(r.error.find("503"), std::string::npos);
}

TEST(ProbeEngine, ValidStatusRangesAreHonoured) {
  HttpTarget target;
  auto s = Http("api", target.Url("/fail"));
  s.probe->http.valid_status = {{200, 299}, {500, 503}};
  ProbeResult r = ProbeOnce(s);
  EXPECT_TRUE(r.success) << r.error;
}

TEST(ProbeEngine, SlowTargetSucceedsWithinItsTimeoutAndTimesOutBeyondIt) {
  HttpTarget target(milliseconds(300));
  ProbeResult ok = ProbeOnce(Http("slow", target.Url("/slow"), seconds(3)));
  EXPECT_TRUE(ok.success) << ok.error;
  EXPECT_GE(ok.duration, milliseconds(290));

  ProbeResult late = ProbeOnce(Http("slow", target.Url("/slow"), milliseconds(100)));
  EXPECT_FALSE(late.success);
  EXPECT_EQ(late.error_class, "timeout");
  EXPECT_GE(late.duration, milliseconds(90));
  EXPECT_LT(late.duration, milliseconds(100) + kSlack);
}

TEST(ProbeEngine, HangingTargetTimesOut) {
  RawTarget target(RawTarget::Mode::kHang);
  ProbeResult r = ProbeOnce(Http("hang", target.Url(), milliseconds(500)));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "timeout");
  EXPECT_EQ(r.http_status, 0);
  EXPECT_GE(r.duration, milliseconds(490));
  EXPECT_LT(r.duration, milliseconds(500) + kSlack);
}

TEST(ProbeEngine, ResettingTargetFailsWithConnect) {
  RawTarget target(RawTarget::Mode::kReset);
  ProbeResult r = ProbeOnce(Http("reset", target.Url(), seconds(2)));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "connect") << r.error;
  EXPECT_LT(r.duration, seconds(2) + kSlack);
}

TEST(ProbeEngine, RefusedConnectionFailsWithConnect) {
  int port = 0;
  {
    RawTarget gone(RawTarget::Mode::kReset);
    port = gone.port();
  }
  ProbeResult r = ProbeOnce(Http("down", "http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(r.error_class, "connect") << r.error;
}

TEST(ProbeEngine, GarbageSendingTargetFailsWithBody) {
  RawTarget target(RawTarget::Mode::kGarbage);
  ProbeResult r = ProbeOnce(Http("junk", target.Url(), seconds(2)));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "body") << r.error;
  EXPECT_LT(r.duration, seconds(2) + kSlack);
}

TEST(ProbeEngine, WrongBodyFailsWithBody) {
  HttpTarget target;
  auto s = Http("www", target.Url("/wrong"));
  s.probe->http.body_regex = "^ok$";
  ProbeResult r = ProbeOnce(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "body");
  EXPECT_EQ(r.http_status, 200);
}

TEST(ProbeEngine, HugeBodyIsCutAtTheCapWhenMatchingAndDiscardedOtherwise) {
  HttpTarget target;
  auto s = Http("big", target.Url("/big"), seconds(5));
  s.probe->http.body_regex = "done";
  ProbeResult r = ProbeOnce(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "body");
  EXPECT_NE(r.error.find("first"), std::string::npos) << r.error;
  EXPECT_LT(r.duration, seconds(5));

  ProbeResult no_regex = ProbeOnce(Http("big", target.Url("/big"), seconds(5)));
  EXPECT_TRUE(no_regex.success) << no_regex.error;
  EXPECT_LT(no_regex.duration, seconds(5));
}

// std::regex recursed once per character here and overflowed the stack on such a body.
TEST(ProbeEngine, BodyRegexRunsInLinearTimeOnALongBody) {
  HttpTarget target;
  auto s = Http("ab", target.Url("/ab"), seconds(10));
  s.probe->http.body_regex = "^(a|b)*c";
  ProbeResult r = ProbeOnce(s);
  EXPECT_TRUE(r.success) << r.error_class << ": " << r.error;

  s.probe->http.body_regex = "^(a|b)*d";
  ProbeResult miss = ProbeOnce(s);
  EXPECT_FALSE(miss.success);
  EXPECT_EQ(miss.error_class, "body") << miss.error;
}

TEST(ProbeEngine, SendsMethodHeadersAndBodyAndFollowsRedirects) {
  HttpTarget target;
  auto post = Http("post", target.Url("/echo"));
  post.probe->http.method = "POST";
  post.probe->http.headers = {{"X-Probe", "yes"}};
  post.probe->http.body = "hello";
  post.probe->http.body_regex = "^POST yes hello$";
  ProbeResult r = ProbeOnce(post);
  EXPECT_TRUE(r.success) << r.error;

  ProbeResult redirected = ProbeOnce(Http("redir", target.Url("/redirect")));
  EXPECT_TRUE(redirected.success) << redirected.error;
  EXPECT_EQ(redirected.http_status, 200);

  auto no_follow = Http("redir", target.Url("/redirect"));
  no_follow.probe->http.follow_redirects = false;
  ProbeResult stopped = ProbeOnce(no_follow);
  EXPECT_EQ(stopped.error_class, "status");
  EXPECT_EQ(stopped.http_status, 302);
}

class TlsProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test_support::TempDir();
    cert_ =
        new test_support::TestCertificate(test_support::GenerateCertificate(dir_->path(), false));
    expired_ =
        new test_support::TestCertificate(test_support::GenerateCertificate(dir_->path(), true));
  }
  static void TearDownTestSuite() {
    delete cert_;
    delete expired_;
    delete dir_;
  }
  static test_support::TempDir* dir_;
  static test_support::TestCertificate* cert_;
  static test_support::TestCertificate* expired_;
};
test_support::TempDir* TlsProbe::dir_ = nullptr;
test_support::TestCertificate* TlsProbe::cert_ = nullptr;
test_support::TestCertificate* TlsProbe::expired_ = nullptr;

TEST_F(TlsProbe, SelfSignedFailsVerificationByDefault) {
  TlsTarget target(*cert_);
  ProbeResult r = ProbeOnce(Http("tls", target.Url("/ok")));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "tls") << r.error;
}

TEST_F(TlsProbe, SelfSignedPassesWithItsCaFileAndReportsExpiry) {
  TlsTarget target(*cert_);
  auto s = Http("tls", target.Url("/ok"));
  s.probe->http.tls.ca_file = cert_->cert_file;
  ProbeResult r = ProbeOnce(s);
  EXPECT_TRUE(r.success) << r.error_class << ": " << r.error;
  ASSERT_TRUE(r.cert_expiry.has_value());
  // Generated with -days 1 by the real openssl, so compare with the real date loosely:
  // the fake clock starts in 2026 too, but only the shape of the value matters here.
  EXPECT_GT(r.cert_expiry->time_since_epoch(), std::chrono::hours(24 * 365 * 50));
  EXPECT_GT(r.phases.tls, Duration{-1});
}

TEST_F(TlsProbe, InsecureSkipVerifyAcceptsSelfSigned) {
  TlsTarget target(*cert_);
  auto s = Http("tls", target.Url("/ok"));
  s.probe->http.tls.insecure_skip_verify = true;
  ProbeResult r = ProbeOnce(s);
  EXPECT_TRUE(r.success) << r.error;
}

TEST_F(TlsProbe, ExpiredCertificateFailsWithTlsEvenWhenTrusted) {
  TlsTarget target(*expired_);
  auto s = Http("old", target.Url("/ok"));
  s.probe->http.tls.ca_file = expired_->cert_file;
  ProbeResult r = ProbeOnce(s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "tls") << r.error;
}

TEST_F(TlsProbe, TcpProbeConnectsAndOptionallyHandshakes) {
  TlsTarget target(*cert_);
  ProbeResult plain = ProbeOnce(Tcp("db", target.port()));
  EXPECT_TRUE(plain.success) << plain.error;
  EXPECT_EQ(plain.kind, config::ProbeKind::kTcp);
  EXPECT_EQ(plain.http_status, 0);
  // With tls: true the handshake is verified against the system store: self-signed fails.
  ProbeResult tls = ProbeOnce(Tcp("db", target.port(), true));
  EXPECT_EQ(tls.error_class, "tls") << tls.error;
  // ... and passes with the certificate as its CA file, reporting the expiry.
  auto trusted = Tcp("db", target.port(), true);
  trusted.probe->tcp.tls_options.ca_file = cert_->cert_file;
  ProbeResult ok = ProbeOnce(trusted);
  EXPECT_TRUE(ok.success) << ok.error_class << ": " << ok.error;
  EXPECT_TRUE(ok.cert_expiry.has_value());
  auto skip = Tcp("db", target.port(), true);
  skip.probe->tcp.tls_options.insecure_skip_verify = true;
  ProbeResult skipped = ProbeOnce(skip);
  EXPECT_TRUE(skipped.success) << skipped.error_class << ": " << skipped.error;
}

TEST_F(TlsProbe, TcpTlsProbeOfAnExpiredCertificateFailsEvenWhenTrusted) {
  TlsTarget target(*expired_);
  auto s = Tcp("db", target.port(), true);
  s.probe->tcp.tls_options.ca_file = expired_->cert_file;
  ProbeResult r = ProbeOnce(s);
  EXPECT_EQ(r.error_class, "tls") << r.error;
}

TEST(ProbeEngine, TcpProbeToAClosedPortFailsWithConnect) {
  int port = 0;
  {
    RawTarget gone(RawTarget::Mode::kReset);
    port = gone.port();
  }
  ProbeResult r = ProbeOnce(Tcp("db", port));
  EXPECT_EQ(r.error_class, "connect") << r.error;
}

TEST(ProbeEngine, HangingTargetDoesNotDelayAHealthyOne) {
  HttpTarget healthy;
  RawTarget hanging(RawTarget::Mode::kHang);
  // Same interval; the hanging probe's timeout is long, so if it blocked the loop the
  // healthy result could not arrive before it.
  Harness h({Http("hang", hanging.Url(), seconds(8)), Http("www", healthy.Url("/ok"))});
  h.Round();
  ProbeResult r = h.Await("www");
  EXPECT_TRUE(r.success);
  EXPECT_FALSE(h.Find("hang").has_value()) << "the hanging probe is still pending";
  EXPECT_EQ(hanging.accepted(), 1);
}

TEST(ProbeEngine, ProbesEveryIntervalOnTheMonotonicClockAndNeverOverlaps) {
  HttpTarget target;
  RawTarget hanging(RawTarget::Mode::kHang);
  Harness h({Http("www", target.Url("/ok")), Http("hang", hanging.Url(), seconds(5))});
  // Before the first interval has passed only services whose offset is due may run.
  h.engine().Wake();
  h.Round();
  EXPECT_TRUE(WaitFor([&] { return h.Count("www") == 1; }));
  h.clock().SetWall(h.clock().Now() - std::chrono::hours(5));  // a wall jump: no effect
  h.Round();
  EXPECT_TRUE(WaitFor([&] { return h.Count("www") == 2; }));
  // The hanging probe is still in flight after two rounds: it was started once only.
  EXPECT_EQ(h.engine().probes_started(), 3u);
  EXPECT_EQ(hanging.accepted(), 1);
}

// The fake clock stands still while the engine works, so a probe launched by a Round() of
// 10s started exactly 10s - its offset after it was due; the next one, due one interval
// later and reached by a 15s step, 5s late.
TEST(ProbeEngine, ResultsCarryTheirStartDelayAfterTheSchedule) {
  HttpTarget target;
  const Duration offset = ProbeEngine::StartOffset("www", seconds(10));
  Harness h({Http("www", target.Url("/ok"))});
  h.Round();
  ProbeResult first = h.Await("www");
  EXPECT_TRUE(first.success) << first.error;
  EXPECT_EQ(first.start_delay, seconds(10) - offset);
  // Now is start + 10s; the second probe is due at start + offset + 10s.
  h.Round(offset + seconds(5));
  ASSERT_TRUE(WaitFor([&] { return h.Count("www") == 2; }));
  EXPECT_EQ(h.Last("www").start_delay, seconds(5));
}

// A minimal DNS server on 127.0.0.1/udp: answers A 127.0.0.1 for names under "test.",
// NXDOMAIN otherwise; or, when `silent`, reads and never answers.
class FakeDnsServer {
 public:
  // On [::1] when `ipv6`.
  explicit FakeDnsServer(bool silent, bool ipv6 = false) : silent_(silent) {
    if (ipv6) {
      fd_ = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in6 addr{};
      addr.sin6_family = AF_INET6;
      addr.sin6_addr = in6addr_loopback;
      EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      socklen_t len = sizeof addr;
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin6_port);
    } else {
      fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      socklen_t len = sizeof addr;
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDnsServer() {
    stop_.store(true);
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      unsigned char buf[512];
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12 || silent_) continue;
      std::string reply(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
      const bool known = reply.find("\x04test") != std::string::npos;
      reply[2] = static_cast<char>(0x81);                 // response, recursion desired
      reply[3] = static_cast<char>(known ? 0x80 : 0x83);  // RA; rcode 0 or NXDOMAIN
      reply[11] = 0;                                      // no additional (EDNS) records
      reply.resize(12);
      // Copy the question (name + type + class) back.
      size_t q = 12;
      while (q < static_cast<size_t>(n) && buf[q] != 0) q += buf[q] + 1;
      q += 5;
      reply.append(reinterpret_cast<char*>(buf) + 12, q - 12);
      if (known) {
        reply[7] = 1;
        const unsigned char answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
        reply.append(reinterpret_cast<const char*>(answer), sizeof answer);
      }
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  bool silent_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ProbeEngine, DnsProbeResolvesThroughTheGivenServer) {
  FakeDnsServer server(false);
  ProbeResult ok = ProbeOnce(Dns("dns", "svc.test", server.port()));
  EXPECT_TRUE(ok.success) << ok.error_class << ": " << ok.error;
  EXPECT_EQ(ok.kind, config::ProbeKind::kDns);

  auto aaaa = Dns("dns", "svc.test", server.port());
  aaaa.probe->dns.record = config::DnsRecordType::kAaaa;
  ProbeResult none = ProbeOnce(aaaa);
  EXPECT_EQ(none.error_class, "dns") << none.error;

  ProbeResult missing = ProbeOnce(Dns("dns", "svc.example", server.port()));
  EXPECT_FALSE(missing.success);
  EXPECT_EQ(missing.error_class, "dns") << missing.error;
}

TEST(ProbeEngine, DnsProbeAsksAnIpv6Server) {
  FakeDnsServer server(false, /*ipv6=*/true);
  auto dns = Dns("dns6", "svc.test", server.port());
  dns.probe->dns.server = config::HostPort{"::1", static_cast<uint16_t>(server.port())};
  ProbeResult ok = ProbeOnce(dns);
  EXPECT_TRUE(ok.success) << ok.error_class << ": " << ok.error;

  dns.probe->dns.name = "svc.example";
  ProbeResult missing = ProbeOnce(dns);
  EXPECT_EQ(missing.error_class, "dns");
  EXPECT_EQ(missing.error, "NXDOMAIN for svc.example");

  dns.probe->dns.name = "svc.test";
  dns.probe->dns.record = config::DnsRecordType::kAaaa;
  ProbeResult none = ProbeOnce(dns);
  EXPECT_EQ(none.error, "no records of the requested type for svc.test");
}

TEST(ProbeEngine, SilentDnsServerTimesOutWithoutDelayingHttp) {
  FakeDnsServer silent(true);
  HttpTarget healthy;
  Harness h(
      {Dns("dns", "svc.test", silent.port(), milliseconds(700)), Http("www", healthy.Url("/ok"))});
  h.Round();
  EXPECT_TRUE(h.Await("www").success);
  // The engine reports the DNS timeout on its fake clock's deadline: move time past it.
  EXPECT_FALSE(h.Find("dns").has_value());
  h.clock().Advance(milliseconds(800));
  h.engine().Wake();
  ProbeResult r = h.Await("dns");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_class, "timeout") << r.error;
}

}  // namespace
}  // namespace steadystate::collector
