#include "config/secret.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/redact.h"

namespace steadystate::config {
namespace {

// A secret is a token or a URL; anything bigger is the wrong file (or /dev/zero).
constexpr size_t kMaxSecretFileBytes = size_t{64} << 10;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

Result<Secret> ReadSecretFile(const std::string& path) {
  auto cannot_read = [&](int error_number) {
    return Invalid("cannot read secret file \"" + path + "\": " + std::strerror(error_number));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return cannot_read(errno);
  std::string value(kMaxSecretFileBytes + 1, '\0');
  size_t size = std::fread(value.data(), 1, value.size(), file.get());
  if (std::ferror(file.get())) return cannot_read(errno);
  if (size > kMaxSecretFileBytes) {
    return Invalid("secret file \"" + path + "\" is larger than 64 KiB; is it the right file?");
  }
  value.resize(size);
  if (value.ends_with('\n')) value.pop_back();
  if (value.ends_with('\r')) value.pop_back();
  if (value.empty()) return Invalid("secret file \"" + path + "\" is empty");
  return Secret(std::move(value));
}

Result<Secret> ReadSecret(const SecretRef& ref, const GetEnv& getenv) {
  if (!ref.env.empty()) {
    const char* value = getenv(ref.env.c_str());
    if (value == nullptr) return Invalid("environment variable " + ref.env + " is not set");
    if (*value == '\0') return Invalid("environment variable " + ref.env + " is empty");
    return Secret(value);
  }
  if (!ref.file.empty()) return ReadSecretFile(ref.file);
  return Invalid("no secret configured");
}

}  // namespace

Result<Secret> ResolveSecret(const SecretRef& ref, const GetEnv& getenv) {
  Result<Secret> secret = ReadSecret(ref, getenv);
  // Known before it is first sent, so no echo of it can reach a log or an error.
  if (secret.ok()) RegisterSecret(secret->Reveal());
  return secret;
}

}  // namespace steadystate::config
