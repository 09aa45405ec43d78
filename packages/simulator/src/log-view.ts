// The event log's window on the timeline: entries wrapped under their time column, scrolled by screen lines from the newest.
import { formatTime } from './names';
import type { TimelineLine } from './device';
import { wrapHanging } from './layout';

/** Where the log window is: `scroll` screen lines up from the newest (0 follows new events). */
export interface LogView {
  scroll: number;
  /** The width the log was last laid out at, so lines arriving while scrolled keep the view still. */
  logWidth: number;
  /** Screen lines the log showed last: a page for PgUp / PgDn. */
  page: number;
}

/** One screen line of the log. */
export interface LogRow {
  text: string;
  color?: string;
}

/** The colour of a timeline line. */
export function lineColor(l: TimelineLine): string | undefined {
  if (l.kind === 'action') return 'cyan';
  if (l.kind === 'led') return 'yellow';
  if (l.kind === 'sim') return 'magenta';
  if (l.event === 'reset' || l.event === 'error') return 'red';
  if (l.event === 'warning') return 'yellow';
  return undefined;
}

// Entries never change once logged: their wrapped lines are kept per width.
const cache = new WeakMap<TimelineLine, { width: number; rows: string[] }>();

/** The screen lines of one entry at a width: the time, then the text wrapped under its own column. */
export function entryRows(line: TimelineLine, width: number): string[] {
  const c = cache.get(line);
  if (c && c.width === width) return c.rows;
  const rows = wrapHanging(`${formatTime(line.at)}  `, line.text, width);
  cache.set(line, { width: width, rows: rows });
  return rows;
}

/**
 * The lines the log shows: `rows` screen lines ending `view.scroll` lines above the newest, one fewer
 * when scrolled (the last line then says how many are below). Clamps `view.scroll` to what exists.
 */
export function visibleLog(lines: TimelineLine[], view: LogView, width: number, rows: number): { rows: LogRow[]; below: number } {
  const want = (scroll: number): number => Math.max(1, scroll > 0 ? rows - 1 : rows);
  // Walk back from the newest entry only as far as the window needs.
  const back: LogRow[] = [];
  let i = lines.length - 1;
  const need = view.scroll + want(view.scroll);
  while (i >= 0 && back.length < need) {
    const l = lines[i--];
    const r = entryRows(l, width);
    const color = lineColor(l);
    for (let k = r.length - 1; k >= 0; k--) back.push({ text: r[k], color: color });
  }
  if (i < 0) {
    // The oldest line was reached: scroll no further than putting it at the top.
    const total = back.length;
    view.scroll = total <= rows ? 0 : Math.min(view.scroll, total - want(1));
  }
  view.page = want(view.scroll);
  const out = back.slice(view.scroll, view.scroll + want(view.scroll)).reverse();
  return { rows: out, below: view.scroll };
}

/** Move the window by `delta` screen lines (positive: towards older ones); {@link visibleLog} clamps. */
export function scrollBy(view: LogView, delta: number): void {
  view.scroll = Math.max(0, view.scroll + delta);
}
