#include "http/csp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate::http {
namespace {

using ::testing::HasSubstr;

TEST(Csp, NonceIsFreshBase64OfSixteenBytes) {
  const std::string a = NewCspNonce();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.substr(22), "==");
  EXPECT_NE(a, NewCspNonce());
}

TEST(Csp, PolicyAllowsOnlyTheNoncedInlineScriptAndStyle) {
  EXPECT_EQ(ContentSecurityPolicy({}, "N0"),
            "default-src 'none'; script-src 'nonce-N0'; style-src 'nonce-N0'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  EXPECT_EQ(ContentSecurityPolicy({.connect_self = true, .style_attributes = true}, "N0"),
            "default-src 'none'; script-src 'nonce-N0'; style-src 'nonce-N0'; "
            "style-src-attr 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'");
}

TEST(Csp, NoncesEveryBareScriptAndStyleTagAndAddsTheHeaders) {
  ApiResponse r;
  r.body = "<style>a{}</style><p>&lt;script&gt;</p><script>x()</script><style>b{}</style>";
  ApplyContentSecurityPolicy(r, {}, "N0");
  EXPECT_EQ(r.body,
            "<style nonce=\"N0\">a{}</style><p>&lt;script&gt;</p><script nonce=\"N0\">x()</script>"
            "<style nonce=\"N0\">b{}</style>");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].first, "Content-Security-Policy");
  EXPECT_THAT(r.headers[0].second, HasSubstr("script-src 'nonce-N0'"));
  EXPECT_EQ(r.headers[1],
            (std::pair<std::string, std::string>{"X-Content-Type-Options", "nosniff"}));
}

}  // namespace
}  // namespace steadystate::http
