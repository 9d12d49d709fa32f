#include "common/html.h"

#include <algorithm>
#include <cstdio>

#include "common/text.h"

namespace steadystate {

namespace {

// Appends `text` with & < > " (and ' unless `keep_apostrophes`) as references. Runs without
// a special character are appended whole: most text has none.
void AppendEscaped(std::string& out, std::string_view text, bool keep_apostrophes) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view reference;
    switch (text[i]) {
      case '&':
        reference = "&amp;";
        break;
      case '<':
        reference = "&lt;";
        break;
      case '>':
        reference = "&gt;";
        break;
      case '"':
        reference = "&quot;";
        break;
      case '\'':
        if (keep_apostrophes) continue;
        reference = "&#39;";
        break;
      default:
        continue;
    }
    out.append(text.substr(run, i - run)).append(reference);
    run = i + 1;
  }
  out.append(text.substr(run));
}

}  // namespace

Html& Html::Text(std::string_view text) {
  AppendEscaped(out_, text, false);
  return *this;
}

Html& Html::Fixed(double value, int decimals) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  // Only a value beyond 1e60 or so is cut, as a fixed buffer of 64 always did here.
  out_.append(buf, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  return *this;
}

Html& Html::Attr(HtmlAttrName name, std::string_view value) {
  out_.append(" ").append(name.view()).append("=\"");
  Text(value);
  out_.push_back('"');
  return *this;
}

Html& Html::AttrKeepingApostrophes(HtmlAttrName name, std::string_view value) {
  out_.append(" ").append(name.view()).append("=\"");
  AppendEscaped(out_, value, true);
  out_.push_back('"');
  return *this;
}

Html& Html::LocalHref(HtmlSitePath path, std::string_view tail) {
  out_.append(" href=\"").append(path.view());
  Text(tail);
  out_.push_back('"');
  return *this;
}

Html& Html::LinkIfHttp(std::string_view url, std::string_view text) {
  if (!IsHttpUrl(url)) return Text(text);
  out_.append("<a href=\"");
  Text(url);
  out_.append("\">");
  Text(text);
  out_.append("</a>");
  return *this;
}

}  // namespace steadystate
