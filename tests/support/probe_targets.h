// Probe targets: local servers on 127.0.0.1 (ports chosen by the kernel) that behave like
// the healthy and broken services a probe meets, for probe engine tests and benchmarks.
//
//   HttpTarget   GET /ok (200 "ok"), /fail (503), /slow (200 "ok" after `slow_delay`),
//                /wrong (200 "nope"), /big (200, 10 MB of 'x'), /redirect (302 -> /ok),
//                /echo (200, the request's method, X-Probe header and body),
//                /ab (200, 2 MiB of "abab...", with a 'c' as the last byte of the first MiB)
//   TlsTarget    the same routes over HTTPS with a freshly generated self-signed
//                certificate for 127.0.0.1 / localhost (optionally already expired)
//   RawTarget    a raw socket that, per accepted connection, hangs (never answers),
//                resets (SO_LINGER 0 close) or writes garbage and closes
//
// Thread-safe: each server runs on its own threads; destructors stop and join them.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace steadystate::test_support {

class HttpTarget {
 public:
  explicit HttpTarget(std::chrono::milliseconds slow_delay = std::chrono::milliseconds(300));
  ~HttpTarget();
  HttpTarget(const HttpTarget&) = delete;
  HttpTarget& operator=(const HttpTarget&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string Url(const std::string& path) const;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A self-signed certificate and key, generated with the openssl CLI into `dir`.
struct TestCertificate {
  std::string cert_file;  // PEM; also the CA file that makes it trusted
  std::string key_file;
};
// `expired`: notAfter one day before notBefore (openssl x509 -days -1). Throws
// std::runtime_error if openssl fails.
TestCertificate GenerateCertificate(const std::string& dir, bool expired);

class TlsTarget {
 public:
  explicit TlsTarget(const TestCertificate& certificate);
  ~TlsTarget();
  TlsTarget(const TlsTarget&) = delete;
  TlsTarget& operator=(const TlsTarget&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const;  // "https://127.0.0.1:PORT" + path

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

class RawTarget {
 public:
  enum class Mode { kHang, kReset, kGarbage };
  explicit RawTarget(Mode mode);
  ~RawTarget();
  RawTarget(const RawTarget&) = delete;
  RawTarget& operator=(const RawTarget&) = delete;

  int port() const { return port_; }
  std::string Url() const;  // "http://127.0.0.1:PORT/"
  int accepted() const { return accepted_.load(); }

 private:
  void Serve();

  Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> held_;  // hanging connections, closed by the destructor
  std::thread thread_;
};

}  // namespace steadystate::test_support
