#include "collector/probe/probe_engine.h"

#include "common/http_client.h"

#include <curl/curl.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "collector/probe/dns_probe.h"
#include "common/libcurl.h"

namespace steadystate::collector {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

struct Target {
  std::string service;
  config::ProbeConfig probe;
  std::shared_ptr<const RE2> body_regex;  // RE2: linear time, no recursion on the body
  std::string regex_error;  // set if the regex failed to compile (config should prevent it)
  MonotonicTime next{};
  bool in_flight = false;
};

// One HTTP or TCP probe on the multi handle.
struct Transfer {
  size_t target = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  Timestamp started;
  std::chrono::microseconds start_delay{0};
  std::string body;
  size_t max_body = 0;
  bool keep_body = false;
  bool truncated = false;
  char errbuf[CURL_ERROR_SIZE] = {};
};

struct DnsJob {
  uint64_t id = 0;
  size_t target = 0;
  config::DnsProbeConfig config;
  Duration timeout{0};
};

struct DnsDone {
  uint64_t id = 0;
  DnsOutcome outcome;
  Duration elapsed{0};
};

struct DnsPending {
  size_t target = 0;
  Timestamp started;
  std::chrono::microseconds start_delay{0};
  MonotonicTime started_mono;
  MonotonicTime deadline;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!t->keep_body) return n;  // read and discard: nothing to match
  const size_t room = t->max_body - t->body.size();
  if (n > room) {
    // Keep the first max_body bytes and end the transfer: the regex is judged on those.
    t->body.append(data, room);
    t->truncated = true;
    return 0;
  }
  t->body.append(data, n);
  return n;
}

Duration FromCurl(curl_off_t us) { return duration_cast<Duration>(microseconds(us)); }

// Maps a libcurl failure to an error class and a short message. The message is built
// from the curl error text, which names the host but never the path or query.
std::pair<std::string_view, std::string> ClassifyCurl(CURLcode code, const char* errbuf) {
  std::string text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
  switch (ClassifyCurlFailure(code)) {
    case CurlFailure::kTimeout:
      return {kErrorTimeout, text};
    case CurlFailure::kDns:
      return {kErrorDns, text};
    case CurlFailure::kTls:
      return {kErrorTls, text};
    // A reply that is not HTTP (garbage) or a body cut short: the answer itself is bad.
    case CurlFailure::kMalformed:
    case CurlFailure::kUrl:
      return {kErrorBody, text};
    case CurlFailure::kConnect:
    case CurlFailure::kClosed:
    case CurlFailure::kOther:
      break;
  }
  // Refused, reset, empty reply, send/receive failures.
  return {kErrorConnect, text};
}

