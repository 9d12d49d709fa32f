// HTML that is safe by construction, for the dashboard and the reports. An `Html` is one
// string that grows only by appends of two kinds:
//   - markup, as `HtmlMarkup`, which can be made only from a compile-time constant (its
//     constructors are consteval: a std::string or a char buffer filled at run time does
//     not compile);
//   - data, through methods that escape it (Text, Attr) or check it (LinkIfHttp,
//     LocalHref).
// So a renderer cannot forget an escape: there is no way to put a run-time string in as
// markup. URLs from data become links only for http and https; links within the site
// start with a compile-time path. Not thread-safe (one builder per page); pure.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace steadystate {

namespace html_internal {

// Compile-time checks; a failed check throws, which is a compile error in a consteval call.
consteval bool IsAttrNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == ':' || c == '_';
}
consteval char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
consteval bool EqualsLower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != lower[i]) return false;
  }
  return true;
}
// Attributes whose value is a URL or script: data never goes into them as plain text.
consteval bool IsUrlOrScriptAttr(std::string_view name) {
  if (name.size() >= 2 && Lower(name[0]) == 'o' && Lower(name[1]) == 'n') return true;
  for (std::string_view url : {"href", "src", "srcset", "srcdoc", "action", "formaction",
                               "xlink:href", "poster", "background", "cite", "data", "style"}) {
    if (EqualsLower(name, url)) return true;
  }
  return false;
}
// The name of the attribute whose value `markup` leaves open at its end, quoted or not
// (`<a class="x" href="` and `<a href=` -> "href"), or "" when it ends elsewhere.
consteval std::string_view OpenAttrAtEnd(std::string_view markup) {
  if (!markup.empty() && (markup.back() == '"' || markup.back() == '\'')) {
    markup.remove_suffix(1);
  }
  if (markup.empty() || markup.back() != '=') return {};
  markup.remove_suffix(1);
  size_t start = markup.size();
  while (start > 0 && IsAttrNameChar(markup[start - 1])) --start;
  return markup.substr(start);
}
// A string literal's text, without its terminating NUL.
template <size_t N>
consteval std::string_view Literal(const char (&literal)[N]) {
  if (literal[N - 1] != '\0') throw "not a string literal";
  return {literal, N - 1};
}
consteval std::string_view CheckedAttrName(std::string_view name) {
  if (name.empty()) throw "HtmlAttrName: empty";
  for (char c : name) {
    if (!IsAttrNameChar(c)) throw "HtmlAttrName: not an attribute name";
  }
  if (IsUrlOrScriptAttr(name)) {
    throw "HtmlAttrName: a URL, script or style attribute; use LocalHref or LinkIfHttp";
  }
  return name;
}
consteval std::string_view CheckedSitePath(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path[1] == '/') {
    throw "HtmlSitePath: must start with one '/' and a path character";
  }
  for (char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '.' || c == '~' || c == '-';
    if (!ok) throw "HtmlSitePath: a character outside [A-Za-z0-9/_.~-]";
  }
  return path;
}
consteval std::string_view CheckedMarkup(std::string_view markup) {
  for (char c : markup) {
    if (c == '\0') throw "HtmlMarkup: a NUL inside markup";  // also reads every character
  }
  if (IsUrlOrScriptAttr(OpenAttrAtEnd(markup))) {
    throw "HtmlMarkup: markup ends in a URL or script attribute; use LocalHref or LinkIfHttp";
  }
  return markup;
}

}  // namespace html_internal

// A piece of markup fixed at compile time: a string literal, or a constexpr string_view
// (an asset). Markup that leaves a URL or event-handler attribute value open at its end
// (`<a href="`, ` onclick="`) does not compile either: data would follow into it.
class HtmlMarkup {
 public:
  template <size_t N>
  consteval HtmlMarkup(const char (&literal)[N])  // NOLINT(google-explicit-constructor)
      : text_(html_internal::CheckedMarkup(html_internal::Literal(literal))) {}
  consteval explicit HtmlMarkup(std::string_view constant)
      : text_(html_internal::CheckedMarkup(constant)) {}

  constexpr std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

// An attribute name fixed at compile time; URL, script and style attributes (href, src,
// on*, style, ...) do not compile: their values need more than escaping.
class HtmlAttrName {
 public:
  template <size_t N>
  consteval HtmlAttrName(const char (&name)[N])  // NOLINT(google-explicit-constructor)
      : name_(html_internal::CheckedAttrName(html_internal::Literal(name))) {}
  constexpr std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

// A path within this site fixed at compile time: it starts with one '/' followed by a
// path character (so data after it can never make a `//host` or `scheme:` URL), and holds
// only [A-Za-z0-9/_.~-].
class HtmlSitePath {
 public:
  template <size_t N>
  consteval HtmlSitePath(const char (&path)[N])  // NOLINT(google-explicit-constructor)
      : path_(html_internal::CheckedSitePath(html_internal::Literal(path))) {}
  constexpr std::string_view view() const { return path_; }

 private:
  std::string_view path_;
};

class Html {
 public:
  Html() = default;

  // The markup as written.
  Html& Raw(HtmlMarkup markup) {
    out_.append(markup.view());
    return *this;
  }
  // `text` with & < > " ' as character references: safe as element text and inside a
  // quoted attribute value.
  Html& Text(std::string_view text);
  // A decimal integer.
  template <std::integral T>
  Html& Int(T value) {
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
    return *this;
  }
  // `value` with `decimals` digits after the point, as printf's "%.*f" writes it.
  Html& Fixed(double value, int decimals);
  // ` name="value"`, the value escaped as Text.
  Html& Attr(HtmlAttrName name, std::string_view value);
  // ` name="value"` with & < > " escaped and ' kept: as safe inside the double quotes, for
  // compact encodings that use ' as a digit (the dashboard's strips).
  Html& AttrKeepingApostrophes(HtmlAttrName name, std::string_view value);
  // ` href="path` + tail + `"`: a link within this site, `tail` (a name, a query) escaped
  // as Text.
  Html& LocalHref(HtmlSitePath path, std::string_view tail = {});
  // `<a href="url">text</a>` when IsHttpUrl(url) (common/text.h), else the text alone: a
  // URL from data (an import) never becomes a javascript: or data: link. Both escaped.
  Html& LinkIfHttp(std::string_view url, std::string_view text);
  // Another builder's output, which is safe by the same construction.
  Html& Append(const Html& other) {
    out_.append(other.out_);
    return *this;
  }

  void Reserve(size_t bytes) { out_.reserve(bytes); }
  size_t size() const { return out_.size(); }
  bool empty() const { return out_.empty(); }
  const std::string& str() const& { return out_; }
  // The page, leaving the builder empty.
  std::string Take() && { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace steadystate
