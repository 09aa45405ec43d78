import type { Clock, TimerHandle } from '@provision/core';

/**
 * The Node.js {@link Clock}: `performance.now()` for monotonic time, the global timers, and
 * `Date.now()` for journal time stamps. Timers are `unref()`ed so a pending timer never keeps a
 * process alive on its own.
 */
export const nodeClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle: TimerHandle): void {
    if (handle !== undefined && handle !== null) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  wallNow: () => Date.now(),
};
