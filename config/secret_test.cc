#include "config/secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <type_traits>

namespace steadystate::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Secret must not be printable, so that it cannot be logged by accident.
template <typename T, typename = void>
struct Streamable : std::false_type {};
template <typename T>
struct Streamable<T,
                  std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};
static_assert(!Streamable<Secret>::value);
static_assert(!std::is_convertible_v<std::string, Secret>);

SecretRef FromEnv(std::string name) {
  SecretRef ref;
  ref.env = std::move(name);
  return ref;
}

SecretRef FromFile(std::string path) {
  SecretRef ref;
  ref.file = std::move(path);
  return ref;
}

const char* FakeEnv(const char* name) {
  std::string_view n(name);
  if (n == "PD_ROUTING_KEY") return "r0ut1ng-k3y";
  if (n == "EMPTY_SECRET") return "";
  return nullptr;
}

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(ResolveSecret, ReadsAnEnvironmentVariable) {
  Result<Secret> secret = ResolveSecret(FromEnv("PD_ROUTING_KEY"), FakeEnv);
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(secret->Reveal(), "r0ut1ng-k3y");
}

TEST(ResolveSecret, NamesAMissingVariableButNoValue) {
  Result<Secret> secret = ResolveSecret(FromEnv("PAGERDUTY_API_TOKEN"), FakeEnv);
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(secret.error().message, "environment variable PAGERDUTY_API_TOKEN is not set");
  EXPECT_THAT(secret.error().message, Not(HasSubstr("r0ut1ng")));
}

TEST(ResolveSecret, RejectsAnEmptyVariable) {
  Result<Secret> secret = ResolveSecret(FromEnv("EMPTY_SECRET"), FakeEnv);
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().message, "environment variable EMPTY_SECRET is empty");
}

TEST(ResolveSecret, ReadsAFileWithoutItsTrailingNewline) {
  std::string path = WriteTempFile("secret_test_newline", "t0k3n\n");
  Result<Secret> secret = ResolveSecret(FromFile(path));
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(secret->Reveal(), "t0k3n");

  std::string crlf = WriteTempFile("secret_test_crlf", "t0k3n\r\n");
  EXPECT_EQ(ResolveSecret(FromFile(crlf))->Reveal(), "t0k3n");
  std::string bare = WriteTempFile("secret_test_bare", "line1\nline2");
  EXPECT_EQ(ResolveSecret(FromFile(bare))->Reveal(), "line1\nline2");
  for (const std::string& p : {path, crlf, bare}) std::filesystem::remove(p);
}

TEST(ResolveSecret, NamesAMissingFile) {
  Result<Secret> secret = ResolveSecret(FromFile("/nonexistent/pd-token"));
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(secret.error().message,
            "cannot read secret file \"/nonexistent/pd-token\": No such file or directory");
}

TEST(ResolveSecret, RejectsEmptyAndOversizedFiles) {
  std::string empty = WriteTempFile("secret_test_empty", "\n");
  EXPECT_EQ(ResolveSecret(FromFile(empty)).error().message,
            "secret file \"" + empty + "\" is empty");
  std::string big = WriteTempFile("secret_test_big", std::string(100'000, 'x'));
  EXPECT_THAT(ResolveSecret(FromFile(big)).error().message, HasSubstr("larger than 64 KiB"));
  std::filesystem::remove(empty);
  std::filesystem::remove(big);
}

TEST(ResolveSecret, PrefersTheVariableAndNeedsOneOfThem) {
  EXPECT_EQ(ResolveSecret(SecretRef{"PD_ROUTING_KEY", "/nonexistent"}, FakeEnv)->Reveal(),
            "r0ut1ng-k3y");
  EXPECT_EQ(ResolveSecret(SecretRef(), FakeEnv).error().message, "no secret configured");
}

TEST(ResolveSecret, UsesTheProcessEnvironmentByDefault) {
  ::setenv("STEADYSTATE_SECRET_TEST", "from-env", 1);
  EXPECT_EQ(ResolveSecret(FromEnv("STEADYSTATE_SECRET_TEST"))->Reveal(), "from-env");
  ::unsetenv("STEADYSTATE_SECRET_TEST");
}

}  // namespace
}  // namespace steadystate::config
