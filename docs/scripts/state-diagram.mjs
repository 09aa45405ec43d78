// Draws the provisioning state diagram of the "how provisioning works" guide as a plain SVG file, so
// the picture needs no browser or diagram tool to build. `node docs/scripts/state-diagram.mjs` writes
// docs/guides/media/state-diagram.svg; `--check` fails when the committed file differs.
//
// The layout never depends on the reader's fonts: every text is placed by its anchor (start or
// middle), never by a measured width, and the room around it is worked out from an upper bound on
// how wide it can be (WIDE em per character: wider than the common sans-serif fonts' average). A
// narrower font leaves more margin; nothing is clipped and no text reaches a border. Labels sit in
// lanes of their own: beside the forward arrows in the gaps between the boxes, right of the Wi-Fi
// lane, inside the reset pill.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../guides/media/state-diagram.svg', import.meta.url));

/** An upper bound on a character's width, in em (bold text gets more). */
const WIDE = 0.62;
const WIDE_BOLD = 0.68;
/** Room kept clear around every text, px. */
const CLEAR = 12;
/** Around the whole picture, px. */
const MARGIN = 28;

const FONT = { note: 13, name: 15, led: 13, label: 13 };
const LINE = 18;

/** The widest a text can be drawn at a font size. */
export function maxWidth(s, size, bold = false) {
  return Math.ceil([...s].length * size * (bold ? WIDE_BOLD : WIDE));
}

// States: name and the LED pattern of R6.1.
const STATES = [
  { n: 0, name: 'Unprovisioned', led: 'LED 1000/1000 ms' },
  { n: 1, name: 'NetworkConfigured', led: 'LED 500/500 ms' },
  { n: 2, name: 'NetworkConnected', led: 'LED 250/250 ms' },
  { n: 3, name: 'CloudConnected', led: 'LED solid on' },
];

// What moves cur forward, written beside the arrow from state i to state i + 1.
const FORWARD = [
  ['connecting', '(configureSta, or a stored network)'],
  ['connected (got an IP)'],
  ['setCurState(3)', '(your app: its cloud is up)'],
];

const WIFI = ['Wi-Fi disconnected:', 'cur drops to 1', '(from 2, 3 or above)'];
const RESET = ['From any state: factory reset', '(timeout, button, bad credentials, app),', 'then reboot into 0'];

const NOTES = [
  'cur: 0 at every boot, driven by Wi-Fi and your app.',
  'max: the highest cur reached, persisted; a factory reset sets it to 0.',
  'While 1 ≤ max < stableState the provisioning timeout (timeoutMs) runs;',
  'max ≥ stableState cancels it.',
  'stableState (default 3) and above: LED solid on; 3 … stableState−1: 250/250 ms.',
];

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const widest = (lines, size, bold) => Math.max(...lines.map((l) => maxWidth(l, size, bold)));

/** Work out every position. Exported for the test, which compares it with what a browser draws. */
export function layout() {
  const laneReset = MARGIN + 8; // the dashed reset lane, left of the boxes
  const boxX = laneReset + 36;
  const boxW = Math.max(widest(STATES.map((s) => `${s.n} ${s.name}`), FONT.name, true), widest(STATES.map((s) => s.led), FONT.led)) + 2 * CLEAR + 48;
  const boxH = 2 * LINE + 2 * CLEAR + 8;
  const arrowX = boxX + 44; // forward arrows run down the left part of the boxes
  const labelX = arrowX + CLEAR; // their labels start right of them
  const gap = Math.max(...FORWARD.map((l) => l.length)) * LINE + 2 * CLEAR + 16;
  const notesTop = MARGIN;
  const notesH = NOTES.length * LINE;
  const top = notesTop + notesH + 28;
  const boxes = STATES.map((s, i) => ({ ...s, x: boxX, y: top + i * (boxH + gap), w: boxW, h: boxH }));
  const forwardRight = labelX + widest(FORWARD.flat(), FONT.label);
  // The Wi-Fi lane runs right of the boxes and clear of the forward labels; its label right of it.
  const laneWifi = Math.max(boxX + boxW, forwardRight) + 36;
  const wifiLabelX = laneWifi + CLEAR;
  const last = boxes[boxes.length - 1];
  const pill = {
    w: widest(RESET, FONT.label) + 2 * CLEAR + 24,
    h: RESET.length * LINE + 2 * CLEAR,
    x: boxX,
    y: last.y + last.h + 44,
  };
  const width = Math.max(wifiLabelX + widest(WIFI, FONT.label), pill.x + pill.w, MARGIN + widest(NOTES, FONT.note)) + MARGIN;
  const height = pill.y + pill.h + MARGIN;
  return { laneReset, laneWifi, wifiLabelX, arrowX, labelX, gap, notesTop, boxes, pill, width, height };
}

