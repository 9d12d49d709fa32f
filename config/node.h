// Internal to config/: a located YAML tree and a reader that walks one map of it.
//
// node.cc copies yaml-cpp's document into Node (so no other file sees yaml-cpp types, aliases
// become plain copies and cycles are cut by a depth limit). Section parsers then read each
// map through a MapReader, which records every key's location in the SourceMap, turns every
// problem into a located error in the Context, and reports the keys nobody asked for as
// unknown (with a "did you mean" hint) when it goes out of scope. Parsing never stops at the
// first error: a field that fails keeps its default and parsing goes on.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace steadystate::config {

struct MapEntry;

struct Node {
  enum class Kind { kNull, kScalar, kList, kMap };
  Kind kind = Kind::kNull;
  SourceLocation where;
  std::string scalar;             // kScalar
  std::vector<Node> items;        // kList
  std::vector<MapEntry> entries;  // kMap, in document order (duplicates kept)
};

struct MapEntry {
  std::string key;
  SourceLocation where;  // of the key
  Node value;
};

// A kInvalidInput error, the code of every config problem.
inline steadystate::Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

// `text` in double quotes, as messages quote what the user wrote.
inline std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// "nothing", "a single value", "a list", "a map": completes "expected a list, got ...".
std::string_view KindName(Node::Kind kind);

// The errors of one Parse, and where they go: each is one line
// "SOURCE:LINE:COL: PATH: MESSAGE" ("SOURCE:LINE:COL: MESSAGE" when the path is empty).
class Context {
 public:
  Context(std::string_view source_name, SourceMap& locations)
      : source_name_(source_name), locations_(locations) {}

  void Error(SourceLocation where, std::string_view path, std::string_view message);
  // Located through the SourceMap (the path or its nearest recorded ancestor).
  void ErrorAt(std::string_view path, std::string_view message);
  void Record(std::string path, SourceLocation where) { locations_.Record(std::move(path), where); }
  std::optional<SourceLocation> Locate(std::string_view path) const {
    return locations_.Find(path);
  }
  bool failed() const { return !diagnostics_.empty(); }
  // Every error as one kInvalidInput Error, lines sorted by position, duplicates dropped.
  steadystate::Error ToError() const;

 private:
  struct Diagnostic {
    SourceLocation where;
    std::string line;
  };
  std::string source_name_;
  SourceMap& locations_;
  std::vector<Diagnostic> diagnostics_;
};

// Parses one YAML document. An empty document is a null Node. Syntax errors ("invalid YAML:
// ..."), several documents, nesting deeper than kMaxDepth and alias bombs are reported to
// `ctx` and return nullopt. Never throws.
inline constexpr int kMaxDepth = 64;
inline constexpr size_t kMaxNodes = 100'000;
std::optional<Node> LoadYaml(std::string_view text, Context& ctx);

// How to read one scalar: `what` completes "expected ..., got a map"; `parse` turns the text
// into a T or a user-facing message (which must not repeat a secret).
template <typename T>
struct ValueParser {
  std::string_view what;
  std::function<Result<T>(std::string_view)> parse;
};

ValueParser<std::string> AnyString();  // "" allowed
ValueParser<std::string> NonEmptyString();
ValueParser<std::string> Name();                          // CheckName
ValueParser<std::string> HttpUrl();                       // CheckHttpUrl
ValueParser<std::string> AbsolutePath();                  // starts with '/'
ValueParser<bool> Bool();                                 // true / false
ValueParser<double> Number();                             // finite decimal
ValueParser<double> Percent();                            // 0 < x < 100
ValueParser<Duration> AnyDuration();                      // >= 0
ValueParser<Duration> PositiveDuration();                 // > 0
ValueParser<HostPort> HostPortValue();                    // port 0 allowed (listen on any port)
ValueParser<HostPort> TargetHostPort();                   // port 1-65535
ValueParser<uint64_t> ByteSize();                         // > 0
ValueParser<uint64_t> Count(uint64_t min, uint64_t max);  // a whole number in [min, max]

template <typename T>
using EnumTable = std::span<const std::pair<std::string_view, T>>;

// One of the names in `table`; the error lists them and hints at the closest.
template <typename T>
ValueParser<T> OneOf(std::string_view what, EnumTable<T> table);

// The YAML name of `value` in `table`, or "" when absent.
template <typename T>
std::string_view NameOf(EnumTable<T> table, T value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "";
}

// Reads one YAML map. Not copyable; lives on the stack of the section parser.
class MapReader {
 public:
  // A null node reads as an empty map (a section written as `log:` keeps its defaults).
  // Anything else that is not a map is reported and reads as empty. Duplicate keys are
  // reported; the first one counts.
  MapReader(Context& ctx, const Node& node, std::string path);
  // Reports every key that no Find/Read asked about as unknown.
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  Context& ctx() const { return ctx_; }
  const std::string& path() const { return path_; }
  SourceLocation where() const { return node_.where; }
  std::string PathOf(std::string_view key) const;

  // The entry for `key`, or nullptr. Marks `key` as known and records its location.
  const MapEntry* Find(std::string_view key);

