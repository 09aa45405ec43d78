// A log for a condition that repeats (Wi-Fi backend down): said once, then again only when it changes or rarely.
import type { Clock } from '@provision/core';
import type { Logger } from './log';

/** Options for {@link repeatLogger}. */
export interface RepeatLogOptions {
  /** After the first line, the same message is logged again after this long, ms; the gap doubles. Default 60000. */
  firstRepeatMs?: number;
  /** The longest gap between two lines of the same message, ms. Default 3600000 (1 h). */
  maxRepeatMs?: number;
}

/** See {@link repeatLogger}. */
export interface RepeatLogger {
  /** Report the condition; `message` decides whether it changed. */
  report(event: string, message: string, fields?: object): void;
  /** The condition is over: the next report is logged at once. */
  clear(): void;
}

/**
 * Log a repeating condition without flooding the journal: the first report is logged, a report with a
 * different message is logged at once, and the same message again only after a gap that starts at
 * `firstRepeatMs` and doubles up to `maxRepeatMs`; such a line carries `repeats` (reports since the
 * last line, this one included) and `sinceMs`.
 */
export function repeatLogger(log: Logger, clock: Clock, options: RepeatLogOptions = {}): RepeatLogger {
  const first = options.firstRepeatMs ?? 60000;
  const max = options.maxRepeatMs ?? 3600000;
  let last: { message: string; at: number; gap: number; repeats: number } | undefined;
  return {
    report(event, message, fields = {}) {
      const now = clock.now();
      if (!last || last.message !== message) {
        log(event, { message, ...fields });
        last = { message, at: now, gap: first, repeats: 0 };
        return;
      }
      last.repeats++;
      if (now - last.at < last.gap) return;
      log(event, { message, ...fields, repeats: last.repeats, sinceMs: now - last.at });
      last = { message, at: now, gap: Math.min(last.gap * 2, max), repeats: 0 };
    },
    clear() {
      last = undefined;
    },
  };
}
