#include "incidents/pagerduty/client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/redact.h"

namespace steadystate::incidents::pagerduty {
namespace {

std::optional<int64_t> HeaderInt(const HttpResponse& response, const std::string& name) {
  auto it = response.headers.find(name);
  if (it == response.headers.end()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (end == it->second.c_str()) return std::nullopt;
  return v;
}

Error Stopped(const std::string& path) {
  return MakeError(ErrorCode::kUnavailable, "PagerDuty GET " + path + ": stopped: shutting down");
}

}  // namespace

TokenBucket::TokenBucket(const Clock& clock, int requests_per_minute, const StopSignal* stop)
    : clock_(clock),
      stop_(stop),
      configured_(std::max(1, requests_per_minute)),
      rate_(std::max(1, requests_per_minute)) {}

bool TokenBucket::Acquire() {
  MonotonicTime slot;
  {
    std::lock_guard lock(mu_);
    const MonotonicTime now = clock_.Monotonic();
    slot = std::max(now, next_);
    // Nanosecond spacing so 960/min is exactly 62.5 ms, not 62 ms.
    next_ = slot + std::chrono::nanoseconds(std::chrono::minutes(1)) / rate_;
  }
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(slot - clock_.Monotonic());
  if (wait.count() > 0) return SleepUnlessStopped(clock_, wait, stop_);
  return stop_ == nullptr || !stop_->stopped();
}

void TokenBucket::PauseUntil(MonotonicTime until) {
  std::lock_guard lock(mu_);
  next_ = std::max(next_, until);
}

void TokenBucket::LimitTo(int requests_per_minute) {
  std::lock_guard lock(mu_);
  rate_ = std::clamp(requests_per_minute, 1, configured_);
}

int TokenBucket::requests_per_minute() const {
  std::lock_guard lock(mu_);
  return rate_;
}

PagerDutyClient::PagerDutyClient(PagerDutyClientOptions options, std::string token,
                                 const HttpClient& http, const Clock& clock, TokenBucket& bucket)
    : options_(std::move(options)),
      token_(std::move(token)),
      http_(http),
      clock_(clock),
      bucket_(bucket),
      rng_(std::random_device{}()) {
  RegisterSecret(token_);  // however the client was built, no echo of the token gets out
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
}

PagerDutyClientStats PagerDutyClient::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Duration PagerDutyClient::Backoff(int attempt) {
  // Exponential with "equal jitter": half the step fixed, half random, so retries from
  // several clients spread out but never come back at once.
  Duration step = options_.first_backoff;
  for (int i = 1; i < attempt && step < options_.max_backoff; ++i) step *= 2;
  step = std::min(step, options_.max_backoff);
  std::lock_guard lock(mu_);
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(step.count() / 2, 0));
  return step / 2 + Duration(jitter(rng_));
}

Result<PdReply> PagerDutyClient::Get(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  HttpRequest request;
  request.method = "GET";
  request.url = options_.base_url + path;
  for (size_t i = 0; i < params.size(); ++i) {
    request.url +=
        (i == 0 ? '?' : '&') + UrlEncode(params[i].first) + "=" + UrlEncode(params[i].second);
  }
  request.timeout = options_.timeout;
  request.headers = {{"Authorization", "Token token=" + token_},
                     {"Accept", "application/vnd.pagerduty+json;version=2"}};

  std::string last_problem;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      std::lock_guard lock(mu_);
      ++stats_.retries;
    }
    if (!bucket_.Acquire()) return Stopped(path);
    {
      std::lock_guard lock(mu_);
      ++stats_.requests;
    }
    auto response = http_.Send(request);
    Duration wait{0};
    if (!response.ok()) {
      // Timeouts, resets and cut-off bodies are worth another try; a bad URL is not.
      if (response.error().code == ErrorCode::kInvalidInput) {
        return MakeError(ErrorCode::kInvalidInput,
                         "PagerDuty GET " + path + ": " + response.error().message);
      }
      if (options_.stop != nullptr && options_.stop->stopped()) return Stopped(path);
      last_problem = response.error().message;
      wait = Backoff(attempt);
    } else {
      const HttpResponse& r = *response;
      const auto reset = HeaderInt(r, "ratelimit-reset");
      if (auto limit = HeaderInt(r, "ratelimit-limit"); limit && *limit > 0) {
        bucket_.LimitTo(static_cast<int>(std::min<int64_t>(*limit, 1 << 20)));
      }
      if (auto remaining = HeaderInt(r, "ratelimit-remaining"); remaining && *remaining <= 0) {
        bucket_.PauseUntil(clock_.Monotonic() + std::chrono::seconds(reset.value_or(1)));
      }
      if (r.status >= 200 && r.status < 300) return PdReply{r.status, r.body, std::nullopt};
      auto error = ParsePagerDutyError(r.body);
      if (r.status == 429) {
        std::lock_guard lock(mu_);
        ++stats_.rate_limited;
      }
      if (r.status == 429 || r.status >= 500) {
        last_problem = "HTTP " + std::to_string(r.status) +
                       (error ? ": " + Redact(error->ToString()) : std::string());
        if (r.status == 429 && reset) {
          wait = std::chrono::seconds(std::max<int64_t>(*reset, 1));
          bucket_.PauseUntil(clock_.Monotonic() + wait);
        } else {
          wait = Backoff(attempt);
        }
      } else {
        if (error) {
          error->message = Redact(error->message);
          for (auto& e : error->errors) e = Redact(e);
        }
        return PdReply{r.status, r.body, error};
      }
    }
    if (attempt == options_.max_attempts) break;
    if (on_retry_) {
      on_retry_("PagerDuty GET " + path + ": " + last_problem + "; retry " +
                std::to_string(attempt) + " of " + std::to_string(options_.max_attempts - 1) +
                " in " + FormatDuration(wait));
    }
    if (!SleepUnlessStopped(clock_, wait, options_.stop)) {
      return Stopped(path);
    }
  }
  return MakeError(ErrorCode::kUnavailable,
                   "PagerDuty GET " + path + ": " + last_problem + " (gave up after " +
                       std::to_string(options_.max_attempts) + " attempts)");
}

}  // namespace steadystate::incidents::pagerduty
