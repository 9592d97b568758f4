// SPDX-License-Identifier: Apache-2.0
#include "render/html/stylesheet.hpp"

namespace runner_metrics::html {

const std::string_view STYLESHEET = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;
--grid:#e6eaef;--axis:#818b98;--card:#f6f8fa;--hover:rgba(9,105,218,.14);
--c1:#0969da;--c2:#1a7f37;--c3:#8250df;--c4:#cf222e;--band:rgba(9,105,218,.13)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--line:#3d444d;--grid:#21262d;--axis:#656c76;--card:#151b23;--hover:rgba(88,166,255,.18);
--c1:#58a6ff;--c2:#3fb950;--c3:#bc8cff;--c4:#ff7b72;--band:rgba(88,166,255,.16)}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}
p{margin:4px 0}.muted{color:var(--muted)}
.note{border-left:3px solid var(--c4);padding:4px 10px;background:var(--card)}
.empty-page{font-size:18px;padding:24px;text-align:center;background:var(--card);
border:1px dashed var(--line);border-radius:6px}
nav a{color:var(--c1);margin-right:12px}
.tables{display:flex;flex-wrap:wrap;gap:16px 32px;align-items:flex-start;margin:8px 0 12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:2px 0 4px}
th,td{padding:2px 10px 2px 0;text-align:right;border-bottom:1px solid var(--grid)}
th:first-child{text-align:left;font-weight:normal}
thead th{font-weight:600;color:var(--muted)}
tr.sub th{padding-left:16px;color:var(--muted)}
figure.panel{margin:14px 0;padding:8px 10px 4px;background:var(--card);
border:1px solid var(--line);border-radius:6px;break-inside:avoid}
figcaption{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 16px}
figcaption .title{font-weight:600}
.legend{color:var(--muted)}.key{margin-left:14px;white-space:nowrap}
.swatch{display:inline-block;width:16px;height:3px;margin-right:5px;vertical-align:middle;
background:var(--c)}
.c1{--c:var(--c1)}.c2{--c:var(--c2)}.c3{--c:var(--c3)}.c4{--c:var(--c4)}
svg.chart{display:block;width:100%;height:auto}
svg text{fill:var(--muted);font-size:12px}
.ytick{text-anchor:end}.xtick{text-anchor:middle}.xtitle{text-anchor:end}
.ytitle{text-anchor:middle}
.grid line{stroke:var(--grid);stroke-width:1}.axis line{stroke:var(--axis);stroke-width:1}
.series{fill:none;stroke:var(--c);stroke-width:1.4;stroke-linejoin:round}
.series.strong{stroke-width:2.2}
.dot{fill:var(--c)}
.band{fill:var(--band);stroke:none}
.columns rect,.bars .bar{fill:var(--c)}
.bars .label{text-anchor:end;fill:var(--fg)}.bars .value{fill:var(--fg)}
.bars .row:hover .bar{opacity:.8}.bars .other .bar{fill:var(--axis)}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 14px;
min-width:220px}.tile .value{font-size:22px;font-weight:600;display:block}
.tile .label{color:var(--muted)}
.frame{fill:none;stroke:var(--line);stroke-dasharray:4 4}
.empty{text-anchor:middle;font-size:16px;fill:var(--muted)}
.hover rect{fill:transparent}.hover rect:hover{fill:var(--hover)}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--grid:#e4e4e4;--axis:#777;
--card:#fff;--c1:#0550ae;--c2:#116329;--c3:#6639ba;--c4:#a40e26;--band:rgba(5,80,174,.15)}
main{max-width:none;padding:0}nav{display:none}h2{break-after:avoid}
.hover rect:hover{fill:transparent}}
)css";

}  // namespace runner_metrics::html