  // Scalar fields. Each returns true iff the key was present and valid; a missing key leaves
  // `out` untouched (its default), an invalid one leaves it untouched and reports.
  template <typename T>
  bool Read(std::string_view key, T& out, const ValueParser<T>& parser);
  template <typename T>
  bool Read(std::string_view key, std::optional<T>& out, const ValueParser<T>& parser);
  template <typename T>
  bool ReadRequired(std::string_view key, T& out, const ValueParser<T>& parser);

  // A list of scalars; present, it replaces the default. Items are recorded as key[i] and
  // out[i] is always item i.
  template <typename T>
  void ReadList(std::string_view key, std::vector<T>& out, const ValueParser<T>& parser);
  // A map of strings to strings; present, it replaces the default.
  void ReadStringMap(std::string_view key, std::map<std::string, std::string>& out);
  // Calls `fn` with a reader of the nested map `key` if it is present; returns whether it was.
  bool ReadMap(std::string_view key, const std::function<void(MapReader&)>& fn);
  // Calls `fn` with a reader of each map in the list `key`.
  void ReadMapList(std::string_view key, const std::function<void(MapReader&, size_t)>& fn);

  // A secret given as `<name>_env` or `<name>_file`. `<name>` itself (an inline secret) and
  // both at once are errors; so is neither when `required`. The value of an inline secret is
  // never read into any message.
  void ReadSecret(std::string_view name, SecretRef& out, bool required);

  // Exactly one of `keys` must be present: returns its index, or reports none / several.
  std::optional<size_t> ReadOneOf(std::span<const std::string_view> keys);

  // Reports `message` at `key`'s value (at the map itself when `key` is absent).
  void Error(std::string_view key, std::string_view message);
  // "missing required key "name"" (+ " (why)"), at the map.
  void MissingKey(std::string_view key, std::string_view why = "");

 private:
  template <typename T>
  std::optional<T> Decode(const Node& value, const std::string& path, const ValueParser<T>& parser);

  Context& ctx_;
  const Node& node_;
  std::string path_;
  std::vector<std::string> asked_;
};

// ---- implementation of the templates ----

template <typename T>
ValueParser<T> OneOf(std::string_view what, EnumTable<T> table) {
  return {what, [table](std::string_view text) -> Result<T> {
            std::string names;
            std::vector<std::string_view> candidates;
            for (const auto& [name, value] : table) {
              if (name == text) return value;
              names += (names.empty() ? "" : ", ") + std::string(name);
              candidates.push_back(name);
            }
            return MakeError(ErrorCode::kInvalidInput, "\"" + std::string(text) +
                                                           "\" is not one of " + names +
                                                           DidYouMean(text, candidates));
          }};
}

template <typename T>
std::optional<T> MapReader::Decode(const Node& value, const std::string& path,
                                   const ValueParser<T>& parser) {
  if (value.kind != Node::Kind::kScalar) {
    ctx_.Error(value.where, path,
               value.kind == Node::Kind::kNull
                   ? "missing value (expected " + std::string(parser.what) + ")"
                   : "expected " + std::string(parser.what) + ", got " +
                         std::string(KindName(value.kind)));
    return std::nullopt;
  }
  Result<T> parsed = parser.parse(value.scalar);
  if (!parsed.ok()) {
    ctx_.Error(value.where, path, parsed.error().message);
    return std::nullopt;
  }
  return std::move(parsed).value();
}

template <typename T>
bool MapReader::Read(std::string_view key, T& out, const ValueParser<T>& parser) {
  const MapEntry* entry = Find(key);
  if (entry == nullptr) return false;
  std::optional<T> value = Decode(entry->value, PathOf(key), parser);
  if (!value) return false;
  out = std::move(*value);
  return true;
}

template <typename T>
bool MapReader::Read(std::string_view key, std::optional<T>& out, const ValueParser<T>& parser) {
  const MapEntry* entry = Find(key);
  if (entry == nullptr) return false;
  out = Decode(entry->value, PathOf(key), parser);
  return out.has_value();
}

template <typename T>
bool MapReader::ReadRequired(std::string_view key, T& out, const ValueParser<T>& parser) {
  if (Find(key) == nullptr) {
    MissingKey(key);
    return false;
  }
  return Read(key, out, parser);
}

template <typename T>
void MapReader::ReadList(std::string_view key, std::vector<T>& out, const ValueParser<T>& parser) {
  const MapEntry* entry = Find(key);
  if (entry == nullptr) return;
  out.clear();
  const Node& list = entry->value;
  if (list.kind == Node::Kind::kNull) return;
  if (list.kind != Node::Kind::kList) {
    ctx_.Error(list.where, PathOf(key), "expected a list, got " + std::string(KindName(list.kind)));
    return;
  }
  for (size_t i = 0; i < list.items.size(); ++i) {
    std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    ctx_.Record(item_path, list.items[i].where);
    // A failed item keeps its index (as T{}), so out[i] stays at `item_path` for later checks.
    out.push_back(Decode(list.items[i], item_path, parser).value_or(T{}));
  }
}

}  // namespace steadystate::config
