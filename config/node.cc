#include "config/node.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace steadystate::config {
namespace {

// Beyond this many lines the rest is noise (a binary file, a wrong file): say how many.
constexpr size_t kMaxReportedErrors = 100;

// Records where each document's root node starts, and nothing else.
class DocumentRoots final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark&) override { want_root_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { SawNode(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { SawNode(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    SawNode(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    SawNode(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    SawNode(mark);
  }
  void OnMapEnd() override {}

 private:
  void SawNode(const YAML::Mark& mark) {
    if (want_root_) marks.push_back(mark);
    want_root_ = false;
  }
  bool want_root_ = false;
};

SourceLocation ToLocation(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// Copies a yaml-cpp tree into Node. yaml-cpp shares aliased nodes (and lets an alias refer
// to its own anchor, making a cycle), so the copy is bounded in depth and in size.
class Converter {
 public:
  explicit Converter(Context& ctx) : ctx_(ctx) {}

  bool Convert(const YAML::Node& in, Node& out, int depth) {
    out.where = ToLocation(in.Mark());
    if (depth > kMaxDepth) {
      ctx_.Error(out.where, "", "invalid YAML: nested more than 64 levels deep");
      return false;
    }
    if (++count_ > kMaxNodes) {
      ctx_.Error(out.where, "",
                 "invalid YAML: more than 100000 values (after expanding aliases); this is "
                 "not a steadystate config");
      return false;
    }
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Node::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = Node::Kind::kScalar;
        out.scalar = in.Scalar();
        return true;
      case YAML::NodeType::Sequence:
        out.kind = Node::Kind::kList;
        for (const YAML::Node& item : in) {
          out.items.emplace_back();
          if (!Convert(item, out.items.back(), depth + 1)) return false;
        }
        return true;
      case YAML::NodeType::Map:
        out.kind = Node::Kind::kMap;
        for (const auto& pair : in) {
          const YAML::Node& key = pair.first;
          if (!key.IsScalar()) {
            ctx_.Error(ToLocation(key.Mark()), "", "map keys must be plain names");
            continue;
          }
          MapEntry entry{key.Scalar(), ToLocation(key.Mark()), Node{}};
          if (!Convert(pair.second, entry.value, depth + 1)) return false;
          // yaml-cpp places an empty value at the next token, often on a later line; the
          // key is where the user looks.
          if (entry.value.kind == Node::Kind::kNull) entry.value.where = entry.where;
          out.entries.push_back(std::move(entry));
        }
        return true;
    }
    return true;
  }

 private:
  Context& ctx_;
  size_t count_ = 0;
};

Result<double> ParseNumber(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return Invalid(Quote(text) + " is not a number (example: 0.8)");
  }
  return value;
}

Result<std::string> Checked(std::string_view text, const Status& status) {
  if (!status.ok()) return status.error();
  return std::string(text);
}

bool IsEnvVarName(std::string_view text) {
  if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The value is deliberately not quoted: a user who pastes the token itself into *_env must
// not see it echoed into a terminal or a CI log.
ValueParser<std::string> EnvVarName() {
  return {"an environment variable name", [](std::string_view text) -> Result<std::string> {
            if (IsEnvVarName(text)) return std::string(text);
            return Invalid(
                "must name an environment variable (letters, digits and '_', not starting "
                "with a digit; example: PD_ROUTING_KEY); the value is not shown in case it is "
                "the secret itself");
          }};
}

}  // namespace

std::string_view KindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kNull:
      return "nothing";
    case Node::Kind::kScalar:
      return "a single value";
    case Node::Kind::kList:
      return "a list";
    case Node::Kind::kMap:
      return "a map";
  }
  return "?";
}

void Context::Error(SourceLocation where, std::string_view path, std::string_view message) {
  std::string line = source_name_;
  if (where.line > 0) {
    line += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  }
  line += ": ";
  if (!path.empty()) line += std::string(path) + ": ";
  line += message;
  diagnostics_.push_back({where, std::move(line)});
}

void Context::ErrorAt(std::string_view path, std::string_view message) {
  Error(locations_.Find(path).value_or(SourceLocation{}), path, message);
}

Error Context::ToError() const {
  std::vector<Diagnostic> sorted = diagnostics_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  sorted.erase(
      std::unique(sorted.begin(), sorted.end(),
                  [](const Diagnostic& a, const Diagnostic& b) { return a.line == b.line; }),
      sorted.end());
  std::string message;
  for (size_t i = 0; i < sorted.size() && i < kMaxReportedErrors; ++i) {
    if (i > 0) message += '\n';
    message += sorted[i].line;
  }
  if (sorted.size() > kMaxReportedErrors) {
    message += "\n" + source_name_ + ": " + std::to_string(sorted.size() - kMaxReportedErrors) +
               " more errors not shown";
  }
  return Invalid(std::move(message));
}

std::optional<Node> LoadYaml(std::string_view text, Context& ctx) {
  try {
    // Counts the documents without YAML::LoadAll, which never returns on a stray ',' after a
    // document (yaml-cpp 0.7: each turn yields another empty document at the same place;
    // jbeder/yaml-cpp#1040, found by tests/fuzz/config_fuzz.cc). Such a document is an error.
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentRoots roots;
    while (parser.HandleNextDocument(roots)) {
      size_t n = roots.marks.size();
      if (n >= 2 && roots.marks[n - 1].pos == roots.marks[n - 2].pos) {
        ctx.Error(ToLocation(roots.marks[n - 1]), "", "invalid YAML: unexpected character");
        return std::nullopt;
      }
    }
    if (roots.marks.empty()) return Node{};
    if (roots.marks.size() > 1) {
      ctx.Error(ToLocation(roots.marks[1]), "",
                "invalid YAML: expected one document, found " + std::to_string(roots.marks.size()) +
                    " (remove the \"---\" separator)");
      return std::nullopt;
    }
    YAML::Node document = YAML::Load(std::string(text));
    Node root;
    Converter converter(ctx);
    if (!converter.Convert(document, root, 0)) return std::nullopt;
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    ctx.Error(ToLocation(e.mark), "", "invalid YAML: nested too deeply");
  } catch (const YAML::Exception& e) {
    ctx.Error(ToLocation(e.mark), "", "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    ctx.Error({}, "", std::string("invalid YAML: ") + e.what());
  }
  return std::nullopt;
}

ValueParser<std::string> AnyString() {
  return {"a string",
          [](std::string_view text) -> Result<std::string> { return std::string(text); }};
}

ValueParser<std::string> NonEmptyString() {
  return {"a string", [](std::string_view text) -> Result<std::string> {
            if (text.empty()) return Invalid("must not be empty");
            return std::string(text);
          }};
}

ValueParser<std::string> Name() {
  return {"a name", [](std::string_view text) { return Checked(text, CheckName(text)); }};
}

ValueParser<std::string> HttpUrl() {
  return {"a URL", [](std::string_view text) { return Checked(text, CheckHttpUrl(text)); }};
}

ValueParser<std::string> AbsolutePath() {
  return {"a path", [](std::string_view text) -> Result<std::string> {
            if (!text.starts_with('/')) {
              return Invalid(Quote(text) + " is not an absolute path (example: /var/lib)");
            }
            return std::string(text);
          }};
}

ValueParser<bool> Bool() {
  return {"true or false", [](std::string_view text) -> Result<bool> {
            if (text == "true" || text == "True" || text == "TRUE") return true;
            if (text == "false" || text == "False" || text == "FALSE") return false;
            return Invalid(Quote(text) + " is not true or false");
          }};
}

ValueParser<double> Number() { return {"a number", ParseNumber}; }

ValueParser<double> Percent() {
  return {"a percentage", [](std::string_view text) -> Result<double> {
            Result<double> value = ParseNumber(text);
            if (!value.ok() || *value <= 0 || *value >= 100) {
              return Invalid(Quote(text) +
                             " is not a percentage between 0 and 100, exclusive (example: 99.9)");
            }
            return value;
          }};
}

ValueParser<Duration> AnyDuration() { return {"a duration", ParseDuration}; }

ValueParser<Duration> PositiveDuration() {
  return {"a duration", [](std::string_view text) -> Result<Duration> {
            Result<Duration> value = ParseDuration(text);
            if (value.ok() && value->count() == 0) {
              return Invalid(Quote(text) + " must be longer than 0 (examples: 10s, 5m)");
            }
            return value;
          }};
}

ValueParser<HostPort> HostPortValue() { return {"host:port", ParseHostPort}; }

ValueParser<HostPort> TargetHostPort() {
  return {"host:port", [](std::string_view text) -> Result<HostPort> {
            Result<HostPort> value = ParseHostPort(text);
            if (value.ok() && value->port == 0) {
              return Invalid(Quote(text) + " has port 0 (example: db.internal:5432)");
            }
            return value;
          }};
}

ValueParser<uint64_t> Count(uint64_t min, uint64_t max) {
  return {
      "a whole number", [min, max](std::string_view text) -> Result<uint64_t> {
        uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
          return Invalid(Quote(text) + " is not a whole number from " + std::to_string(min) +
                         " to " + std::to_string(max));
        }
        return value;
      }};
}

ValueParser<uint64_t> ByteSize() {
  return {"a size", [](std::string_view text) -> Result<uint64_t> {
            Result<uint64_t> value = ParseByteSize(text);
            if (value.ok() && *value == 0) {
              return Invalid(Quote(text) + " must be more than 0 bytes (examples: 512KiB, 4MiB)");
            }
            return value;
          }};
}

MapReader::MapReader(Context& ctx, const Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (node_.kind != Node::Kind::kMap) {
    if (node_.kind != Node::Kind::kNull) {
      ctx_.Error(node_.where, path_, "expected a map, got " + std::string(KindName(node_.kind)));
    }
    return;
  }
  std::unordered_map<std::string_view, const MapEntry*> seen;
  for (const MapEntry& entry : node_.entries) {
    auto [it, inserted] = seen.emplace(entry.key, &entry);
    if (!inserted) {
      ctx_.Error(entry.where, path_,
                 "duplicate key " + Quote(entry.key) + " (first on line " +
                     std::to_string(it->second->where.line) + ")");
    }
  }
}

MapReader::~MapReader() {
  for (const MapEntry& entry : node_.entries) {
    if (std::find(asked_.begin(), asked_.end(), entry.key) != asked_.end()) continue;
    ctx_.Error(entry.where, path_,
               "unknown key " + Quote(entry.key) + DidYouMean(entry.key, asked_));
  }
}

std::string MapReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const MapEntry* MapReader::Find(std::string_view key) {
  if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.emplace_back(key);
  for (const MapEntry& entry : node_.entries) {
    if (entry.key == key) {
      ctx_.Record(PathOf(key), entry.value.where);
      return &entry;
    }
  }
  return nullptr;
}

void MapReader::ReadStringMap(std::string_view key, std::map<std::string, std::string>& out) {
  ReadMap(key, [&](MapReader& map) {
    out.clear();
    for (const MapEntry& entry : map.node_.entries) {
      map.Read(entry.key, out[entry.key], AnyString());
    }
  });
}

bool MapReader::ReadMap(std::string_view key, const std::function<void(MapReader&)>& fn) {
  const MapEntry* entry = Find(key);
  if (entry == nullptr) return false;
  MapReader nested(ctx_, entry->value, PathOf(key));
  fn(nested);
  return true;
}

void MapReader::ReadMapList(std::string_view key,
                            const std::function<void(MapReader&, size_t)>& fn) {
  const MapEntry* entry = Find(key);
  if (entry == nullptr || entry->value.kind == Node::Kind::kNull) return;
  const Node& list = entry->value;
  if (list.kind != Node::Kind::kList) {
    ctx_.Error(list.where, PathOf(key), "expected a list, got " + std::string(KindName(list.kind)));
    return;
  }
  for (size_t i = 0; i < list.items.size(); ++i) {
    std::string item_path = PathOf(key) + "[" + std::to_string(i) + "]";
    ctx_.Record(item_path, list.items[i].where);
    MapReader item(ctx_, list.items[i], item_path);
    fn(item, i);
  }
}

void MapReader::ReadSecret(std::string_view name, SecretRef& out, bool required) {
  std::string env_key = std::string(name) + "_env";
  std::string file_key = std::string(name) + "_file";
  const MapEntry* literal = Find(name);
  if (literal != nullptr) {
    ctx_.Error(literal->where, PathOf(name),
               "secrets are not accepted inline; use " + env_key + " or " + file_key);
  }
  Read(env_key, out.env, EnvVarName());
  Read(file_key, out.file, NonEmptyString());
  bool has_env = Find(env_key) != nullptr;
  bool has_file = Find(file_key) != nullptr;
  if (has_env && has_file) {
    Error(file_key, "give " + env_key + " or " + file_key + ", not both");
  } else if (required && !has_env && !has_file && literal == nullptr) {
    ctx_.Error(where(), path_,
               "missing required key " + Quote(env_key) + " (or " + Quote(file_key) + ")");
  }
}

std::optional<size_t> MapReader::ReadOneOf(std::span<const std::string_view> keys) {
  std::vector<size_t> present;
  std::string choices;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (Find(keys[i]) != nullptr) present.push_back(i);
    choices += (i == 0 ? "" : i + 1 == keys.size() ? " or " : ", ") + Quote(keys[i]);
  }
  if (present.size() == 1) return present[0];
  if (present.empty()) {
    ctx_.Error(where(), path_, "missing required key: one of " + choices);
  } else {
    const MapEntry* second = Find(keys[present[1]]);
    ctx_.Error(second->where, path_,
               "has both " + Quote(keys[present[0]]) + " and " + Quote(keys[present[1]]) +
                   "; give exactly one of " + choices);
  }
  return std::nullopt;
}

void MapReader::Error(std::string_view key, std::string_view message) {
  const MapEntry* entry = Find(key);
  ctx_.Error(entry != nullptr ? entry->value.where : where(), PathOf(key), message);
}

void MapReader::MissingKey(std::string_view key, std::string_view why) {
  ctx_.Error(
      where(), path_,
      "missing required key " + Quote(key) + (why.empty() ? "" : " (" + std::string(why) + ")"));
}

}  // namespace steadystate::config
