/**
 * Readable at a command-centre wall: large type that scales with the screen, light-on-dark text
 * above 7:1 contrast (WCAG AAA), priority carried by text as well as colour, visible focus, no motion.
 */
export const DASHBOARD_CSS = `
:root { --bg: #0b0f14; --panel: #151b23; --line: #3a4552; --text: #f2f5f8; --muted: #c5cdd6;
  --p1: #ff8a80; --p2: #ffcc80; --p3: #fff59d; --p4: #b3e5fc; --focus: #ffd54f; }
* { box-sizing: border-box; }
html { font-size: clamp(16px, 1.05vw + 6px, 30px); }
body { margin: 0; background: var(--bg); color: var(--text); font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.35; }
a { color: #90caf9; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: .5rem; z-index: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bar { display: flex; align-items: baseline; justify-content: space-between; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.6rem; margin: 0; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.status { margin: 0; color: var(--muted); } .status.stale, .freshness.behind { color: var(--p2); font-weight: 700; }
main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.totals { grid-column: 1 / -1; }
#totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; margin: 0; }
#totals div { padding: .25rem .5rem; } #totals dt { color: var(--muted); font-size: .85rem; } #totals dd { margin: 0; font-size: 2rem; font-weight: 700; }
#totals dd[data-total="longestOpen"] { font-size: 1.2rem; }
.incidents { grid-row: span 2; }
.incident-list { list-style: none; margin: 0; padding: 0; display: grid; gap: .4rem; }
.incident { border-left: .45rem solid var(--line); padding: .35rem .6rem; background: #1c2430; }
.incident[data-priority="P1"] { border-color: var(--p1); } .incident[data-priority="P2"] { border-color: var(--p2); }
.incident[data-priority="P3"] { border-color: var(--p3); } .incident[data-priority="P4"] { border-color: var(--p4); }
.incident summary { cursor: pointer; display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: baseline; }
.prio { font-weight: 800; min-width: 2.2rem; }
.prio.P1 { color: var(--p1); } .prio.P2 { color: var(--p2); } .prio.P3 { color: var(--p3); } .prio.P4 { color: var(--p4); }
.sys { font-weight: 700; } .meta { color: var(--muted); font-size: .9rem; }
.badge { border: 1px solid var(--p1); color: var(--p1); border-radius: 3px; padding: 0 .3rem; font-size: .8rem; font-weight: 700; }
.spread { margin: .3rem 0 0 1rem; padding: 0; color: var(--muted); font-size: .9rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .25rem .4rem; text-align: center; }
th[scope="row"] { text-align: left; }
td.P1 { background: #5c1f1b; } td.P2 { background: #5a3d12; } td.P3 { background: #4a4712; } td.P4 { background: #123a4d; }
.note { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; }
.bars { display: flex; align-items: flex-end; gap: 2px; height: 7rem; border-bottom: 1px solid var(--line); }
.bars .b { flex: 1; background: #64b5f6; min-height: 1px; position: relative; }
.bars .b .p1 { position: absolute; bottom: 0; left: 0; right: 0; background: var(--p1); }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(8rem, 1fr)); gap: .5rem; margin: 0 0 .5rem; }
.kpis dt { color: var(--muted); font-size: .85rem; } .kpis dd { margin: 0; font-size: 1.5rem; font-weight: 700; }
.sign-in { max-width: 40rem; margin: 3rem auto; display: block; }
.sign-in form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.sign-in input { font-size: 1rem; padding: .4rem; min-width: 22rem; background: #fff; color: #000; }
.sign-in button { font-size: 1rem; padding: .4rem 1rem; }
.sign-out button { font-size: .9rem; padding: .3rem .8rem; background: transparent; color: inherit; border: 1px solid var(--line); border-radius: .25rem; cursor: pointer; }
.sign-out button:focus-visible { outline: 2px solid currentColor; outline-offset: 2px; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } .incidents { grid-row: auto; } }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;
