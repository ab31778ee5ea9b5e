import { esc } from "./format.js";

const CSS = `
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--ok:#047857;--okbg:#ecfdf5;--warn:#b45309;--warnbg:#fffbeb;--bad:#b91c1c;--badbg:#fef2f2;--info:#1d4ed8;--infobg:#eff6ff}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
header.top div{max-width:980px;margin:0 auto;padding:10px 16px;display:flex;gap:12px;align-items:baseline}
header.top a{color:var(--ink);text-decoration:none;font-weight:650}
header.top span{color:var(--muted);font-size:13px}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:24px;margin:8px 0 4px;overflow-wrap:anywhere}
h2{font-size:17px;margin:0 0 10px}
h3{font-size:15px;margin:14px 0 6px}
a{color:var(--info)}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin:14px 0}
.muted{color:var(--muted)}
.small{font-size:13px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;border:1px solid transparent}
.b-ok{color:var(--ok);background:var(--okbg);border-color:#a7f3d0}
.b-warn{color:var(--warn);background:var(--warnbg);border-color:#fde68a}
.b-bad{color:var(--bad);background:var(--badbg);border-color:#fecaca}
.b-info{color:var(--info);background:var(--infobg);border-color:#bfdbfe}
.b-none{color:var(--muted);background:#f3f4f6;border-color:var(--line)}
.banner{border-radius:10px;padding:14px 16px;margin:14px 0;border:1px solid}
.banner .why{font-weight:500}.banner .decision{font-size:20px;font-weight:700;text-transform:capitalize}
.banner ul{margin:6px 0 0;padding-left:20px}
.banner.b-ok{border-color:#6ee7b7}.banner.b-bad{border-color:#fca5a5}.banner.b-warn{border-color:#fcd34d}.banner.b-info{border-color:#93c5fd}.banner.b-none{border-color:var(--line)}
figure{margin:6px 0 4px}
figure img{max-width:100%;height:auto;display:block}
.progress{height:8px;background:#eef0f3;border-radius:4px;overflow:hidden;min-width:80px}
.progress i{display:block;height:100%;background:#2563eb}
dl.plan{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.plan dt{color:var(--muted)}dl.plan dd{margin:0;overflow-wrap:anywhere}
.simulated{background:var(--warnbg);border:1px solid #fde68a;color:var(--warn);border-radius:8px;padding:8px 12px}
footer{max-width:980px;margin:0 auto;padding:8px 16px 32px;color:var(--muted);font-size:12px}
@media (max-width:600px){body{font-size:14px}main{padding:10px}section.card{padding:12px}h1{font-size:20px}th,td{padding:5px 6px}
.wide-only{display:none}
table.stack thead{display:none}
table.stack tr{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);column-gap:18px;border-bottom:1px solid var(--line);padding:4px 0}
table.stack td:first-child{grid-column:1 / -1}
table.stack.one tr{grid-template-columns:minmax(0,1fr)}
table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:2px 0;white-space:normal;text-align:right}
table.stack td:first-child{font-weight:650;text-align:left}
table.stack td[data-label]::before{content:attr(data-label);color:var(--muted);font-weight:400;text-align:left}
table.stack td.bar .progress{flex:1}}
`;

/**
 * A whole HTML page: no script, one inline stylesheet, readable from 320 px wide. `base` is the path the
 * dashboard is mounted under ("" at the root, "/results" inside the demo shop); every link starts with it.
 */
export function page(options: { title: string; body: string; footer?: string; base?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>${esc(options.title)} · Assay</title><style>${CSS}</style></head>
<body><header class="top"><div><a href="${esc(options.base ?? "")}/">Assay results</a><span>experiments and their decisions</span></div></header>
<main>${options.body}</main>
<footer>${options.footer ?? ""}</footer></body></html>`;
}
