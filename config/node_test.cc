#include "config/node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate::config {
namespace {

using ::testing::ElementsAre;

// Parses `yaml` and lets `read` walk its root map; returns the error text ("" when none).
std::string ReadWith(std::string_view yaml, const std::function<void(MapReader&)>& read,
                     SourceMap* locations = nullptr) {
  SourceMap own;
  Context ctx("n.yaml", locations != nullptr ? *locations : own);
  std::optional<Node> root = LoadYaml(yaml, ctx);
  if (root) {
    MapReader reader(ctx, *root, "root");
    read(reader);
  }
  return ctx.failed() ? ctx.ToError().message : "";
}

TEST(LoadYaml, KeepsLocationsOneBased) {
  SourceMap locations;
  Context ctx("n.yaml", locations);
  std::optional<Node> root = LoadYaml("a: 1\nb:\n  - x\n  - {c: d}\n", ctx);
  ASSERT_TRUE(root.has_value());
  ASSERT_EQ(root->kind, Node::Kind::kMap);
  ASSERT_EQ(root->entries.size(), 2u);
  EXPECT_EQ(root->entries[0].where, (SourceLocation{1, 1}));
  EXPECT_EQ(root->entries[0].value.where, (SourceLocation{1, 4}));
  const Node& list = root->entries[1].value;
  ASSERT_EQ(list.kind, Node::Kind::kList);
  EXPECT_EQ(list.items[1].where, (SourceLocation{4, 5}));
  EXPECT_EQ(list.items[1].entries[0].value.scalar, "d");
}

TEST(LoadYaml, PlacesAnEmptyValueAtItsKey) {
  SourceMap locations;
  Context ctx("n.yaml", locations);
  std::optional<Node> root = LoadYaml("a:\n\n\nb: 1\n", ctx);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->entries[0].value.kind, Node::Kind::kNull);
  EXPECT_EQ(root->entries[0].value.where, (SourceLocation{1, 1}));
}

TEST(LoadYaml, CutsCyclesAndDeepNesting) {
  for (const std::string& yaml :
       {std::string("a: &a [*a]"), std::string(70, '[') + std::string(70, ']')}) {
    SourceMap locations;
    Context ctx("n.yaml", locations);
    EXPECT_FALSE(LoadYaml(yaml, ctx).has_value()) << yaml;
    EXPECT_THAT(ctx.ToError().message, testing::HasSubstr("nested more than 64 levels deep"));
  }
}

// yaml-cpp 0.7's LoadAll never returns on these (tests/fuzz/crashes/config/).
TEST(LoadYaml, RejectsAStrayCommaAfterTheDocument) {
  for (const std::string yaml : {"log?\n # levdl:#infoo\n,", "a?\n#\n,"}) {
    SourceMap locations;
    Context ctx("n.yaml", locations);
    EXPECT_FALSE(LoadYaml(yaml, ctx).has_value()) << yaml;
    EXPECT_THAT(ctx.ToError().message, testing::HasSubstr("invalid YAML"));
  }
}

TEST(LoadYaml, CountsDocuments) {
  SourceMap locations;
  Context ctx("n.yaml", locations);
  EXPECT_FALSE(LoadYaml("a: 1\n---\nb: 2\n---\n", ctx).has_value());
  EXPECT_THAT(ctx.ToError().message,
              testing::HasSubstr("n.yaml:3:1: invalid YAML: expected one document, found 3"));
  Context empty_ctx("n.yaml", locations);
  std::optional<Node> root = LoadYaml("# only a comment\n", empty_ctx);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->kind, Node::Kind::kNull);
}

TEST(MapReader, ReadsTypedFieldsAndKeepsDefaults) {
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(2);
  std::optional<HostPort> server;
  std::vector<std::string> names{"default"};
  bool read_interval = false;
  bool read_timeout = true;
  EXPECT_EQ(ReadWith("interval: 1m\nserver: 'a:53'\nnames: [x, y]",
                     [&](MapReader& map) {
                       read_interval = map.Read("interval", interval, PositiveDuration());
                       read_timeout = map.Read("timeout", timeout, PositiveDuration());
                       map.Read("server", server, HostPortValue());
                       map.ReadList("names", names, NonEmptyString());
                     }),
            "");
  EXPECT_TRUE(read_interval);
  EXPECT_FALSE(read_timeout);
  EXPECT_EQ(interval, std::chrono::minutes(1));
  EXPECT_EQ(timeout, std::chrono::seconds(2));
  EXPECT_EQ(server, (HostPort{"a", 53}));
  EXPECT_THAT(names, ElementsAre("x", "y"));
}

