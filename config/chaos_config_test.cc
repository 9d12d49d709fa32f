// The `chaos:` section's checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace steadystate::config {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view yaml) {
  auto config = Parse(yaml, "test.yaml");
  return config.ok() ? "" : config.error().message;
}

TEST(ChaosConfig, AnnounceNamesConfiguredNotifiers) {
  EXPECT_THAT(ErrorOf("notifiers:\n"
                      "  - {name: chaos-slack, slack: {webhook_url_env: SLACK_URL}}\n"
                      "chaos: {announce: [chaos-slak]}\n"),
              HasSubstr("chaos.announce[0]: unknown notifier \"chaos-slak\""));
  EXPECT_EQ(ErrorOf("notifiers:\n"
                    "  - {name: chaos-slack, slack: {webhook_url_env: SLACK_URL}}\n"
                    "chaos: {announce: [chaos-slack, log]}\n"),
            "");
}

TEST(ChaosConfig, MaxAttackDurationMustBePositive) {
  EXPECT_THAT(ErrorOf("chaos: {max_attack_duration: 0s}\n"), HasSubstr("max_attack_duration"));
  auto config = Parse("chaos: {max_attack_duration: 30m}\n", "test.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->chaos.max_attack_duration, std::chrono::minutes(30));
}

TEST(ChaosConfig, MaxJournalBytesIsASizeOf64MiBByDefault) {
  auto defaults = Parse("", "test.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->chaos.max_journal_bytes, 64u << 20);
  auto config = Parse("chaos: {max_journal_bytes: 1KiB}\n", "test.yaml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->chaos.max_journal_bytes, 1024u);
  EXPECT_THAT(ErrorOf("chaos: {max_journal_bytes: 0}\n"), HasSubstr("chaos.max_journal_bytes"));
  EXPECT_THAT(ErrorOf("chaos: {max_journal_bytes: lots}\n"), HasSubstr("chaos.max_journal_bytes"));
}

TEST(ChaosConfig, OneSourcePerGremlinTeamAndJournalDir) {
  EXPECT_THAT(ErrorOf("chaos:\n"
                      "  sources:\n"
                      "    - gremlin: {api_key_env: K1, team_id: t1}\n"
                      "    - gremlin: {api_key_env: K2, team_id: t1}\n"),
              HasSubstr("chaos.sources[1].gremlin: a second gremlin source for the same team as "
                        "chaos.sources[0]"));
  EXPECT_EQ(ErrorOf("chaos:\n"
                    "  sources:\n"
                    "    - gremlin: {api_key_env: K1, team_id: t1}\n"
                    "    - gremlin: {api_key_env: K2, team_id: t2}\n"),
            "");
  EXPECT_THAT(ErrorOf("chaos:\n"
                      "  sources:\n"
                      "    - chaostoolkit: {journal_dir: /var/lib/ctk}\n"
                      "    - chaostoolkit: {journal_dir: /var/lib/ctk}\n"),
              HasSubstr("chaos.sources[1].chaostoolkit.journal_dir: \"/var/lib/ctk\" is already "
                        "watched by chaos.sources[0]"));
}

}  // namespace
}  // namespace steadystate::config
