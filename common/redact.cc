#include "common/redact.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>

#include "common/text.h"

namespace steadystate {
namespace {

struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return begin >= end; }
};

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Next to one of these a short secret is part of a longer word, not the secret itself.
bool IsWordChar(char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.'; }

// Where a credential ends as it travels in a header, JSON, a query or a sentence.
bool EndsCredential(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7f) return true;
  switch (c) {
    case '"':
    case '\'':
    case '\\':
    case ',':
    case ';':
    case '&':
    case '<':
    case '>':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}

// Where a header value ends: like a credential, but spaces and brackets are part of it (so
// a value holding an already redacted secret goes as a whole).
bool EndsHeaderValue(char c) {
  return c != ' ' && c != '\t' && c != '[' && c != ']' && EndsCredential(c);
}

size_t RunEnd(std::string_view text, size_t from, bool (*ends)(char)) {
  while (from < text.size() && !ends(text[from])) ++from;
  return from;
}

// `needle` (lower case) in `text` from `from`, ASCII case-insensitively.
size_t FindNoCase(std::string_view text, std::string_view needle, size_t from) {
  if (needle.size() > text.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(text[i + j])) == needle[j]) {
      ++j;
    }
    if (j == needle.size()) return i;
  }
  return std::string_view::npos;
}

enum class Match { kExact, kIgnoreCase, kIgnoreCaseWordStart };

// Replaces, after each occurrence of `keyword`, the span `locate(text, end of keyword)`
// finds (nothing when it is empty). kIgnoreCaseWordStart skips occurrences that a letter,
// digit or '_' precedes ("pageToken=" is not "token=").
template <typename Locate>
std::string ReplaceAfter(std::string text, std::string_view keyword, Match match, Locate locate) {
  std::string out;
  size_t copied = 0;
  size_t pos = 0;
  for (;;) {
    pos = match == Match::kExact ? text.find(keyword, pos) : FindNoCase(text, keyword, pos);
    if (pos == std::string::npos) break;
    if (match == Match::kIgnoreCaseWordStart && pos > 0 &&
        (IsAlnum(text[pos - 1]) || text[pos - 1] == '_')) {
      ++pos;
      continue;
    }
    const Span span = locate(std::string_view(text), pos + keyword.size());
    if (span.empty()) {
      pos += keyword.size();
      continue;
    }
    out.append(text, copied, span.begin - copied);
    out.append(kRedacted);
    copied = span.end;
    pos = span.end;
  }
  if (copied == 0) return text;
  out.append(text, copied);
  return out;
}

// `Authorization: Token token=abc`, `"authorization": "Bearer abc"`, `Authorization=abc`:
// the value after the scheme word (or the whole value when there is no scheme).
Span AuthorizationValue(std::string_view text, size_t at) {
  auto skip = [&](size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '"' ||
                               text[i] == '\'' || text[i] == '\\')) {
      ++i;
    }
    return i;
  };
  size_t i = skip(at);
  if (i >= text.size() || (text[i] != ':' && text[i] != '=')) return {};
  i = skip(i + 1);
  size_t scheme_end = i;
  while (scheme_end < text.size() && std::isalpha(static_cast<unsigned char>(text[scheme_end]))) {
    ++scheme_end;
  }
  if (scheme_end > i && scheme_end < text.size() && text[scheme_end] == ' ') {
    i = scheme_end;
    while (i < text.size() && text[i] == ' ') ++i;
  }
  size_t end = RunEnd(text, i, &EndsHeaderValue);
  while (end > i && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return {i, end};
}

// `Bearer abc`: the word after the scheme.
Span WordAfterSpaces(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i == at) return {};
  return {i, RunEnd(text, i, &EndsCredential)};
}

// `token=abc`: the value up to the next separator.
Span ValueAfter(std::string_view text, size_t at) {
  return {at, RunEnd(text, at, &EndsCredential)};
}

// `scheme://user:pass@host`: the user info.
Span UserInfo(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && text[i] != '@' && text[i] != '/' && text[i] != '?' && text[i] != '#' &&
         !EndsCredential(text[i])) {
    ++i;
  }
  if (i >= text.size() || text[i] != '@') return {};
  return {at, i};
}

std::string ReplaceSecret(std::string text, const std::string& secret) {
  const bool anywhere = secret.size() >= kMinSubstringSecretBytes;
  std::string out;
  size_t copied = 0;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    const size_t end = pos + secret.size();
    const bool alone =
        (pos == 0 || !IsWordChar(text[pos - 1])) && (end == text.size() || !IsWordChar(text[end]));
    if (!anywhere && !alone) {
      ++pos;
      continue;
    }
    out.append(text, copied, pos - copied);
    out.append(kRedacted);
    copied = pos = end;
  }
  if (copied == 0) return text;
  out.append(text, copied);
  return out;
}

// `text` with a backslash before each of `chars`.
std::string BackslashBefore(std::string_view text, std::string_view chars) {
  std::string out;
  for (char c : text) {
    if (chars.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void Redactor::Register(std::string_view secret) {
  if (secret.empty()) return;
  std::unique_lock lock(mu_);
  AddLocked(std::string(secret));
  // The forms an echo may take: JSON with "/" escaped (as PHP and some Java encoders do)
  // or with quotes and backslashes escaped, and percent-encoded in a URL.
  AddLocked(BackslashBefore(secret, "/"));
  AddLocked(BackslashBefore(secret, "\"\\"));
  AddLocked(UrlEncode(secret));
}

void Redactor::AddLocked(std::string value) {
  if (value.empty() || std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) {
    return;
  }
  const auto at = std::find_if(secrets_.begin(), secrets_.end(),
                               [&](const std::string& s) { return s.size() < value.size(); });
  secrets_.insert(at, std::move(value));
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  {
    std::shared_lock lock(mu_);
    for (const auto& secret : secrets_) out = ReplaceSecret(std::move(out), secret);
  }
  out = ReplaceAfter(std::move(out), "authorization", Match::kIgnoreCase, &AuthorizationValue);
  out = ReplaceAfter(std::move(out), "Bearer", Match::kExact, &WordAfterSpaces);
  for (std::string_view key : {"token=", "access_token=", "api_key=", "apikey=", "password="}) {
    out = ReplaceAfter(std::move(out), key, Match::kIgnoreCaseWordStart, &ValueAfter);
  }
  out = ReplaceAfter(std::move(out), "://", Match::kExact, &UserInfo);
  return out;
}

Redactor& ProcessRedactor() {
  static Redactor* redactor = new Redactor();  // never destroyed: logging outlives statics
  return *redactor;
}

void RegisterSecret(std::string_view secret) { ProcessRedactor().Register(secret); }

std::string Redact(std::string_view text) { return ProcessRedactor().Redact(text); }

}  // namespace steadystate
