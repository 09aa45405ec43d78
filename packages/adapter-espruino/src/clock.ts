import { defaultClock, type Clock } from '@provision/core';
import { G } from './espruino';

/**
 * `getTime()` is seconds since boot until someone calls `setTime()` (the Web IDE does on connect),
 * then seconds since 1970; on the Linux build it is always epoch time. Timers are unaffected by
 * `setTime()` (Espruino shifts them), but time read from `getTime()` jumps. Any step of more than
 * this many seconds, or backwards, is taken as a clock setting, not as time passing.
 */
const JUMP_S = 1e8;

let base = 0;
let last = -1;

/**
 * Monotonic milliseconds since the first call (since boot when the clock was never set): what the
 * clock port's `now()` and the system port's `uptimeMs()` read.
 * @internal
 */
export function monoMs(): number {
  const t = G.getTime();
  if (last < 0) base = t < JUMP_S ? 0 : t;
  else if (t < last || t - last > JUMP_S) base += t - last;
  last = t;
  // Whole microseconds: epoch seconds in a double would otherwise give 99.9999 ms for 100.
  return Math.round((t - base) * 1e6) / 1000;
}

/** @internal Milliseconds on the {@link monoMs} scale for a `getTime()` reading (a watch's `time`). */
export function toMonoMs(seconds: number): number {
  monoMs();
  return Math.round((seconds - base) * 1e6) / 1000;
}

/**
 * A {@link Clock} on Espruino's timers: `setTimeout`/`clearTimeout` for timers, `getTime()` for
 * monotonic milliseconds (kept monotonic across `setTime()`), `Date.now()` for journal time stamps
 * (epoch milliseconds once the board's time was set, otherwise time since boot).
 *
 * `clearTimeout` never passes `undefined` on (Espruino would throw, and `clearTimeout()` with no
 * argument clears every timer) and ignores a timer that already fired.
 *
 * @example
 * ```js
 * var clock = createEspruinoClock();
 * clock.setTimeout(function () { console.log(clock.now()); }, 500);
 * ```
 */
export function createEspruinoClock(): Clock {
  // The core's default clock already guards clearTimeout and looks the timers up at call time: inherit
  // its methods (on Espruino every function object and property costs variables); only now() differs.
  const c = Object.create(defaultClock) as Clock;
  c.now = monoMs;
  return c;
}
