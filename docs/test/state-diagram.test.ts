// The state diagram drawn by a real browser in several fonts: every text inside the picture, clear of every box border, edge and other text.
import { readFileSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// samples.test.ts checks that the committed file is what the script draws.
import { maxWidth } from '../scripts/state-diagram.mjs';
import { isPng, launch, noBrowser, screenshotPath } from './browser';

const SVG = new URL('../guides/media/state-diagram.svg', import.meta.url);

/** The fonts a reader may have: the default, Debian's (DejaVu) in its widths, a serif and a monospace one. */
const FONTS = ['system-ui, sans-serif', 'DejaVu Sans', 'DejaVu Sans Condensed', 'DejaVu Serif', 'DejaVu Sans Mono'];

/** Clearance kept between a text and any border or edge, px. */
const GAP = 5;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Measured {
  view: Box;
  texts: (Box & { text: string; size: number; bold: boolean })[];
  boxes: (Box & { cls: string })[];
  segments: { x1: number; y1: number; x2: number; y2: number }[];
}

const overlap = (a: Box, b: Box, gap: number): boolean => a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
const inside = (a: Box, b: Box, gap: number): boolean => a.x >= b.x + gap && a.y >= b.y + gap && a.x + a.w <= b.x + b.w - gap && a.y + a.h <= b.y + b.h - gap;
const segBox = (s: Measured['segments'][number]): Box => ({ x: Math.min(s.x1, s.x2), y: Math.min(s.y1, s.y2), w: Math.abs(s.x2 - s.x1), h: Math.abs(s.y2 - s.y1) });

describe.skipIf(noBrowser !== undefined)('the state diagram in headless Chromium, in every font', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    if (browser) await browser.close();
  });

  for (const font of FONTS) {
    it(`${font}: texts inside the picture, clear of box borders, edges and each other`, { timeout: 60000 }, async () => {
      const page = await browser.newPage();
      try {
        await page.setContent(`<!doctype html><body style="margin:0">${readFileSync(SVG, 'utf8')}</body>`);
        const m: Measured = await page.evaluate((f: string) => {
          const svg = document.querySelector('svg') as SVGSVGElement;
          svg.setAttribute('font-family', f);
          const vb = svg.viewBox.baseVal;
          const texts = [...svg.querySelectorAll('text')].map((t) => {
            const b = t.getBBox();
            const cs = getComputedStyle(t);
            return { x: b.x, y: b.y, w: b.width, h: b.height, text: t.textContent || '', size: parseFloat(cs.fontSize), bold: Number(cs.fontWeight) >= 600 };
          });
          const boxes = [...svg.querySelectorAll('rect[class]')].map((r) => {
            const b = (r as SVGRectElement).getBBox();
            return { x: b.x, y: b.y, w: b.width, h: b.height, cls: r.getAttribute('class') || '' };
          });
          // Edges are straight lines and axis-parallel paths (M x y, H x, V y).
          const segments: { x1: number; y1: number; x2: number; y2: number }[] = [];
          for (const l of svg.querySelectorAll('line')) {
            const n = (a: string): number => Number(l.getAttribute(a));
            segments.push({ x1: n('x1'), y1: n('y1'), x2: n('x2'), y2: n('y2') });
          }
          for (const p of svg.querySelectorAll('path[class]')) {
            const tokens = (p.getAttribute('d') || '').trim().split(/\s+/);
            let x = 0;
            let y = 0;
            for (let i = 0; i < tokens.length; ) {
              const c = tokens[i++];
              if (c === 'M') {
                x = Number(tokens[i++]);
                y = Number(tokens[i++]);
              } else if (c === 'H') {
                const nx = Number(tokens[i++]);
                segments.push({ x1: x, y1: y, x2: nx, y2: y });
                x = nx;
              } else if (c === 'V') {
                const ny = Number(tokens[i++]);
                segments.push({ x1: x, y1: y, x2: x, y2: ny });
                y = ny;
              } else throw new Error(`unexpected path command ${c}`);
            }
          }
          return { view: { x: vb.x, y: vb.y, w: vb.width, h: vb.height }, texts, boxes, segments };
        }, font);

        expect(m.texts.length).toBeGreaterThan(20);
        expect(m.boxes.filter((b) => b.cls.includes('state'))).toHaveLength(4);
        for (const t of m.texts) {
          expect(t.w, `${font}: "${t.text}" was drawn`).toBeGreaterThan(0);
          // The layout's assumption about widths holds in this font.
          expect(t.w, `${font}: "${t.text}" no wider than the layout allowed`).toBeLessThanOrEqual(maxWidth(t.text, t.size, t.bold));
          expect(inside(t, m.view, GAP), `${font}: "${t.text}" inside the picture: ${JSON.stringify(t)}`).toBe(true);
          for (const b of m.boxes) {
            const clear = inside(t, b, GAP) || !overlap(t, b, GAP);
            expect(clear, `${font}: "${t.text}" clear of the border of ${b.cls} at ${b.x},${b.y}`).toBe(true);
          }
          for (const s of m.segments) expect(overlap(t, segBox(s), 2), `${font}: "${t.text}" clear of the edge ${JSON.stringify(s)}`).toBe(false);
        }
        for (let i = 0; i < m.texts.length; i++) {
          for (let j = i + 1; j < m.texts.length; j++) {
            expect(overlap(m.texts[i], m.texts[j], 0), `${font}: "${m.texts[i].text}" and "${m.texts[j].text}" overlap`).toBe(false);
          }
        }
        const svg = await page.$('svg');
        const path = screenshotPath(`state-diagram-${font.split(',')[0].replace(/\W+/g, '-')}.png`);
        const png = await svg!.screenshot(path ? { path: path as `${string}.png` } : {});
        expect(isPng(png)).toBe(true);
      } finally {
        await page.close();
      }
    });
  }
});

if (noBrowser !== undefined) {
  describe('the state diagram in headless Chromium', () => {
    it.skip(noBrowser, () => undefined);
  });
}