// Verification settings of an HTTPS request or a TCP probe's TLS handshake.
void SetTlsOptions(CURL* easy, const config::TlsConfig& tls) {
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, tls.ca_file.c_str());
}

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct ProbeEngine::Loop {
  Loop(std::vector<config::ServiceConfig> services, const Clock& clock_in, Sink sink_in,
       ProbeEngineOptions options_in, std::atomic<size_t>& started_in)
      : clock(clock_in), sink(std::move(sink_in)), options(options_in), started(started_in) {
    for (auto& s : services) {
      if (!s.probe) continue;
      Target t;
      t.service = s.name;
      t.probe = *s.probe;
      if (t.probe.kind == config::ProbeKind::kHttp && !t.probe.http.body_regex.empty()) {
        RE2::Options re2_options;
        re2_options.set_log_errors(false);
        auto compiled = std::make_shared<const RE2>(t.probe.http.body_regex, re2_options);
        if (compiled->ok()) {
          t.body_regex = std::move(compiled);
        } else {
          t.regex_error = "invalid body_regex: " + compiled->error();
        }
      }
      targets.push_back(std::move(t));
    }
    // libcurl is loaded on first use (common/libcurl.h): a daemon without probes never
    // maps it. DNS probes need the multi handle too: the loop waits in curl_multi_poll.
    if (targets.empty()) return;
    multi = curl_multi_init();  // loads and initialises libcurl
    if (multi == nullptr) {
      spdlog::error("probes cannot run: {}", LibcurlLoadError());
    }
  }

  ~Loop() {
    for (auto& [easy, transfer] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(transfer->headers);
    }
    curl_multi_cleanup(multi);
  }

  void Run() {
    while (!stopping.load()) {
      const MonotonicTime now = clock.Monotonic();
      for (size_t i = 0; i < targets.size(); ++i) {
        Target& t = targets[i];
        if (t.next > now) continue;
        if (!t.in_flight) Launch(i, t.next);
        t.next += t.probe.interval;
        if (t.next <= now) {
          // Fell behind (a stalled process): skip the missed runs, keep the phase.
          const auto behind = (now - t.next) / t.probe.interval + 1;
          t.next += t.probe.interval * behind;
        }
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE) FinishTransfer(msg->easy_handle, msg->data.result);
      }
      DrainDns();

      // Wait for socket activity, a wake-up, or the next due probe / DNS deadline.
      MonotonicTime wake = clock.Monotonic() + std::chrono::seconds(1);
      for (const Target& t : targets) wake = std::min(wake, t.next);
      for (const auto& [id, pending] : dns_pending) wake = std::min(wake, pending.deadline);
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - clock.Monotonic());
      long curl_wait = -1;
      curl_multi_timeout(multi, &curl_wait);
      int wait_ms = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
      if (curl_wait >= 0) wait_ms = std::min<int>(wait_ms, static_cast<int>(curl_wait));
      if (wait_ms > 0) curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
  }

  // Starts target `index`'s probe, which was due at `due`.
  void Launch(size_t index, MonotonicTime due) {
    Target& t = targets[index];
    t.in_flight = true;
    ++started;
    const Timestamp now_wall = clock.Now();
    const MonotonicTime now = clock.Monotonic();
    const auto start_delay = duration_cast<microseconds>(now - due);
    if (t.probe.kind == config::ProbeKind::kDns) {
      DnsJob job{next_dns_id++, index, t.probe.dns, t.probe.timeout};
      dns_pending[job.id] = {index, now_wall, start_delay, now, now + t.probe.timeout};
      {
        std::lock_guard lock(dns_mu);
        dns_jobs.push_back(std::move(job));
      }
      dns_cv.notify_one();
      return;
    }
    if (!t.regex_error.empty()) {
      ProbeResult r;
      r.service = t.service;
      r.kind = t.probe.kind;
      r.time = now_wall;
      r.start_delay = start_delay;
      r.error_class = kErrorBody;
      r.error = t.regex_error;
      t.in_flight = false;
      sink(r);
      return;
    }
    auto transfer = std::make_unique<Transfer>();
    transfer->target = index;
    transfer->started = now_wall;
    transfer->start_delay = start_delay;
    transfer->max_body = options.max_body_bytes;
    CURL* easy = curl_easy_init();
    transfer->easy = easy;
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // environment proxies are not the target
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->errbuf);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(t.probe.timeout.count()));
    // Each probe measures a fresh connection, as blackbox_exporter does.
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "steadystate-probe");
    if (t.probe.kind == config::ProbeKind::kTcp) {
      const auto& tcp = t.probe.tcp;
      const std::string url = std::string(tcp.tls ? "https://" : "http://") +
                              HostForUrl(tcp.address.host) + ":" +
                              std::to_string(tcp.address.port) + "/";
      curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
      curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
      if (tcp.tls) {
        curl_easy_setopt(easy, CURLOPT_CERTINFO, 1L);
        SetTlsOptions(easy, tcp.tls_options);
      }
    } else {
      const auto& http = t.probe.http;
      curl_easy_setopt(easy, CURLOPT_URL, http.url.c_str());
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, http.follow_redirects ? 1L : 0L);
      curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
      if (http.method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
      } else {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, http.method.c_str());
      }
      if (!http.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(http.body.size()));
        curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, http.body.c_str());
      }
      for (const auto& [name, value] : http.headers) {
        transfer->headers = curl_slist_append(transfer->headers, (name + ": " + value).c_str());
      }
      if (transfer->headers) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
      transfer->keep_body = t.body_regex != nullptr;
      SetTlsOptions(easy, http.tls);
      if (http.url.starts_with("https://") || http.url.starts_with("HTTPS://")) {
        curl_easy_setopt(easy, CURLOPT_CERTINFO, 1L);
      }
    }
    curl_multi_add_handle(multi, easy);
    transfers[easy] = std::move(transfer);
  }

  void FinishTransfer(CURL* easy, CURLcode code) {
    auto it = transfers.find(easy);
    if (it == transfers.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers.erase(it);
    Target& t = targets[transfer->target];
    ProbeResult r;
    r.service = t.service;
    r.kind = t.probe.kind;
    r.time = transfer->started;
    r.start_delay = transfer->start_delay;

    curl_off_t total = 0, resolve = 0, connect = 0, tls = 0, pretransfer = 0, first_byte = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &resolve);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &tls);
    curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &first_byte);
    r.duration = FromCurl(total);
    // Phases as blackbox_exporter splits them; a phase that did not happen stays zero.
    r.phases.resolve = FromCurl(resolve);
    if (connect > 0) r.phases.connect = FromCurl(std::max<curl_off_t>(0, connect - resolve));
    if (tls > 0) r.phases.tls = FromCurl(std::max<curl_off_t>(0, tls - connect));
    if (first_byte > 0) {
      r.phases.processing = FromCurl(std::max<curl_off_t>(0, first_byte - pretransfer));
      r.phases.transfer = FromCurl(std::max<curl_off_t>(0, total - first_byte));
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    r.http_status = static_cast<int>(status);
    r.cert_expiry = EarliestExpiry(easy);

    const bool body_cut = code == CURLE_WRITE_ERROR && transfer->truncated;
    if (code != CURLE_OK && !body_cut) {
      auto [cls, text] = ClassifyCurl(code, transfer->errbuf);
      r.error_class = std::string(cls);
      r.error = std::move(text);
    } else if (t.probe.kind == config::ProbeKind::kHttp) {
      const auto& ranges = t.probe.http.valid_status;
      const bool valid = std::any_of(ranges.begin(), ranges.end(), [&](const auto& range) {
        return range.Contains(r.http_status);
      });
      if (!valid) {
        r.error_class = std::string(kErrorStatus);
        r.error = "HTTP status " + std::to_string(r.http_status) + " is not valid";
      } else if (t.body_regex && !RE2::PartialMatch(transfer->body, *t.body_regex)) {
        r.error_class = std::string(kErrorBody);
        r.error = transfer->truncated ? "body_regex does not match the first " +
                                            std::to_string(transfer->max_body) + " bytes"
                                      : "body_regex does not match the body";
      } else {
        r.success = true;
      }
    } else {
      r.success = true;
    }
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(transfer->headers);
    t.in_flight = false;
    sink(r);
  }

  static std::optional<Timestamp> EarliestExpiry(CURL* easy) {
    curl_certinfo* info = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr) {
      return std::nullopt;
    }
    std::optional<Timestamp> earliest;
    constexpr std::string_view kField = "Expire date:";
    for (int i = 0; i < info->num_of_certs; ++i) {
      for (curl_slist* s = info->certinfo[i]; s != nullptr; s = s->next) {
        std::string_view line = s->data;
        if (!line.starts_with(kField)) continue;
        auto when = ParseCertDate(line.substr(kField.size()));
        if (when.ok() && (!earliest || *when < *earliest)) earliest = *when;
      }
    }
    return earliest;
  }

  void DrainDns() {
    std::deque<DnsDone> done;
    {
      std::lock_guard lock(dns_mu);
      done.swap(dns_done);
    }
    for (auto& d : done) {
      auto it = dns_pending.find(d.id);
      if (it == dns_pending.end()) continue;  // already reported as a timeout
      ProbeResult r;
      r.service = targets[it->second.target].service;
      r.kind = config::ProbeKind::kDns;
      r.time = it->second.started;
      r.start_delay = it->second.start_delay;
      r.duration = d.elapsed;
      r.phases.resolve = d.elapsed;
      r.success = d.outcome.success;
      r.error_class = d.outcome.error_class;
      r.error = d.outcome.error;
      targets[it->second.target].in_flight = false;
      dns_pending.erase(it);
      sink(r);
    }
    const MonotonicTime now = clock.Monotonic();
    for (auto it = dns_pending.begin(); it != dns_pending.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      const Target& t = targets[it->second.target];
      ProbeResult r;
      r.service = t.service;
      r.kind = config::ProbeKind::kDns;
      r.time = it->second.started;
      r.start_delay = it->second.start_delay;
      r.duration = duration_cast<Duration>(now - it->second.started_mono);
      r.phases.resolve = r.duration;
      r.error_class = std::string(kErrorTimeout);
      r.error = "no DNS answer within " + FormatDuration(t.probe.timeout);
      targets[it->second.target].in_flight = false;
      it = dns_pending.erase(it);
      sink(r);
    }
  }

  void DnsWorker() {
    for (;;) {
      DnsJob job;
      {
        std::unique_lock lock(dns_mu);
        dns_cv.wait(lock, [this] { return stopping.load() || !dns_jobs.empty(); });
        if (stopping.load()) return;
        job = std::move(dns_jobs.front());
        dns_jobs.pop_front();
      }
      const MonotonicTime start = clock.Monotonic();
      DnsOutcome outcome = RunDnsQuery(job.config, job.timeout, clock);
      const auto elapsed = duration_cast<Duration>(clock.Monotonic() - start);
      {
        std::lock_guard lock(dns_mu);
        dns_done.push_back({job.id, std::move(outcome), elapsed});
      }
      curl_multi_wakeup(multi);
    }
  }

  const Clock& clock;
  Sink sink;
  ProbeEngineOptions options;
  std::atomic<size_t>& started;
  std::vector<Target> targets;
  CURLM* multi = nullptr;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::thread> dns_threads;

  std::mutex dns_mu;
  std::condition_variable dns_cv;
  std::deque<DnsJob> dns_jobs;                 // guarded by dns_mu
  std::deque<DnsDone> dns_done;                // guarded by dns_mu
  std::map<uint64_t, DnsPending> dns_pending;  // loop thread only
  uint64_t next_dns_id = 1;
};

