#include "dashboard/assets.h"

#include <array>

namespace steadystate::dashboard {
namespace {

constexpr std::string_view kCss = R"css(
:root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--none:#57606a;--fg:#1f2328;--muted:#57606a;
--line:#d0d7de;--bg:#ffffff;--panel:#f6f8fa;--link:#0969da;--bar:#6e7781}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header{display:flex;gap:1em;align-items:baseline;flex-wrap:wrap;padding:.5em 1em;
border-bottom:1px solid var(--line);background:var(--panel)}
header .brand{font-weight:600}
main{padding:1em;max-width:1500px}
a{color:var(--link)}
a:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--link);outline-offset:2px}
h2{font-size:1.2em;margin:1.2em 0 .4em}
.verdict{padding:.75em 1em;border-radius:6px;border-left:10px solid;margin-bottom:1em}
.verdict h1{margin:0;font-size:1.6em}
.verdict p{margin:.3em 0 0}
.v-ok{border-color:var(--ok);background:#dafbe1}
.v-bad{border-color:var(--bad);background:#ffebe9}
.v-none{border-color:var(--none);background:var(--panel)}
table{border-collapse:collapse;width:100%;margin:.3em 0 1.2em}
caption{text-align:left;font-weight:600;font-size:1.15em;padding:.3em 0}
th,td{text-align:left;vertical-align:top;padding:.35em .5em;border-bottom:1px solid var(--line)}
thead th{background:var(--panel);font-weight:600}
tbody th{font-weight:600}
b[class^="st-"]{display:inline-block;padding:0 .45em;border-radius:4px;color:#fff;font-weight:600;white-space:nowrap}
.st-meeting{background:var(--ok)}.st-burning{background:var(--warn)}.st-breached{background:var(--bad)}
.st-nodata{background:var(--none)}
.st-meeting::before{content:"\2713\a0";content:"\2713\a0"/""}
.st-burning::before{content:"\25b2\a0";content:"\25b2\a0"/""}
.st-breached::before{content:"\2717\a0";content:"\2717\a0"/""}
.st-nodata::before{content:"?\a0";content:"?\a0"/""}
.mu{color:var(--muted)}
.bad{color:var(--bad);font-weight:600}
.crit{font-size:.8em;border:1px solid var(--muted);border-radius:3px;padding:0 .3em;color:var(--muted);
font-weight:400}
.nw{white-space:nowrap}
.bar{display:inline-block;width:60px;height:10px;background:#eaeef2;border:1px solid var(--bar);
vertical-align:middle;position:relative;margin-right:.3em}
.bar>*{display:block;height:100%}
.bar>.mark{position:absolute;top:-4px;bottom:-4px;width:2px;background:var(--fg)}
.b-ok{background:var(--ok)}.b-warn{background:var(--warn)}.b-bad{background:var(--bad)}
.bw{--w:0%;display:inline-block;width:60px;height:10px;border:1px solid var(--bar);vertical-align:middle;
margin-right:.3em;background:linear-gradient(90deg,var(--c) var(--w),#eaeef2 0)}
.c0{--c:var(--ok)}.c1{--c:var(--warn)}.c2{--c:var(--bad)}
svg[data-days]{width:270px;height:24px}
svg[data-days] path{fill:none;stroke-width:8;stroke-dasharray:.67 .33}
svg[data-days] .g{stroke:var(--ok)}svg[data-days] .n{stroke:var(--warn)}
svg[data-days] .x{stroke:var(--bad)}svg[data-days] .e{stroke:var(--bg)}
svg[data-days] .z{stroke:var(--bar);stroke-width:3;transform:translateY(2.5px)}
.bars rect.d-met{fill:var(--ok)}.bars rect.d-near{fill:var(--warn)}.bars rect.d-missed{fill:var(--bad)}
.bars rect.d-nodata{fill:var(--bar)}
.chart{width:100%;max-width:700px;height:auto;display:block}
.ln{fill:none;stroke:var(--link);stroke-width:1.6}
.l1{stroke:#8250df;stroke-dasharray:6 3}.l2{stroke:var(--bad);stroke-dasharray:2 2}
.pt{fill:var(--link);stroke:none}.pt.l1{fill:#8250df}.pt.l2{fill:var(--bad)}
.ref{stroke:var(--fg);stroke-dasharray:4 4}
figure{margin:0}
.chart .ax{stroke:var(--line);fill:none}
.chart text{font-size:11px;fill:var(--muted)}
.legend span{margin-right:1em}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1em}
.panels{display:flex;flex-wrap:wrap;gap:2em}
.panels>section{flex:1 1 420px}
#tip{position:absolute;background:var(--fg);color:#fff;padding:.2em .5em;border-radius:4px;
font-size:.9em;pointer-events:none;z-index:10;max-width:32em}
.warn{border-left:6px solid var(--warn);background:#fff8c5;padding:.4em .8em}
nav.range a{margin-right:.8em}
nav.range a[aria-current]{font-weight:700;color:var(--fg)}
)css";

constexpr std::string_view kJs = R"js(
(function () {
  'use strict';
  var tip = document.getElementById('tip');
  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime())) return;
      var now = new Date(), o = {};
      if (t.hasAttribute('data-date') || d.toDateString() !== now.toDateString()) {
        o.month = 'short';
        o.day = 'numeric';
        if (d.getFullYear() !== now.getFullYear()) o.year = 'numeric';
      }
      if (!t.hasAttribute('data-date')) { o.hour = '2-digit'; o.minute = '2-digit'; }
      t.textContent = d.toLocaleString(undefined, o);
      t.title = d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    });
  }
  // The strips take keyboard focus (arrow keys walk the days) when the script runs.
  function focusable(root) {
    root.querySelectorAll('svg[data-days]').forEach(function (s) { s.setAttribute('tabindex', '0'); });
  }
  // data-days: see EncodeStripDays in dashboard/html.h. -1: no data, else
  // shortfall * 2 + missed.
  var DIGITS = '';
  for (var c = 33; c < 127; c++) {
    if ('"&*-<>'.indexOf(String.fromCharCode(c)) < 0) DIGITS += String.fromCharCode(c);
  }
  function days(svg) {
    var s = svg.getAttribute('data-days'), out = [], i = 0;
    function digit() { return DIGITS.indexOf(s.charAt(i++)); }
    function number() {
      var d = digit();
      if (d < 29) return d;
      if (d < 58) return 29 + (d - 29) * 88 + digit();
      var high = (d - 58) * 88 + digit();
      return 29 + 29 * 88 + high * 88 + digit();
    }
    while (i < s.length) {
      var ch = s.charAt(i);
      if (ch === '-') { i++; out.push(-1); continue; }
      if (ch !== '*') { out.push(number()); continue; }
      i++;
      for (var n = number(); n > 0; n--) out.push(out[out.length - 1]);
    }
    return out;
  }
  // A strip's own attribute, else its table's.
  function attr(svg, name) {
    return svg.getAttribute(name) || svg.closest('[data-start]').getAttribute(name);
  }
  function dayText(svg, i) {
    var all = days(svg);
    if (i < 0 || i >= all.length) return null;
    var start = Date.parse(svg.closest('[data-start]').getAttribute('data-start') + 'T00:00:00Z');
    var day = new Date(start + i * 864e5).toISOString().slice(0, 10);
    var v = all[i];
    if (v < 0) return day + ' (UTC): no probes';
    var missed = v % 2 === 1;
    var k = 1e5 - Math.floor(v / 2);
    return day + ' (UTC): ' + attr(svg, 'data-slo') + ' ' +
        (k / 1e3).toFixed(3).replace(/\.?0+$/, '') + '%, ' + (missed ? 'missed' : 'met') +
        ' (objective ' + attr(svg, 'data-obj') + ')';
  }
  function show(svg, i, x, y) {
    var n = days(svg).length;
    i = Math.max(0, Math.min(n - 1, i));
    svg.setAttribute('data-i', i);
    var text = dayText(svg, i);
    if (!text) return;
    tip.textContent = text;
    tip.hidden = false;
    tip.style.left = (x + 12) + 'px';
    tip.style.top = (y + 16) + 'px';
  }
  function strip(e) { return e.target.closest ? e.target.closest('svg[data-days]') : null; }
  function fromPointer(e) {
    var svg = strip(e);
    if (!svg) {
      var a = document.activeElement;
      if (!(a && a.closest && a.closest('svg[data-days]'))) tip.hidden = true;
      return;
    }
    var r = svg.getBoundingClientRect();
    var n = days(svg).length;
    show(svg, Math.floor((e.clientX - r.left) / r.width * n), e.pageX, e.pageY);
  }
  function fromKeys(svg, i) {
    var r = svg.getBoundingClientRect();
    var n = days(svg).length;
    i = Math.max(0, Math.min(n - 1, i));
    show(svg, i, window.scrollX + r.left + r.width * i / n, window.scrollY + r.top + 8);
  }
  document.addEventListener('pointermove', fromPointer);
  document.addEventListener('click', function (e) { if (strip(e)) fromPointer(e); });
  document.addEventListener('focusin', function (e) {
    var svg = strip(e);
    if (svg) fromKeys(svg, parseInt(svg.getAttribute('data-i') || '1000', 10));
  });
  document.addEventListener('focusout', function (e) { if (strip(e)) tip.hidden = true; });
  document.addEventListener('keydown', function (e) {
    var svg = strip(e);
    if (!svg) return;
    var i = parseInt(svg.getAttribute('data-i') || '0', 10);
    var step = {ArrowLeft: -1, ArrowRight: 1, Home: -1000, End: 1000}[e.key];
    if (step === undefined) { if (e.key === 'Escape') tip.hidden = true; return; }
    e.preventDefault();
    fromKeys(svg, i + step);
  });
  var busy = false;
  var status = document.getElementById('refresh');
  function refresh() {
    if (document.hidden || busy) return;
    busy = true;
    fetch(location.href, {cache: 'no-store', headers: {'X-Dashboard-Refresh': '1'}})
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        // Only the title and <main> are parsed: the new page's <style> and <script> carry
        // another response's CSP nonce, which this page's policy would refuse.
        var title = /<title>[^<]*<\/title>/.exec(html);
        var from = html.indexOf('<main'), to = html.indexOf('</main>', from);
        var part = (title ? title[0] : '') + (from < 0 || to < 0 ? '' : html.slice(from, to + 7));
        var doc = new DOMParser().parseFromString(part, 'text/html');
        var next = doc.querySelector('main'), cur = document.querySelector('main');
        if (!next || !cur) return;
        // The focused element by id, or a strip by its row's id.
        var a = document.activeElement, focused = a ? a.id : '', row = '';
        if (a && !focused && a.matches('svg[data-days]')) row = a.closest('tr[id]').id;
        var x = window.scrollX, y = window.scrollY;
        next = document.adoptNode(next);
        cur.replaceWith(next);
        document.title = doc.title;
        localTimes(next);
        focusable(next);
        window.scrollTo(x, y);
        var f = focused ? document.getElementById(focused)
            : row ? document.querySelector('[id="' + row + '"] svg[data-days]') : null;
        if (f) f.focus({preventScroll: true});
        status.textContent = 'Live: updated ' + new Date().toLocaleTimeString();
      })
      .catch(function (err) { status.textContent = 'Refresh failed (' + err.message + '); retrying.'; })
      .then(function () { busy = false; });
  }
  localTimes(document);
  focusable(document);
  status.textContent = 'Live: updates every 15 s';
  setInterval(refresh, 15000);
})();
)js";

