#include "incidents/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace steadystate::incidents {
namespace {

// R's binom.test and fisher.test count outcomes whose probability is within a relative
// 1e-7 of the observed one as "as extreme", so rounding cannot drop the mirror outcome.
constexpr double kRelativeTolerance = 1 + 1e-7;

double LogChoose(uint64_t n, uint64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

double LogBinomialPmf(uint64_t k, uint64_t n, double p) {
  constexpr double kNever = -std::numeric_limits<double>::infinity();
  if (p <= 0) return k == 0 ? 0 : kNever;
  if (p >= 1) return k == n ? 0 : kNever;
  return LogChoose(n, k) + static_cast<double>(k) * std::log(p) +
         static_cast<double>(n - k) * std::log1p(-p);
}

}  // namespace

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double BinomialTestTwoSided(uint64_t k, uint64_t n, double p) {
  if (n == 0 || k > n) return 1;
  const double observed = LogBinomialPmf(k, n, p);
  const double limit = observed + std::log(kRelativeTolerance);
  double sum = 0;
  for (uint64_t i = 0; i <= n; ++i) {
    const double lp = LogBinomialPmf(i, n, p);
    if (lp <= limit) sum += std::exp(lp);
  }
  return std::min(1.0, sum);
}

RateTest PoissonRateTest(uint64_t count_before, double exposure_before, uint64_t count_after,
                         double exposure_after) {
  RateTest t;
  if (exposure_before <= 0 || exposure_after <= 0) return t;
  t.rate_before = static_cast<double>(count_before) / exposure_before;
  t.rate_after = static_cast<double>(count_after) / exposure_after;
  t.p_value = BinomialTestTwoSided(count_before, count_before + count_after,
                                   exposure_before / (exposure_before + exposure_after));
  return t;
}

std::optional<MannWhitney> MannWhitneyU(const std::vector<double>& x,
                                        const std::vector<double>& y) {
  if (x.empty() || y.empty()) return std::nullopt;
  struct Value {
    double v;
    bool first;
  };
  std::vector<Value> all;
  all.reserve(x.size() + y.size());
  for (double v : x) all.push_back({v, true});
  for (double v : y) all.push_back({v, false});
  std::sort(all.begin(), all.end(), [](const Value& a, const Value& b) { return a.v < b.v; });

  // Midranks for ties; sum of the first sample's ranks; sum of t^3 - t over tie groups.
  const auto n = static_cast<double>(all.size());
  double rank_sum = 0;
  double ties = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].v == all[i].v) ++j;
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (all[k].first) rank_sum += midrank;
    }
    const auto t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const auto n1 = static_cast<double>(x.size());
  const auto n2 = static_cast<double>(y.size());
  MannWhitney r;
  r.u = rank_sum - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  const double variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (variance <= 0) return r;  // every value tied: no evidence either way
  const double diff = r.u - mean;
  const double correction = diff > 0 ? 0.5 : diff < 0 ? -0.5 : 0;
  r.z = (diff - correction) / std::sqrt(variance);
  r.p_value = std::min(1.0, 2 * NormalCdf(-std::fabs(r.z)));
  return r;
}

double FisherExactTwoSided(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  // With margins fixed, `a` is hypergeometric: row1 = a + b draws from col1 = a + c
  // successes among n.
  const uint64_t row1 = a + b;
  const uint64_t col1 = a + c;
  const uint64_t n = a + b + c + d;
  if (n == 0) return 1;
  auto log_p = [&](uint64_t x) {
    return LogChoose(col1, x) + LogChoose(n - col1, row1 - x) - LogChoose(n, row1);
  };
  const uint64_t lo = row1 + col1 > n ? row1 + col1 - n : 0;
  const uint64_t hi = std::min(row1, col1);
  const double limit = log_p(a) + std::log(kRelativeTolerance);
  double sum = 0;
  for (uint64_t x = lo; x <= hi; ++x) {
    const double lp = log_p(x);
    if (lp <= limit) sum += std::exp(lp);
  }
  return std::min(1.0, sum);
}

}  // namespace steadystate::incidents
