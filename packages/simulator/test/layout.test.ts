// The screen's text layout: items never split when they fit, nothing wider than the line, log lines wrapped and scrolled.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineLine } from '../src/device';
import { breakItem, flow, lineText, lineWidth, SEPARATOR, widthOf, wrapHanging, type Item } from '../src/layout';
import { visibleLog, type LogView } from '../src/log-view';

const word = fc.stringMatching(/^[a-zA-Z0-9→×•"()\-/]{1,12}$/);
const text = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
const items = fc.array(text, { minLength: 1, maxLength: 14 });

describe('flow: items onto lines', () => {
  it('no line is wider than the width; an item that fits shows whole on one line; order is kept', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 8, max: 120 }), (texts, width) => {
        const lines = flow(texts.map((t): Item => [{ text: t }]), width);
        for (const l of lines) expect(lineWidth(l)).toBeLessThanOrEqual(width);
        const joined = lines.map(lineText);
        for (const t of texts) if (widthOf(t) <= width) expect(joined.some((l) => l.split(SEPARATOR).includes(t))).toBe(true);
        // Every character of every item, in order, with only separators and breaks between.
        const squash = (x: string): string => x.replace(/[ ·]/g, '');
        expect(squash(joined.join(''))).toBe(squash(texts.join('')));
      }),
      { numRuns: 500 },
    );
  });

  it('moves an item that does not fit to the next line whole', () => {
    const lines = flow([[{ text: 'not provisioned' }], [{ text: 'cur 2 NetworkConnected' }], [{ text: 'max 2 NetworkConnected' }]], 63).map(lineText);
    expect(lines).toEqual(['not provisioned · cur 2 NetworkConnected', 'max 2 NetworkConnected']);
  });

  it('keeps the styles of an item across the flow', () => {
    const lines = flow([[{ text: 'cur ' }, { text: '2 NetworkConnected', bold: true }], [{ text: 'q', bold: true }, { text: ' quit', dim: true }]], 80);
    expect(lines[0]).toEqual([{ text: 'cur ' }, { text: '2 NetworkConnected', bold: true }, { text: SEPARATOR, dim: true }, { text: 'q', bold: true }, { text: ' quit', dim: true }]);
  });

  it('breaks an item wider than a line at spaces, mid-word only for a word wider than the line', () => {
    expect(breakItem([{ text: 'aaa bbb ccc' }], 7).map(lineText)).toEqual(['aaa bbb', 'ccc']);
    expect(breakItem([{ text: 'abcdefghij' }], 4).map(lineText)).toEqual(['abcd', 'efgh', 'ij']);
    // A wide character counts two columns and is never split.
    expect(breakItem([{ text: '漢字漢字' }], 5).map(lineText)).toEqual(['漢字', '漢字']);
  });
});

describe('log lines', () => {
  it('wrap under their time column, every line within the width', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 24, max: 120 }), (t, width) => {
        const rows = wrapHanging('    1.000s  ', t, width);
        expect(rows[0].startsWith('    1.000s  ')).toBe(true);
        for (const r of rows) expect(widthOf(r)).toBeLessThanOrEqual(width);
        for (const r of rows.slice(1)) expect(r.startsWith(' '.repeat(12))).toBe(true);
        expect(rows.map((r, i) => (i === 0 ? r.slice(12) : r.trim())).join(' ')).toBe(t.replace(/ +/g, ' '));
      }),
      { numRuns: 300 },
    );
  });

  it('scroll: a window of whole screen lines, clamped at the oldest; following shows the newest', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 40 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 200 }), (texts, rows, scroll) => {
        const lines: TimelineLine[] = texts.map((t, i) => ({ at: i * 1000, kind: 'event', text: t }));
        const all = lines.flatMap((l) => wrapHanging(`${(l.at / 1000).toFixed(3).padStart(9)}s  `, l.text, 40));
        const view: LogView = { scroll: scroll, logWidth: 40, page: 1 };
        const shown = visibleLog(lines, view, 40, rows);
        expect(view.scroll).toBeLessThanOrEqual(Math.max(0, all.length - (rows - 1)));
        if (all.length <= rows) expect(view.scroll).toBe(0);
        const room = view.scroll > 0 ? rows - 1 : rows;
        const end = all.length - view.scroll;
        expect(shown.rows.map((r) => r.text)).toEqual(all.slice(Math.max(0, end - room), end));
        expect(shown.below).toBe(view.scroll);
      }),
      { numRuns: 300 },
    );
  });
});
