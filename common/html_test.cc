#include "common/html.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace steadystate {
namespace {

// Markup comes only from compile-time constants: nothing built at run time converts (and
// HtmlMarkup(std::string_view(s)) of a run-time `s` is not a constant expression, so the
// consteval constructor does not compile).
static_assert(!std::is_convertible_v<std::string, HtmlMarkup>);
static_assert(!std::is_convertible_v<const char*, HtmlMarkup>);
static_assert(!std::is_convertible_v<std::string_view, HtmlMarkup>);
static_assert(!std::is_constructible_v<HtmlAttrName, std::string>);
static_assert(!std::is_constructible_v<HtmlAttrName, const char*>);
static_assert(!std::is_constructible_v<HtmlSitePath, std::string>);
// What the consteval constructors refuse (a compile error at the call): markup that leaves
// a URL or event-handler attribute open for data, and URL or script attribute names.
static_assert(html_internal::OpenAttrAtEnd("<a class=\"x\" href=\"") == "href");
static_assert(html_internal::OpenAttrAtEnd("<a href='") == "href");
static_assert(html_internal::OpenAttrAtEnd("<a href=") == "href");
static_assert(html_internal::OpenAttrAtEnd("x=\"") == "x");
static_assert(html_internal::OpenAttrAtEnd("=\"") == "");
static_assert(html_internal::OpenAttrAtEnd("\"") == "");
static_assert(html_internal::OpenAttrAtEnd("<a href=\"/\">") == "");
static_assert(html_internal::OpenAttrAtEnd("<b class=\"") == "class");
static_assert(html_internal::IsUrlOrScriptAttr("href"));
static_assert(html_internal::IsUrlOrScriptAttr("SRC"));
static_assert(html_internal::IsUrlOrScriptAttr("onmouseover"));
static_assert(html_internal::IsUrlOrScriptAttr("xlink:href"));
static_assert(html_internal::IsUrlOrScriptAttr("style"));
static_assert(!html_internal::IsUrlOrScriptAttr("class"));
static_assert(!html_internal::IsUrlOrScriptAttr("data-days"));
static_assert(!html_internal::IsUrlOrScriptAttr(""));

TEST(Html, TextEscapesTheFiveSpecialCharacters) {
  Html h;
  h.Text("<script>alert('x')</script> & \"q\"");
  EXPECT_EQ(h.str(), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

TEST(Html, TextKeepsOtherBytes) {
  Html h;
  h.Text("plain \u00b7 text").Text("").Text("&&").Text("end>");
  EXPECT_EQ(h.str(), "plain \u00b7 text&amp;&amp;end&gt;");
}

TEST(Html, RawMarkupIsKeptAsWritten) {
  static constexpr std::string_view kAsset = "b{color:red}";
  Html h;
  h.Raw("<p class=\"mu\">&ndash;</p>").Raw(HtmlMarkup(kAsset));
  EXPECT_EQ(h.str(), "<p class=\"mu\">&ndash;</p>b{color:red}");
}

TEST(Html, AttrEscapesQuotesAndMarkup) {
  Html h;
  h.Raw("<b").Attr("title", "eve\" onmouseover=\"x").Attr("data-x", "'<&>'").Raw(">");
  EXPECT_EQ(h.str(),
            "<b title=\"eve&quot; onmouseover=&quot;x\" data-x=\"&#39;&lt;&amp;&gt;&#39;\">");
}

TEST(Html, AttrKeepingApostrophesEscapesTheRest) {
  Html h;
  h.AttrKeepingApostrophes("data-days", "!'#<\"&>'");
  EXPECT_EQ(h.str(), " data-days=\"!'#&lt;&quot;&amp;&gt;'\"");
}

TEST(Html, NumbersAsPrintfWritesThem) {
  Html h;
  h.Int(-42)
      .Raw(" ")
      .Int(0)
      .Raw(" ")
      .Fixed(3.14159, 1)
      .Raw(" ")
      .Fixed(99.5, 0)
      .Raw(" ")
      .Fixed(-0.04, 1);
  EXPECT_EQ(h.str(), "-42 0 3.1 100 -0.0");
}

TEST(Html, OnlyHttpAndHttpsUrlsBecomeLinks) {
  Html h;
  h.LinkIfHttp("https://x.test/?a=1&b=\"", "t");
  EXPECT_EQ(h.str(), "<a href=\"https://x.test/?a=1&amp;b=&quot;\">t</a>");
  for (const char* url : {"javascript:alert(1)", "JavaScript:alert(1)", " https://x.test",
                          "data:text/html,<script>alert(1)</script>", "//evil.example", "https://",
                          "java\nscript:alert(1)", ""}) {
    Html text_only;
    text_only.LinkIfHttp(url, "<t>");
    EXPECT_EQ(text_only.str(), "&lt;t&gt;") << url;
  }
  Html link;
  link.LinkIfHttp("HTTP://example.com", "DB <down>");
  EXPECT_EQ(link.str(), "<a href=\"HTTP://example.com\">DB &lt;down&gt;</a>");
}

TEST(Html, LocalHrefEscapesItsTail) {
  Html h;
  h.Raw("<a").LocalHref("/services/", "www\"><x").Raw(">").Raw("<a").LocalHref("/api/v1");
  EXPECT_EQ(h.str(), "<a href=\"/services/www&quot;&gt;&lt;x\"><a href=\"/api/v1\"");
}

TEST(Html, AppendAndTake) {
  Html inner;
  inner.Raw("<i>").Text("a&b").Raw("</i>");
  Html outer;
  outer.Raw("<p>").Append(inner).Raw("</p>");
  EXPECT_EQ(outer.size(), 21u);
  const std::string page = std::move(outer).Take();
  EXPECT_EQ(page, "<p><i>a&amp;b</i></p>");
}

}  // namespace
}  // namespace steadystate
