import type { Clock, TimerHandle } from './ports';

interface TimerGlobals {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
  performance?: { now(): number };
  getTime?: () => number;
  Date: { now(): number };
}

function globals(): TimerGlobals {
  return globalThis as unknown as TimerGlobals;
}

/**
 * The default {@link Clock}: the global timers, looked up at call time (so fake timers installed
 * after import still apply). Monotonic time comes from `performance.now()`, Espruino's `getTime()`,
 * or `Date.now()`, whichever exists first.
 */
export const defaultClock: Clock = {
  now(): number {
    const g = globals();
    if (g.performance && typeof g.performance.now === 'function') return g.performance.now();
    if (typeof g.getTime === 'function') return g.getTime() * 1000;
    return g.Date.now();
  },
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return globals().setTimeout(fn, ms);
  },
  clearTimeout(handle: TimerHandle): void {
    // Espruino's clearTimeout(undefined) throws, and with no argument clears every timer.
    if (handle === undefined || handle === null) return;
    try {
      globals().clearTimeout(handle);
    } catch (_e) {
      // Espruino throws when the timer already fired; the contract says that is a no-op.
    }
  },
  wallNow(): number {
    return globals().Date.now();
  },
};