ProbeEngine::ProbeEngine(std::vector<config::ServiceConfig> services, const Clock& clock, Sink sink,
                         ProbeEngineOptions options) {
  loop_ = std::make_unique<Loop>(std::move(services), clock, std::move(sink), options, started_);
}

ProbeEngine::~ProbeEngine() { Stop(); }

void ProbeEngine::Start() {
  if (loop_->thread.joinable() || loop_->stopping.load()) return;
  if (loop_->multi == nullptr) return;  // no probes, or no libcurl (logged)
  const MonotonicTime now = loop_->clock.Monotonic();
  for (auto& t : loop_->targets) t.next = now + StartOffset(t.service, t.probe.interval);
  bool any_dns = std::any_of(loop_->targets.begin(), loop_->targets.end(),
                             [](const auto& t) { return t.probe.kind == config::ProbeKind::kDns; });
  if (any_dns) {
    for (size_t i = 0; i < std::max<size_t>(1, loop_->options.dns_workers); ++i) {
      loop_->dns_threads.emplace_back([this] { loop_->DnsWorker(); });
    }
  }
  loop_->thread = std::thread([this] { loop_->Run(); });
}

void ProbeEngine::Stop() {
  if (!loop_) return;
  {
    std::lock_guard lock(loop_->dns_mu);
    loop_->stopping.store(true);
  }
  loop_->dns_cv.notify_all();
  curl_multi_wakeup(loop_->multi);
  if (loop_->thread.joinable()) loop_->thread.join();
  for (auto& t : loop_->dns_threads) {
    if (t.joinable()) t.join();
  }
}

void ProbeEngine::Wake() { curl_multi_wakeup(loop_->multi); }

Duration ProbeEngine::StartOffset(std::string_view service, Duration interval) {
  uint64_t hash = 1469598103934665603ULL;
  for (char c : service) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  if (interval.count() <= 0) return Duration{0};
  return Duration(static_cast<int64_t>(hash % static_cast<uint64_t>(interval.count())));
}

}  // namespace steadystate::collector
