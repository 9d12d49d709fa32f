// Secrets (API tokens, routing keys, webhook URLs) never sit in the config file: the file
// names an environment variable (`*_env`) or a file (`*_file`) that holds them, and the
// value is read only when the daemon needs it. Secret deliberately has no operator<< and no
// fmt formatter, so it cannot end up in a log line or an error message by accident.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include "common/result.h"

namespace steadystate::config {

// Where a secret comes from. At most one of the two is set; both empty means "not
// configured" (only allowed where the secret is optional, e.g. server.api_token).
struct SecretRef {
  std::string env;   // environment variable name, e.g. "PD_ROUTING_KEY"
  std::string file;  // path of a file holding the secret (trailing newline ignored)

  bool configured() const { return !env.empty() || !file.empty(); }
  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

// A resolved secret value. Copyable; the only way to read it is the explicit Reveal().
class Secret {
 public:
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& Reveal() const { return value_; }

 private:
  std::string value_;
};

using GetEnv = std::function<const char*(const char*)>;

// Reads the secret `ref` points to. Errors (kInvalidInput) name the variable or the path,
// never a value: "environment variable PD_ROUTING_KEY is not set", "... is empty",
// "cannot read secret file "/run/secrets/pd": No such file or directory", "secret file ...
// is empty", "no secret configured". One trailing "\n" or "\r\n" is stripped from files.
// A value read is registered with the process's redactor (common/redact.h), so it is
// removed from every log line and error message from then on. Thread-safe if `getenv` is.
Result<Secret> ResolveSecret(const SecretRef& ref, const GetEnv& getenv = ::getenv);

}  // namespace steadystate::config
