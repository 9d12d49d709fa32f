#include "incidents/stats.h"

#include <gtest/gtest.h>

namespace steadystate::incidents {
namespace {

constexpr double kTight = 1e-9;

// Standard normal table values: Phi(0) = 0.5, Phi(1.96) = 0.9750021, Phi(-1) = 0.1586553.
TEST(Stats, NormalCdfMatchesTables) {
  EXPECT_DOUBLE_EQ(NormalCdf(0), 0.5);
  EXPECT_NEAR(NormalCdf(1.96), 0.9750021, 1e-7);
  EXPECT_NEAR(NormalCdf(-1), 0.1586553, 1e-7);
}

// Binomial(10, 1/2). P(X = k) = C(10, k) / 1024.
TEST(Stats, ExactBinomialTwoSided) {
  // k = 7: outcomes no more likely than C(10,7) = 120 are 0..3 and 7..10:
  // 2 * (1 + 10 + 45 + 120) / 1024 = 352 / 1024 = 0.34375.
  EXPECT_NEAR(BinomialTestTwoSided(7, 10, 0.5), 0.34375, kTight);
  // k = 10: only 0 and 10, 2 / 1024.
  EXPECT_NEAR(BinomialTestTwoSided(10, 10, 0.5), 0.001953125, kTight);
  // k = 5 is the mode: every outcome counts.
  EXPECT_NEAR(BinomialTestTwoSided(5, 10, 0.5), 1.0, kTight);
  // Asymmetric: Binomial(3, 0.2): P = .512, .384, .096, .008. k = 2: P <= .096 are
  // k = 2 and 3: 0.104.
  EXPECT_NEAR(BinomialTestTwoSided(2, 3, 0.2), 0.104, kTight);
  EXPECT_EQ(BinomialTestTwoSided(0, 0, 0.5), 1.0);
}

TEST(Stats, PoissonRatesWithExposure) {
  // 7 incidents in 4 weeks vs 3 in 4 weeks: equal exposure, so Binomial(10, 1/2) at 7.
  RateTest t = PoissonRateTest(7, 4, 3, 4);
  EXPECT_DOUBLE_EQ(t.rate_before, 1.75);
  EXPECT_DOUBLE_EQ(t.rate_after, 0.75);
  EXPECT_NEAR(t.p_value, 0.34375, kTight);
  // 2 in 1 week vs 8 in 4 weeks: the same rate. Binomial(10, 1/5) at 2 is its mode
  // (0.30199), so p = 1.
  EXPECT_NEAR(PoissonRateTest(2, 1, 8, 4).p_value, 1.0, kTight);
  // 0 vs 5 in equal time: 2 * (1/2)^5 = 0.0625.
  EXPECT_NEAR(PoissonRateTest(0, 2, 5, 2).p_value, 0.0625, kTight);
  // 12 sev0/sev1 in 13 weeks before vs 2 in 13 weeks after: 2 * P(X <= 2) for
  // Binomial(14, 1/2) = 2 * (1 + 14 + 91) / 16384 = 212 / 16384 = 0.012939453125.
  EXPECT_NEAR(PoissonRateTest(12, 13, 2, 13).p_value, 0.012939453125, kTight);
}

// No overlap: x = {1, 2, 3}, y = {4, 5, 6}. U = 0, mean n1 n2 / 2 = 4.5,
// variance n1 n2 (n + 1) / 12 = 9 * 7 / 12 = 5.25, z = (0 - 4.5 + 0.5) / sqrt(5.25)
// = -1.745743, p = 2 Phi(-1.745743) = 0.0808556 (R: wilcox.test(1:3, 4:6, exact = FALSE)
// gives W = 0, p-value = 0.08086).
TEST(Stats, MannWhitneySeparatedSamples) {
  auto r = MannWhitneyU({1, 2, 3}, {4, 5, 6});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->u, 0);
  EXPECT_NEAR(r->z, -1.7457431, 1e-6);
  EXPECT_NEAR(r->p_value, 0.0808556, 1e-6);
  auto mirrored = MannWhitneyU({4, 5, 6}, {1, 2, 3});
  EXPECT_EQ(mirrored->u, 9);
  EXPECT_NEAR(mirrored->p_value, r->p_value, kTight);
}

// Hollander & Wolfe (1973), p. 69, the example in R's ?wilcox.test: permeability constants
// x (10 values) and y (5 values); the published statistic is W = U = 35. Normal
// approximation: mean 25, variance 10 * 5 * 16 / 12 = 66.667, z = (35 - 25 - 0.5) / 8.165
// = 1.163508, two-sided p = 0.244624.
TEST(Stats, MannWhitneyHollanderWolfeExample) {
  auto r = MannWhitneyU({0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
                        {1.15, 0.88, 0.90, 0.74, 1.21});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->u, 35);
  EXPECT_NEAR(r->z, 1.163508, 1e-6);
  EXPECT_NEAR(r->p_value, 0.244624, 1e-6);
}

// Ties: x = {1, 2, 2}, y = {2, 3, 3}. Midranks 1 -> 1, 2 -> 3, 3 -> 5.5; R1 = 7,
// U = 7 - 6 = 1. Tie groups of 3 and 2: sum t^3 - t = 24 + 6 = 30. Variance
// 9 / 12 * (7 - 30 / 30) = 4.5; z = (1 - 4.5 + 0.5) / sqrt(4.5) = -1.414214,
// p = 0.1572992.
TEST(Stats, MannWhitneyTieCorrection) {
  auto r = MannWhitneyU({1, 2, 2}, {2, 3, 3});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->u, 1);
  EXPECT_NEAR(r->z, -1.4142136, 1e-6);
  EXPECT_NEAR(r->p_value, 0.1572992, 1e-6);
}

TEST(Stats, MannWhitneyDegenerateInputs) {
  EXPECT_FALSE(MannWhitneyU({}, {1}).has_value());
  auto tied = MannWhitneyU({5, 5}, {5, 5, 5});
  ASSERT_TRUE(tied.has_value());
  EXPECT_EQ(tied->p_value, 1);
  EXPECT_EQ(tied->u, 3);  // 6 pairs, all ties: 6 / 2
}

// Fisher's lady tasting tea (The Design of Experiments, 1935): [[3, 1], [1, 3]].
// Hypergeometric P(a) for a = 0..4 is 1, 16, 36, 16, 1 over 70; two-sided p sums those
// <= 16/70: 34/70 = 0.4857143.
TEST(Stats, FisherExactLadyTastingTea) {
  EXPECT_NEAR(FisherExactTwoSided(3, 1, 1, 3), 34.0 / 70, kTight);
  EXPECT_NEAR(FisherExactTwoSided(4, 0, 0, 4), 2.0 / 70, kTight);
  EXPECT_EQ(FisherExactTwoSided(0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace steadystate::incidents
