/**
 * Readable at a command-centre wall and on a tablet: type that scales with the screen, light-on-dark
 * text above WCAG AA contrast (most of it above 7:1), priority carried by its word and a shape as
 * well as colour, visible focus, no motion. Printed (the morning huddle's sheet) it turns black on
 * white; the charts read their palette from these custom properties, so they follow.
 */
const SCREEN = `
:root { --bg: #0b0f14; --panel: #151b23; --raised: #1c2430; --line: #4a5665; --grid: #2f3945; --text: #f2f5f8; --muted: #c5cdd6;
  --p1: #ff8a80; --p2: #ffcc80; --p3: #fff59d; --p4: #b3e5fc; --children: #90caf9; --people: #f48fb1; --focus: #ffd54f; --alarm-bg: #3a1714; }
* { box-sizing: border-box; }
html { font-size: clamp(15px, 0.55vw + 8px, 30px); }
body { margin: 0; background: var(--bg); color: var(--text); font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.35; }
a { color: var(--children); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: .5rem; z-index: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.print-only { display: none; }
h1 { font-size: 1.6rem; margin: 0; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; } h3 { font-size: 1rem; margin: 0; }
.note { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; }

.bar { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1.5rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.live { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; }
.status { margin: 0; color: var(--muted); } .status.stale, .freshness.behind { color: var(--p2); font-weight: 700; }
.actions { display: flex; gap: .5rem; align-items: center; } .actions form { margin: 0; }
button.ghost { font: inherit; font-size: .9rem; padding: .3rem .8rem; background: transparent; color: var(--text); border: 1px solid var(--line); border-radius: .25rem; cursor: pointer; }
button.ghost:hover { border-color: var(--muted); }

main { display: grid; gap: 1rem; padding: 1rem; align-items: start;
  grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); grid-template-rows: auto auto 1fr auto;
  grid-template-areas: "headline headline" "incidents sites" "incidents trend" "outcomes outcomes"; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; min-width: 0; }
.headline { grid-area: headline; padding: .5rem; } .incidents { grid-area: incidents; } .sites { grid-area: sites; }
.trend { grid-area: trend; } .outcomes { grid-area: outcomes; }
.section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .4rem 1rem; margin-bottom: .5rem; }
.section-head h2 { margin: 0; }

.tiles { list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem; grid-template-columns: repeat(6, minmax(0, 1fr)); }
.tile { display: flex; flex-direction: column; gap: .15rem; padding: .5rem .75rem; border-radius: 4px; background: var(--raised); border-top: .3rem solid var(--line); }
.tile.alarm { border-top-color: var(--p1); background: var(--alarm-bg); }
.tile-label { color: var(--muted); font-size: .85rem; font-weight: 600; }
.tile .value { font-size: 2.4rem; font-weight: 800; line-height: 1.1; font-variant-numeric: tabular-nums; }
.tile .value.words { font-size: 1.3rem; padding: .45rem 0; }
.tile[data-tile="longest"] .value { font-size: 1.6rem; }
.tile-note { color: var(--muted); font-size: .8rem; }

.prio { font-weight: 800; white-space: nowrap; }
.prio.P1 { color: var(--p1); } .prio.P2 { color: var(--p2); } .prio.P3 { color: var(--p3); } .prio.P4 { color: var(--p4); }
.badge { border: 1px solid var(--p1); color: var(--p1); border-radius: 3px; padding: 0 .3rem; font-size: .8rem; font-weight: 700; }

.incident-list { list-style: none; margin: 0; padding: 0; display: grid; gap: .45rem; }
.incident { display: grid; grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: "head spark" "meta spark" "detail detail";
  gap: .1rem 1rem; border-left: .5rem solid var(--line); border-radius: 4px; padding: .35rem .6rem; background: var(--raised); }
.incident[data-priority="P1"], .site[data-priority="P1"] { border-left-color: var(--p1); }
.incident[data-priority="P2"], .site[data-priority="P2"] { border-left-color: var(--p2); }
.incident[data-priority="P3"], .site[data-priority="P3"] { border-left-color: var(--p3); }
.incident[data-priority="P4"], .site[data-priority="P4"] { border-left-color: var(--p4); }
.expander { grid-area: head; display: flex; flex-wrap: wrap; gap: .2rem .8rem; align-items: baseline; text-align: left;
  font: inherit; color: inherit; background: none; border: 1px solid transparent; border-radius: 4px; padding: .15rem .3rem; margin-left: -.3rem; cursor: pointer; }
.expander:hover { border-color: var(--line); }
.chev { display: inline-block; width: 1.1rem; height: 1.1rem; border: 1px solid var(--muted); border-radius: 50%; font-size: .7rem; line-height: 1rem; text-align: center; color: var(--muted); align-self: center; }
.chev::before { content: "▸"; } .expander[aria-expanded="true"] .chev::before { content: "▾"; }
.sys { font-weight: 700; } .where { color: var(--text); }
.meta { grid-area: meta; margin: 0; color: var(--muted); font-size: .9rem; }
.spark { grid-area: spark; display: flex; flex-direction: column; align-items: flex-end; justify-content: center; }
.spark-host { width: 9rem; }
.spark-note { color: var(--muted); font-size: .75rem; }
.detail { grid-area: detail; border-top: 1px solid var(--line); margin-top: .3rem; padding-top: .3rem; }
.spread { margin: .2rem 0 0 1rem; padding: 0; font-size: .9rem; }

.toggles { display: inline-flex; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.toggles button { font: inherit; font-size: .85rem; background: transparent; color: var(--text); border: 0; border-left: 1px solid var(--line); padding: .25rem .65rem; cursor: pointer; }
.toggles button:first-child { border-left: 0; }
.toggles button[aria-pressed="true"] { background: var(--text); color: var(--bg); font-weight: 700; }

.site-tiles { list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem; grid-template-columns: repeat(auto-fill, minmax(12.5rem, 1fr)); }
.site { background: var(--raised); border-left: .5rem solid var(--line); border-radius: 4px; padding: .45rem .65rem; }
.site-head { display: flex; justify-content: space-between; align-items: baseline; gap: .5rem; }
.site-counts { margin: .15rem 0; color: var(--muted); font-size: .85rem; }
.site-systems { list-style: none; margin: 0; padding: 0; font-size: .85rem; display: flex; flex-wrap: wrap; gap: .1rem .8rem; }

.chart { margin: 0; min-width: 0; } .chart figcaption { color: var(--muted); font-size: .85rem; margin-bottom: .3rem; }
.chart-host { width: 100%; min-width: 0; }
.uplot { font-family: inherit; width: 100%; }
.u-legend { color: var(--text); font-size: .8rem; }
.outcome-charts { display: grid; gap: 1rem; grid-template-columns: repeat(3, minmax(0, 1fr)); }
.absorbed-list { list-style: none; margin: .3rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: .1rem 1rem; font-size: .85rem; }
.week { margin-top: .8rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; margin: 0 0 .5rem; }
.kpis dt { color: var(--muted); font-size: .85rem; } .kpis dd { margin: 0; font-size: 1.5rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; color: var(--muted); font-size: .85rem; padding-bottom: .3rem; }
th, td { border: 1px solid var(--line); padding: .25rem .4rem; text-align: center; }
th[scope="row"] { text-align: left; }

/* Tablet and narrower: one column, tiles in threes. */
@media (max-width: 1100px) {
  main { grid-template-columns: minmax(0, 1fr); grid-template-rows: none; grid-template-areas: "headline" "incidents" "sites" "trend" "outcomes"; }
  .tiles { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .outcome-charts { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 560px) { .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); } .incident { grid-template-areas: "head head" "meta meta" "spark spark" "detail detail"; } }
/* A wall screen: three columns, the outcomes beside the blast radius instead of below it. */
@media (min-width: 2200px) {
  main { grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr) minmax(0, 1.1fr); grid-template-rows: auto auto 1fr;
    grid-template-areas: "headline headline headline" "incidents sites outcomes" "incidents trend outcomes"; }
  .outcome-charts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .outcome-charts .absorbed { grid-column: 1 / -1; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;

/** The sign-in page (401/403 to a browser without a session): the same palette, one card. */
const SIGN_IN = `
.sign-in-page { min-height: 100vh; display: grid; place-items: center; }
.sign-in { width: min(36rem, calc(100vw - 2rem)); margin: 2rem auto; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.8rem 2rem; display: block; }
.brand-mark { margin: 0 0 .3rem; font-weight: 800; letter-spacing: .12em; text-transform: uppercase; color: var(--children); font-size: .85rem; }
.sign-in h1 { margin-bottom: .8rem; }
.sign-in .message { border-left: 4px solid var(--p2); background: #2a2415; padding: .45rem .75rem; border-radius: 0 4px 4px 0; }
.sign-in form { display: grid; gap: .45rem; margin: 1.2rem 0; }
.sign-in label { font-weight: 700; }
.sign-in input { font: inherit; padding: .6rem .7rem; border-radius: 6px; border: 1px solid var(--muted); background: var(--bg); color: var(--text); width: 100%; }
.sign-in button[type="submit"] { font: inherit; font-weight: 700; padding: .6rem 1rem; border-radius: 6px; border: 0; background: var(--children); color: var(--bg); cursor: pointer; justify-self: start; }
.sign-in code { background: var(--bg); padding: .1rem .3rem; border-radius: 3px; font-size: .9em; }
`;

/** The morning huddle's sheet: the blast radius now (every incident's spread shown) and the week's outcomes, black on white. */
const PRINT = `
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  :root { --bg: #fff; --panel: #fff; --raised: #fff; --line: #8a8a8a; --grid: #d6d6d6; --text: #000; --muted: #333;
    --p1: #b71c1c; --p2: #a84300; --p3: #6b5d00; --p4: #0b4f8a; --children: #0d47a1; --people: #880e4f; --alarm-bg: #fff; }
  html { font-size: 10pt; }
  body { background: #fff; color: #000; }
  .skip, .actions, #status, .toggles, .spark, .chev, .trend, .detail .growth-chart { display: none !important; }
  .print-only { display: block; margin: .2rem 0 0; font-weight: 600; }
  .bar { border-bottom: 2px solid #000; }
  main { display: block; padding: .5rem 0 0; }
  section { break-inside: avoid; margin: 0 0 4mm; border-color: #8a8a8a; }
  .incidents { break-inside: auto; }
  .incident { break-inside: avoid; grid-template-areas: "head" "meta" "detail"; grid-template-columns: 1fr; }
  .detail[hidden] { display: block; }
  .expander { padding: 0; margin: 0; }
  .tiles { grid-template-columns: repeat(6, minmax(0, 1fr)); }
  .tile .value { font-size: 1.8rem; }
  .outcomes { break-before: page; }
  .outcome-charts { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .uplot canvas { max-width: 100%; height: auto !important; }
}
`;

export const DASHBOARD_CSS = SCREEN + SIGN_IN + PRINT;