TEST(MapReader, ReportsUnknownKeysWhenItGoesOutOfScope) {
  EXPECT_EQ(ReadWith("known: 1\nknwon: 2\nother: 3\n",
                     [](MapReader& map) {
                       std::string value;
                       map.Read("known", value, AnyString());
                     }),
            "n.yaml:2:1: root: unknown key \"knwon\" (did you mean \"known\"?)\n"
            "n.yaml:3:1: root: unknown key \"other\"");
}

TEST(MapReader, KeepsListIndicesWhenAnItemFails) {
  std::vector<Duration> durations;
  SourceMap locations;
  EXPECT_EQ(ReadWith(
                "d: [1s, bad, 3s]",
                [&](MapReader& map) { map.ReadList("d", durations, AnyDuration()); }, &locations),
            "n.yaml:1:9: root.d[1]: \"bad\" is not a duration (examples: 10s, 5m)");
  EXPECT_THAT(durations,
              ElementsAre(std::chrono::seconds(1), Duration(0), std::chrono::seconds(3)));
  EXPECT_EQ(locations.Find("root.d[2]"), (SourceLocation{1, 14}));
}

TEST(MapReader, RequiresExactlyOneOfSeveralKeys) {
  static constexpr std::array<std::string_view, 3> kKinds{"http", "tcp", "dns"};
  std::optional<size_t> kind;
  EXPECT_EQ(ReadWith("tcp: {}", [&](MapReader& map) { kind = map.ReadOneOf(kKinds); }), "");
  EXPECT_EQ(kind, 1u);
  EXPECT_EQ(ReadWith("x: 1", [&](MapReader& map) { kind = map.ReadOneOf(kKinds); }),
            "n.yaml:1:1: root: missing required key: one of \"http\", \"tcp\" or \"dns\"\n"
            "n.yaml:1:1: root: unknown key \"x\"");
  EXPECT_FALSE(kind.has_value());
}

TEST(MapReader, SecretsComeFromEnvOrFileOnly) {
  SecretRef ref;
  EXPECT_EQ(ReadWith("token_file: /run/secrets/t",
                     [&](MapReader& map) { map.ReadSecret("token", ref, true); }),
            "");
  EXPECT_EQ(ref.file, "/run/secrets/t");
  EXPECT_EQ(ReadWith("token: hunter2", [&](MapReader& map) { map.ReadSecret("token", ref, true); }),
            "n.yaml:1:1: root.token: secrets are not accepted inline; use token_env or "
            "token_file");
  EXPECT_EQ(ReadWith("", [&](MapReader& map) { map.ReadSecret("token", ref, true); }),
            "n.yaml: root: missing required key \"token_env\" (or \"token_file\")");
  EXPECT_EQ(ReadWith("", [&](MapReader& map) { map.ReadSecret("token", ref, false); }), "");
}

TEST(SourceMap, FallsBackToTheNearestAncestor) {
  SourceMap map;
  map.Record("services", {1, 11});
  map.Record("services[0]", {2, 5});
  map.Record("services[0].probe", {3, 7});
  EXPECT_EQ(map.Find("services[0].probe"), (SourceLocation{3, 7}));
  EXPECT_EQ(map.Find("services[0].probe.http.url"), (SourceLocation{3, 7}));
  EXPECT_EQ(map.Find("services[0].slos[2]"), (SourceLocation{2, 5}));
  EXPECT_EQ(map.Find("services[1]"), (SourceLocation{1, 11}));
  EXPECT_EQ(map.Find("alerts[0]"), std::nullopt);
  EXPECT_EQ(map.Find(""), std::nullopt);
}

}  // namespace
}  // namespace steadystate::config
