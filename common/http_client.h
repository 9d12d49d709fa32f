// HttpClient: every outbound request/response exchange (PagerDuty, Slack, Alertmanager,
// webhooks, Gremlin) goes through this small interface, so modules take it in their
// constructor and tests can swap in a fake or point the real client at a loopback server.
//
// Outcomes: any HTTP response, whatever its status, is a value (HttpResponse). Only a
// transport failure is an Error, with code kUnavailable and a message that starts with its
// class, so callers and users can tell "the receiver is down" from "it said no":
//
//   "timeout: no response from HOST within 10s"
//   "connect: cannot connect to HOST: <reason>"
//   "dns: cannot resolve HOST"
//   "tls: <reason> (HOST)"
//   "connection: HOST closed the connection: <reason>"   (reset, empty reply, cut-off body)
//   "http: <reason> (HOST)"                              (anything else)
//   "stopped: shutting down, no answer awaited from HOST" (the client's StopSignal)
//
// A malformed or non-http(s) URL is kInvalidInput "url: ...". Messages name the host (and
// port) only, never the path, query or user info: a Slack webhook URL is itself a secret.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/stop_signal.h"
#include "common/time.h"

namespace steadystate {

// Responses are cut at this size by default (the exchange is ended there, the first 1 MiB
// kept and the response marked truncated): none of the receivers we talk to sends more than
// a few KB, and a probe target or a misbehaving proxy must not make the daemon buffer an
// endless body.
inline constexpr size_t kMaxHttpResponseBody = 1 << 20;

struct HttpRequest {
  std::string method = "POST";  // GET, POST, PUT, DELETE, ... (HEAD reads no body)
  std::string url;              // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration timeout = std::chrono::seconds(10);  // whole exchange: connect to last byte
  // The body is cut here (see HttpResponse::truncated). Raise it only for a peer that is
  // trusted to send large replies (the CLI reading its own daemon).
  size_t max_body_bytes = kMaxHttpResponseBody;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; a repeated header keeps
                                               // its last value
  std::string body;                            // at most the request's max_body_bytes
  // The reply had more body than max_body_bytes: `body` holds only its first
  // max_body_bytes. Callers that must read the whole reply treat this as an error.
  bool truncated = false;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one exchange. Never follows redirects (a 3xx is returned as a response).
  // Thread-safe: may be called concurrently from any thread.
  [[nodiscard]] virtual Result<HttpResponse> Send(const HttpRequest& request) const = 0;
};

// The libcurl client: one easy handle per call, no signals, environment proxies ignored,
// TLS peer and host verified with the system CA store. Once `stop` (may be null; must
// outlive the client) is raised, an exchange in progress is aborted within about a second
// and new ones fail at once, so a shutdown never waits out a request's timeout.
std::unique_ptr<HttpClient> NewCurlHttpClient(const StopSignal* stop = nullptr);

// What kind of failure a libcurl result code (CURLcode, passed as int so callers need no
// curl header) is. Shared by the HTTP client's messages and the prober's error classes.
enum class CurlFailure {
  kTimeout,    // CURLE_OPERATION_TIMEDOUT
  kDns,        // the host (or proxy) did not resolve
  kConnect,    // refused or unreachable
  kTls,        // handshake, verification, certificate or CA-file problems
  kClosed,     // nothing came back, or the connection broke while sending or receiving
  kMalformed,  // the reply is not valid HTTP, or the body was cut short / undecodable
  kUrl,        // a malformed URL or a protocol curl does not speak
  kOther,
};
CurlFailure ClassifyCurlFailure(int curl_code);

// "host" or "host:port" of `url`, without scheme, user info, path or query: the only part
// of a URL that may appear in a log line or an error. "?" if there is no host.
std::string UrlHost(std::string_view url);

}  // namespace steadystate
