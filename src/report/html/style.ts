/** The HTML report's styles: light and dark (prefers-color-scheme), and a print layout. */
export const PAGE_CSS = `
:root {
  --bg: #ffffff; --fg: #1d1f23; --muted: #5b6270; --line: #d6d9df; --panel: #f4f5f7; --accent: #0b57d0;
  --pass: #17803d; --warn: #a15c00; --fail: #b3261e; --tile-stroke: #ffffff; --focus: #0b57d0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171b; --fg: #e6e8eb; --muted: #a0a7b4; --line: #343842; --panel: #1f2228; --accent: #8ab4f8;
    --pass: #6dd58c; --warn: #f2b84b; --fail: #f28b82; --tile-stroke: #15171b; --focus: #8ab4f8; }
}
[hidden] { display: none !important; }
body { background: var(--bg); color: var(--fg); margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; }
h1 { font-size: 1.5rem; margin: 0.2em 0; } h2 { font-size: 1.2rem; margin-top: 1.8em; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; }
.muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px; margin: 12px 0; }
.fact { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
.fact .v { font-size: 1.2rem; font-weight: 600; display: block; }
.headline { font-size: 1.05rem; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.toolbar fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 2px 8px; margin: 0; }
button, .linkish { white-space: nowrap; font: inherit; color: var(--accent); background: none; border: 1px solid var(--line); border-radius: 5px; padding: 2px 8px; cursor: pointer; }
button[aria-pressed="true"] { background: var(--accent); color: var(--bg); }
nav.crumbs { margin: 6px 0; min-height: 1.6em; }
nav.crumbs button { border: none; padding: 0 2px; text-decoration: underline; }
nav.crumbs .here { font-weight: 600; }
.treemap { position: relative; width: 100%; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.treemap svg { display: block; width: 100%; height: auto; }
.treemap .tile { cursor: pointer; }
.treemap .tile:focus { outline: none; }
.treemap .tile:focus > rect.frame, .treemap .tile:hover > rect.frame { stroke: var(--focus); stroke-width: 3px; }
.treemap rect { stroke: var(--tile-stroke); stroke-width: 1px; }
.treemap rect.frame { fill: transparent; pointer-events: none; }
.treemap rect.dirbg { fill: var(--panel); }
.treemap text { font-size: 11px; fill: #111; pointer-events: none; }
.treemap text.dirlabel { fill: var(--fg); font-weight: 600; }
.treemap .dim { opacity: 0.15; }
.details { background: var(--panel); border-radius: 6px; padding: 6px 10px; min-height: 3.2em; margin: 6px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; padding: 0; margin: 8px 0; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; border: 1px solid var(--line); }
.note { font-size: 0.9em; color: var(--muted); }
.layer-row.active { background: var(--panel); outline: 2px solid var(--accent); }
.lever { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.lever h3 { margin: 0 0 4px; font-size: 1rem; }
.lever dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0 0; }
.lever dt { font-weight: 600; color: var(--muted); }
.lever dd { margin: 0; }
.status-pass { color: var(--pass); font-weight: 600; } .status-warn { color: var(--warn); font-weight: 600; }
.status-fail { color: var(--fail); font-weight: 600; } .status-skip { color: var(--muted); font-weight: 600; }
.bars td.barcell { width: 40%; }
.bars .bar { height: 7px; margin: 2px 0; border-radius: 2px; min-width: 1px; }
.bars .bar-a { background: var(--muted); } .bars .bar-b { background: var(--accent); }
.bars .bar-key { display: inline-block; width: 14px; height: 7px; border-radius: 2px; vertical-align: middle; }
.bars .bar-key.bar-a { background: var(--muted); } .bars .bar-key.bar-b { background: var(--accent); }
.bytes.grew { color: var(--fail); } .bytes.shrank { color: var(--pass); }
.pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.pair h3 { margin: 4px 0; }
.map-absent { border: 1px dashed var(--line); border-radius: 6px; padding: 4px 12px; }
table.sides th { width: 9em; }
table.verdicts th, table.verdicts td { width: 50%; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
.noscript { border: 1px solid var(--warn); padding: 6px 10px; border-radius: 6px; }
@media print {
  :root { --bg: #fff; --fg: #000; --panel: #f2f2f2; --line: #bbb; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .toolbar, nav.crumbs button, .details, .layer-row button { display: none !important; }
  .treemap { break-inside: avoid; border: none; }
  .pair { grid-template-columns: 1fr 1fr; }
  .lever, tr, .fact { break-inside: avoid; }
  h2 { break-after: avoid; }
  a { color: inherit; }
}
`;
