// Redaction: the one way text that may carry a secret is cleaned before it reaches a log
// line, an API error body or the CLI's stderr. Receivers sometimes echo what they were sent
// (PagerDuty's error messages can quote the request's Authorization header), so every
// message built from an outbound reply goes through Redact, and so does every log line
// (common/log.cc wraps the logger's formatter) whatever module logs it.
//
// Redact removes, replacing each with kRedacted:
//   1. every registered secret value. config::ResolveSecret registers each value it reads
//      (PagerDuty API token and routing keys, Gremlin API key, Slack webhook URLs, the
//      server's api token, ...), so a configured secret is known before it is first sent;
//   2. credentials recognised by their shape, registered or not:
//      - the value of an Authorization header, its scheme kept:
//        `Authorization: Token token=abc` -> `Authorization: Token [redacted]`, also in
//        JSON (`"authorization":"Bearer abc"`) and case-insensitively;
//      - the word after `Bearer ` (`Bearer abc` -> `Bearer [redacted]`);
//      - the value of `token=`, `access_token=`, `api_key=`, `password=` (case-insensitive);
//      - the user info of a URL (`https://user:pass@host` -> `https://[redacted]@host`).
//
// Short secrets: a registered value of kMinSubstringSecretBytes or more is removed wherever
// it occurs. A shorter one would mangle unrelated text if removed as a substring (a token
// "ab" would cut every word containing "ab"), so it is removed only where it stands alone:
// not directly next to a letter, a digit, '_', '-' or '.'. Such a short secret is weak
// anyway; the shape rules above still catch it where it travels as a credential.
//
// Thread-safe: Register and Redact may be called from any thread at any time.
#pragma once

#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace steadystate {

inline constexpr std::string_view kRedacted = "[redacted]";
inline constexpr size_t kMinSubstringSecretBytes = 8;

class Redactor {
 public:
  // Adds a secret value (and the forms it takes when echoed inside JSON or a URL: `/`
  // escaped as `\/`, percent-encoded). Empty values are ignored; repeats are kept once.
  void Register(std::string_view secret);
  // `text` without registered secrets and recognisable credentials (see above).
  std::string Redact(std::string_view text) const;

 private:
  void AddLocked(std::string value);

  mutable std::shared_mutex mu_;
  std::vector<std::string> secrets_;  // longest first, so a secret inside another goes too
};

// The process's redactor: secrets are process-wide, like the log they must stay out of.
Redactor& ProcessRedactor();

// ProcessRedactor().Register(secret) / .Redact(text).
void RegisterSecret(std::string_view secret);
std::string Redact(std::string_view text);

}  // namespace steadystate
