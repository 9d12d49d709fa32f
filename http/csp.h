// Content-Security-Policy for the HTML the daemon serves (the dashboard and the reports):
// nothing from another origin, the page's own inline <script> and <style> by a nonce that
// is fresh for every response, no framing, no <base>, no form posts. Pure functions but
// NewCspNonce, which reads the kernel's random source; all thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "http/server.h"

namespace steadystate::http {

struct CspPolicy {
  // The page's script fetches the page itself again (the dashboard's live refresh).
  bool connect_self = false;
  // The page sets widths with style="" attributes (the dashboard's bars). Attributes
  // cannot carry a nonce; every attribute value is escaped, and CSS in an attribute runs
  // no script, so only style attributes (style-src-attr) are allowed inline.
  bool style_attributes = false;
};

// 128 bits from getrandom(2), base64: a CSP nonce.
std::string NewCspNonce();

// The Content-Security-Policy header value for `nonce`.
std::string ContentSecurityPolicy(const CspPolicy& policy, std::string_view nonce);

// Puts `nonce` on every bare <script> and <style> tag of the HTML `response.body` (data
// cannot forge one: every string from data is HTML-escaped, so "<" never comes from it) and
// adds Content-Security-Policy and X-Content-Type-Options: nosniff.
void ApplyContentSecurityPolicy(ApiResponse& response, const CspPolicy& policy,
                                std::string_view nonce);

}  // namespace steadystate::http
