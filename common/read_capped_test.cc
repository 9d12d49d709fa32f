#include "common/read_capped.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace steadystate {
namespace {

using ::testing::HasSubstr;

class ReadFileCappedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("read_capped_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ReadFileCappedTest, ReadsAFileUpToTheCapAndRefusesOneByteMore) {
  const std::string at_cap = Write("at.json", std::string(100, 'a'));
  auto read = ReadFileCapped(at_cap, 100, "chaos.max_journal_bytes");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, std::string(100, 'a'));

  const std::string over = Write("over.json", std::string(101, 'a'));
  auto refused = ReadFileCapped(over, 100, "chaos.max_journal_bytes");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(refused.error().message, over + ": larger than chaos.max_journal_bytes (100 bytes)");
}

TEST_F(ReadFileCappedTest, AnEndlessDeviceBehindASymlinkIsReadOnlyToTheCap) {
  const std::string link = dir_ / "journal.json";
  std::filesystem::create_symlink("/dev/zero", link);
  auto refused = ReadFileCapped(link, 1 << 20, "chaos.max_journal_bytes");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("journal.json: larger than"));
}

TEST_F(ReadFileCappedTest, AMissingFileSaysWhy) {
  auto missing = ReadFileCapped(dir_ / "nope.json", 100, "chaos.max_journal_bytes");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("nope.json: cannot read: No such file"));
}

}  // namespace
}  // namespace steadystate