const text = (x, y, s, cls) => `<text x="${x}" y="${y}" class="${cls}">${esc(s)}</text>`;
/** Lines of text whose first baseline is `y`. */
const lines = (x, y, ls, cls) => ls.map((l, i) => text(x, y + i * LINE, l, cls));

export function render() {
  const L = layout();
  const parts = [];
  parts.push(...lines(MARGIN, L.notesTop + FONT.note, NOTES, 'note'));
  for (const b of L.boxes) {
    const cx = b.x + b.w / 2;
    parts.push(`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="10" class="${b.n === 3 ? 'state stable' : 'state'}"/>`);
    // Two lines centred in the box, CLEAR px from its top and bottom at the least.
    parts.push(text(cx, b.y + CLEAR + 4 + FONT.name, `${b.n} ${b.name}`, 'name'));
    parts.push(text(cx, b.y + CLEAR + 4 + LINE + FONT.led + 2, b.led, 'led'));
  }
  L.boxes.slice(0, -1).forEach((b, i) => {
    const y1 = b.y + b.h;
    const y2 = L.boxes[i + 1].y;
    parts.push(`<line x1="${L.arrowX}" y1="${y1}" x2="${L.arrowX}" y2="${y2 - 2}" class="edge" marker-end="url(#head)"/>`);
    const ls = FORWARD[i];
    const first = (y1 + y2) / 2 - ((ls.length - 1) * LINE) / 2 + FONT.label / 2 - 2;
    parts.push(...lines(L.labelX, first, ls, 'label'));
  });
  // Wi-Fi disconnected: from state 2 and from 3 into one lane, up into state 1.
  const mid = (b) => b.y + b.h / 2;
  const [, b1, b2, b3] = L.boxes;
  const right = b1.x + b1.w;
  parts.push(`<path d="M ${right} ${mid(b3)} H ${L.laneWifi} V ${mid(b1)} H ${right + 2}" class="edge" marker-end="url(#head)"/>`);
  parts.push(`<path d="M ${right} ${mid(b2)} H ${L.laneWifi}" class="edge"/>`);
  parts.push(`<circle cx="${L.laneWifi}" cy="${mid(b2)}" r="3" class="dot"/>`);
  const wifiMid = (mid(b1) + mid(b3)) / 2;
  parts.push(...lines(L.wifiLabelX, wifiMid - ((WIFI.length - 1) * LINE) / 2 + FONT.label / 2 - 2, WIFI, 'label'));
  // The factory reset: from the pill, up the left lane, into state 0.
  const p = L.pill;
  const b0 = L.boxes[0];
  parts.push(`<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" rx="${p.h / 2}" class="pill"/>`);
  parts.push(`<path d="M ${p.x} ${p.y + p.h / 2} H ${L.laneReset} V ${mid(b0)} H ${b0.x - 2}" class="edge reset" marker-end="url(#head-reset)"/>`);
  parts.push(...lines(p.x + p.w / 2, p.y + CLEAR + FONT.label - 1, RESET, 'label reset-text'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="system-ui, sans-serif" role="img" aria-label="Provisioning states 0 to 3 and their transitions">
  <defs>
    <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker>
    <marker id="head-reset" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#b3261e"/></marker>
  </defs>
  <style>
    .state { fill: #f3f6fb; stroke: #4a6fa5; stroke-width: 2; }
    .stable { fill: #e6f4ea; stroke: #2e7d32; }
    .pill { fill: #fdf0ef; stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 5 4; }
    .name { font-size: ${FONT.name}px; font-weight: 600; text-anchor: middle; fill: #1a1a1a; }
    .led { font-size: ${FONT.led}px; text-anchor: middle; fill: #555; }
    .edge { stroke: #444; stroke-width: 1.5; fill: none; }
    .dot { fill: #444; }
    .reset { stroke: #b3261e; stroke-dasharray: 5 4; }
    .label { font-size: ${FONT.label}px; fill: #333; }
    .reset-text { text-anchor: middle; fill: #8c1d18; }
    .note { font-size: ${FONT.note}px; fill: #333; }
  </style>
  <rect x="0" y="0" width="${L.width}" height="${L.height}" fill="#fff"/>
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
