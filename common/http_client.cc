#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "common/libcurl.h"
#include "common/text.h"

namespace steadystate {
namespace {

struct Exchange {
  HttpResponse response;
  size_t max_body_bytes = kMaxHttpResponseBody;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  const size_t room = ex->max_body_bytes - ex->response.body.size();
  if (n > room) {
    ex->response.body.append(data, room);
    ex->response.truncated = true;
    return 0;  // ends the transfer with CURLE_WRITE_ERROR, which Send turns into success
  }
  ex->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, say): only the final response's headers count.
    ex->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  ex->response.headers[AsciiLower(TrimSpace(line.substr(0, colon)))] =
      std::string(TrimSpace(line.substr(colon + 1)));
  return n;
}

// True when curl's own message quotes a part of the URL that may be secret.
bool QuotesSecretPart(std::string_view text, std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const size_t path = url.find_first_of("/?#", start);
  const std::string_view authority =
      url.substr(start, path == std::string_view::npos ? std::string_view::npos : path - start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (text.find(authority.substr(0, at)) != std::string_view::npos) return true;
  }
  if (path != std::string_view::npos) {
    const std::string_view rest = url.substr(path);
    if (rest.size() > 1 && text.find(rest) != std::string_view::npos) return true;
    // The path alone without its query, and the query alone.
    const size_t query = rest.find('?');
    if (query != std::string_view::npos) {
      const std::string_view p = rest.substr(0, query);
      const std::string_view q = rest.substr(query + 1);
      if (p.size() > 1 && text.find(p) != std::string_view::npos) return true;
      if (!q.empty() && text.find(q) != std::string_view::npos) return true;
    }
  }
  return false;
}

Error TransportError(CURLcode code, const char* error_buffer, const HttpRequest& request) {
  const std::string host = UrlHost(request.url);
  std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  if (QuotesSecretPart(reason, request.url)) reason = curl_easy_strerror(code);
  switch (ClassifyCurlFailure(code)) {
    case CurlFailure::kTimeout:
      return MakeError(ErrorCode::kUnavailable, "timeout: no response from " + host + " within " +
                                                    FormatDuration(request.timeout));
    case CurlFailure::kDns:
      return MakeError(ErrorCode::kUnavailable, "dns: cannot resolve " + host);
    case CurlFailure::kConnect:
      return MakeError(ErrorCode::kUnavailable,
                       "connect: cannot connect to " + host + ": " + reason);
    case CurlFailure::kTls:
      return MakeError(ErrorCode::kUnavailable, "tls: " + reason + " (" + host + ")");
    case CurlFailure::kClosed:
    case CurlFailure::kMalformed:
      return MakeError(ErrorCode::kUnavailable,
                       "connection: " + host + " closed the connection: " + reason);
    case CurlFailure::kUrl:
      return MakeError(ErrorCode::kInvalidInput,
                       "url: not a valid http(s) URL (host " + host + ")");
    case CurlFailure::kOther:
      break;
  }
  return MakeError(ErrorCode::kUnavailable, "http: " + reason + " (" + host + ")");
}

// Called by curl during a transfer (about once a second when nothing moves): a non-zero
// return aborts it with CURLE_ABORTED_BY_CALLBACK.
int OnProgress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
               curl_off_t /*ulnow*/) {
  const auto* stop = static_cast<const StopSignal*>(user);
  return stop->stopped() ? 1 : 0;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const StopSignal* stop) : stop_(stop) {}

  Result<HttpResponse> Send(const HttpRequest& request) const override {
    if (stop_ != nullptr && stop_->stopped()) return Stopped(request);
    // The first request loads (and initialises) libcurl (common/libcurl.h). One easy handle
    // per call: handles are not thread-safe, and notification traffic is far too low for
    // connection reuse to matter.
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) {
      const std::string why = LibcurlLoadError();
      return MakeError(ErrorCode::kInternal,
                       "http: cannot create a curl handle" + (why.empty() ? "" : ": " + why));
    }
    CURL* h = curl.get();

    curl_slist* raw_headers = nullptr;
    bool has_expect = false;
    for (const auto& [name, value] : request.headers) {
      if (AsciiLower(name) == "expect") has_expect = true;
      std::string line = name;
      line.append(": ").append(value);
      raw_headers = curl_slist_append(raw_headers, line.c_str());
    }
    // Without this curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for
    // an answer that some receivers never send.
    if (!has_expect) raw_headers = curl_slist_append(raw_headers, "Expect:");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(raw_headers,
                                                                        &curl_slist_free_all);

    Exchange ex;
    ex.max_body_bytes = request.max_body_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {};
    const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // ignore http_proxy & co. from the environment
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "steadystate");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    if (stop_ != nullptr) {
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, stop_);
    }

    const std::string method = request.method.empty() ? "GET" : request.method;
    if (method == "GET" && request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      // POSTFIELDS sends the body with the method set below; the buffer outlives perform.
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }

    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_ABORTED_BY_CALLBACK && stop_ != nullptr && stop_->stopped()) {
      return Stopped(request);
    }
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && ex.response.truncated)) {
      return TransportError(code, error_buffer, request);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    ex.response.status = static_cast<int>(status);
    return std::move(ex.response);
  }

 private:
  static Error Stopped(const HttpRequest& request) {
    return MakeError(ErrorCode::kUnavailable,
                     "stopped: shutting down, no answer awaited from " + UrlHost(request.url));
  }

  const StopSignal* stop_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(const StopSignal* stop) {
  return std::make_unique<CurlHttpClient>(stop);
}

std::string UrlHost(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) return "?";
  return std::string(authority);
}

CurlFailure ClassifyCurlFailure(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OPERATION_TIMEDOUT:
      return CurlFailure::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return CurlFailure::kDns;
    case CURLE_COULDNT_CONNECT:
      return CurlFailure::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return CurlFailure::kTls;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return CurlFailure::kClosed;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return CurlFailure::kMalformed;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return CurlFailure::kUrl;
    default:
      return CurlFailure::kOther;
  }
}

}  // namespace steadystate
