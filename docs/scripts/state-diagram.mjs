// Draws the provisioning state diagram of the "how provisioning works" guide as a plain SVG file, so
// the picture needs no browser or diagram tool to build. `node docs/scripts/state-diagram.mjs` writes
// docs/guides/media/state-diagram.svg; `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../guides/media/state-diagram.svg', import.meta.url));

// States as boxes: name, the LED pattern of R6.1, x position.
const STATES = [
  { n: 0, name: 'Unprovisioned', led: 'LED 1000/1000 ms', x: 20 },
  { n: 1, name: 'NetworkConfigured', led: 'LED 500/500 ms', x: 250 },
  { n: 2, name: 'NetworkConnected', led: 'LED 250/250 ms', x: 480 },
  { n: 3, name: 'CloudConnected', led: 'LED solid on', x: 710 },
];
const W = 190;
const H = 70;
const Y = 120;

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x, y, s, extra = '') => `<text x="${x}" y="${y}" ${extra}>${esc(s)}</text>`;

function box(s) {
  const stable = s.n === 3;
  return [
    `<rect x="${s.x}" y="${Y}" width="${W}" height="${H}" rx="10" class="${stable ? 'state stable' : 'state'}"/>`,
    text(s.x + W / 2, Y + 26, `${s.n} ${s.name}`, 'class="name"'),
    text(s.x + W / 2, Y + 50, s.led, 'class="led"'),
  ].join('\n  ');
}

/** A straight arrow with a label above (dy < 0) or below it. */
function arrow(x1, y1, x2, y2, label, dy) {
  const mx = (x1 + x2) / 2;
  return [`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="edge" marker-end="url(#head)"/>`, text(mx, (y1 + y2) / 2 + dy, label, 'class="label"')].join('\n  ');
}

/** A curved arrow under the boxes, from state `a` back to state `b`. */
function back(a, b, depth, label, cls = 'edge') {
  const x1 = STATES[a].x + W / 2;
  const x2 = STATES[b].x + W / 2 + (a > b ? 20 : -20);
  const y = Y + H;
  return [
    `<path d="M ${x1 - 20} ${y} C ${x1 - 20} ${y + depth}, ${x2} ${y + depth}, ${x2} ${y}" class="${cls}" marker-end="url(#head)"/>`,
    text((x1 + x2) / 2, y + depth * 0.75 + 4, label, 'class="label"'),
  ].join('\n  ');
}

export function render() {
  const parts = [];
  const r = (i) => STATES[i].x + W;
  const l = (i) => STATES[i].x;
  parts.push(arrow(r(0), Y + 22, l(1), Y + 22, 'connecting', -8));
  parts.push(arrow(r(0), Y + 22, l(1), Y + 22, '(configureSta, stored network)', -24));
  parts.push(arrow(r(1), Y + 22, l(2), Y + 22, 'connected (got IP)', -8));
  parts.push(arrow(r(2), Y + 22, l(3), Y + 22, 'setCurState(3)', -8));
  parts.push(arrow(r(2), Y + 22, l(3), Y + 22, '(your app: cloud up)', -24));
  parts.push(back(2, 1, 60, 'Wi-Fi disconnected'));
  parts.push(back(3, 1, 120, 'Wi-Fi disconnected (cur drops to 1 from any state)'));
  parts.push(back(1, 0, 100, 'factory reset from any state (timeout, button, bad credentials, app), then reboot', 'edge reset'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="920" height="330" viewBox="0 0 920 330" font-family="system-ui, sans-serif" role="img" aria-label="Provisioning states 0 to 3 and their transitions">
  <defs>
    <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker>
  </defs>
  <style>
    .state { fill: #f3f6fb; stroke: #4a6fa5; stroke-width: 2; }
    .stable { fill: #e6f4ea; stroke: #2e7d32; }
    .name { font-size: 15px; font-weight: 600; text-anchor: middle; fill: #1a1a1a; }
    .led { font-size: 13px; text-anchor: middle; fill: #555; }
    .edge { stroke: #444; stroke-width: 1.5; fill: none; }
    .reset { stroke: #b3261e; stroke-dasharray: 5 4; }
    .label { font-size: 12px; text-anchor: middle; fill: #333; }
    .note { font-size: 12px; fill: #333; }
  </style>
  ${text(20, 30, 'cur: 0 at every boot, driven by Wi-Fi and your app. max: the highest cur reached, persisted; a factory reset sets it to 0.', 'class="note"')}
  ${text(20, 50, 'While 1 ≤ max < stableState a provisioning timeout (timeoutMs) runs; max ≥ stableState cancels it.', 'class="note"')}
  ${text(20, 70, 'The stable state (stableState, default 3) and above: solid on. States 3..stableState-1: 250/250 ms.', 'class="note"')}
  ${STATES.map(box).join('\n  ')}
  ${parts.join('\n  ')}
</svg>
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const svg = render();
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT, 'utf8') !== svg) {
      process.stderr.write('state-diagram.svg is out of date: run node docs/scripts/state-diagram.mjs\n');
      process.exit(1);
    }
  } else writeFileSync(OUT, svg);
}
