// Significance tests for the before-and-after report (docs/metrics.md, "How changes are
// tested"). Chosen for what incident data is: counts over an exposure (incidents and pages
// per week) are Poisson-like, so two rates are compared with the exact conditional
// binomial test; durations (TTD, TTA, TTR, TBF) are skewed and heavy-tailed, so two
// samples are compared with the Mann-Whitney U test (normal approximation with tie and
// continuity corrections, as R's wilcox.test(exact = FALSE)); proportions from small
// counts (detection coverage) use Fisher's exact test. All p values are two-sided.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace steadystate::incidents {

// The standard normal CDF.
double NormalCdf(double z);

// Exact two-sided binomial test of k successes in n trials against probability p: the
// sum of the probabilities of every outcome no more likely than k (R's binom.test, with
// its 1e-7 relative tolerance for ties). 1 when n is 0.
double BinomialTestTwoSided(uint64_t k, uint64_t n, double p);

struct RateTest {
  double rate_before = 0;  // count / exposure
  double rate_after = 0;
  double p_value = 1;
};
// Compares two Poisson rates: `count_*` events over `exposure_*` (> 0, e.g. weeks or
// probes). Conditional on the total, the first count is Binomial(total, e1 / (e1 + e2))
// when the rates are equal (R's poisson.test for two samples).
RateTest PoissonRateTest(uint64_t count_before, double exposure_before, uint64_t count_after,
                         double exposure_after);

struct MannWhitney {
  double u = 0;  // U of the first sample: pairs (x, y) with x > y, ties counting 1/2
  double z = 0;  // normal approximation, continuity-corrected toward 0
  double p_value = 1;
};
// Unset when either sample is empty. p is 1 when every value is tied.
std::optional<MannWhitney> MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y);

// Fisher's exact test of the 2x2 table [[a, b], [c, d]], two-sided: the sum of the
// hypergeometric probabilities of tables with the same margins no more likely than this
// one (R's fisher.test).
double FisherExactTwoSided(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

}  // namespace steadystate::incidents
