// Text layout for the live screen: items flowed onto lines without breaking one mid-way, and long text wrapped at word boundaries.
import stringWidth from 'string-width';

/** A run of text in one style. */
export interface Span {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

/** One thing the screen says, in one or more styled runs; never split across lines when it fits on one. */
export type Item = Span[];

/** One screen line: styled runs whose widths add up to at most the width it was laid out for. */
export type Line = Span[];

/** The separator {@link flow} puts between items on one line. */
export const SEPARATOR = ' · ';

const segmenter = new Intl.Segmenter();

/** The terminal columns a text takes (wide characters count 2, combining marks 0). */
export function widthOf(text: string): number {
  return stringWidth(text);
}

/** The terminal columns a line takes. */
export function lineWidth(line: Line): number {
  let w = 0;
  for (const s of line) w += widthOf(s.text);
  return w;
}

/** A line's text without styles. */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

function sameStyle(a: Span, b: Span): boolean {
  return a.color === b.color && a.bold === b.bold && a.dim === b.dim;
}

/** Append text in a style to a line, merging with the last run when the style is the same. */
function push(line: Line, style: Span, text: string): void {
  if (!text) return;
  const last = line[line.length - 1];
  if (last && sameStyle(last, style)) last.text += text;
  else line.push({ ...style, text: text });
}

/**
 * Break an item into lines of at most `width` columns, at spaces where it can (the space that ends a
 * line is dropped), mid-word only when one word is wider than a line.
 */
export function breakItem(item: Item, width: number): Line[] {
  const w = Math.max(1, width);
  // Graphemes with their style, so a break never splits a character or loses a colour.
  const cells: { g: string; w: number; style: Span }[] = [];
  for (const span of item) {
    for (const { segment } of segmenter.segment(span.text)) cells.push({ g: segment, w: widthOf(segment), style: span });
  }
  const lines: Line[] = [];
  let start = 0;
  while (start < cells.length) {
    // The longest run from `start` that fits.
    let end = start;
    let used = 0;
    while (end < cells.length && used + cells[end].w <= w) used += cells[end++].w;
    if (end === start) end = start + 1; // one grapheme wider than the line: it goes alone
    let next = end;
    if (end < cells.length) {
      // Prefer to break at the last space inside the run (or just after it).
      let sp = -1;
      for (let i = end; i > start; i--) {
        if (cells[i] && cells[i].g === ' ') {
          sp = i;
          break;
        }
      }
      if (sp > start) {
        end = sp;
        next = sp + 1;
      }
    }
    const line: Line = [];
    for (let i = start; i < end; i++) push(line, cells[i].style, cells[i].g);
    lines.push(line);
    start = next;
    // A line never starts with the spaces a break fell on.
    while (start < cells.length && cells[start].g === ' ') start++;
  }
  return lines.length ? lines : [[]];
}

/**
 * Lay out items on lines of at most `width` columns, separated by {@link SEPARATOR} (dimmed): an item
 * that fits on a line is never split, it moves to the next line whole; only an item wider than a whole
 * line is broken, at spaces where it can.
 *
 * @example
 * ```ts
 * flow([[{ text: 'q quit' }], [{ text: 'p pause' }]], 10).map(lineText); // ["q quit", "p pause"]
 * ```
 */
export function flow(items: Item[], width: number, separator: string = SEPARATOR): Line[] {
  const w = Math.max(1, width);
  const sepW = widthOf(separator);
  const lines: Line[] = [];
  let cur: Line = [];
  let curW = 0;
  for (const item of items) {
    const iw = lineWidth(item);
    if (iw === 0) continue;
    if (cur.length > 0 && curW + sepW + iw <= w) {
      push(cur, { text: '', dim: true }, separator);
      for (const s of item) push(cur, s, s.text);
      curW += sepW + iw;
      continue;
    }
    if (cur.length > 0) lines.push(cur);
    cur = [];
    curW = 0;
    if (iw <= w) {
      for (const s of item) push(cur, s, s.text);
      curW = iw;
    } else {
      const parts = breakItem(item, w);
      for (let i = 0; i < parts.length - 1; i++) lines.push(parts[i]);
      cur = parts[parts.length - 1];
      curW = lineWidth(cur);
    }
  }
  if (cur.length > 0) lines.push(cur);
  return lines;
}

/**
 * Wrap one log entry: `prefix` (the time column) on the first line, the text after it, continuation
 * lines indented to the text's column. Plain strings, each at most `width` columns.
 *
 * @example
 * ```ts
 * wrapHanging('    1.000s  ', 'a b c d', 16); // ["    1.000s  a b", "            c d"]
 * ```
 */
export function wrapHanging(prefix: string, text: string, width: number): string[] {
  const indent = widthOf(prefix);
  const room = width - indent;
  // Too narrow for a column: plain wrapping of the whole line.
  if (room < 10) return breakItem([{ text: prefix + text }], width).map(lineText);
  const pad = ' '.repeat(indent);
  return breakItem([{ text: text }], room).map((l, i) => (i === 0 ? prefix : pad) + lineText(l));
}