// The script as sent, worked out at compile time: each line without its indentation,
// comment lines and blank lines left out.
constexpr bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
constexpr std::string_view TrimmedLine(std::string_view js, size_t at, size_t& next) {
  size_t end = js.find('\n', at);
  if (end == std::string_view::npos) end = js.size();
  next = end + 1;
  std::string_view line = js.substr(at, end - at);
  while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  return line.empty() || line.starts_with("//") ? std::string_view() : line;
}
constexpr size_t ScriptAsSentSize() {
  size_t size = 0;
  for (size_t at = 0, next = 0; at < kJs.size(); at = next) {
    const std::string_view line = TrimmedLine(kJs, at, next);
    if (!line.empty()) size += line.size() + 1;
  }
  return size;
}
constexpr auto kScriptAsSent = [] {
  std::array<char, ScriptAsSentSize()> out{};
  size_t size = 0;
  for (size_t at = 0, next = 0; at < kJs.size(); at = next) {
    const std::string_view line = TrimmedLine(kJs, at, next);
    if (line.empty()) continue;
    for (char c : line) out[size++] = c;
    out[size++] = '\n';
  }
  return out;
}();

}  // namespace

const std::string_view kDashboardCss = kCss;
const std::string_view kDashboardJs = kJs;
const HtmlMarkup kDashboardStyle{kCss};
const HtmlMarkup kDashboardScript{std::string_view(kScriptAsSent.data(), kScriptAsSent.size())};

}  // namespace steadystate::dashboard
