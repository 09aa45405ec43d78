import type { Clock, TimerHandle } from '../ports';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A {@link Clock} whose time moves only when you say so: `advance(ms)` runs every timer that falls due,
 * in order, including timers armed by those timers. Deterministic; no real time passes.
 *
 * @example
 * ```ts
 * const clock = new SimulatedClock();
 * clock.setTimeout(() => console.log('fired at', clock.now()), 1000);
 * clock.advance(999); // nothing
 * clock.advance(1);   // "fired at 1000"
 * ```
 */
export class SimulatedClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Wall-clock epoch ms that corresponds to `now() === 0`. */
  readonly epoch: number;

  /** @param start - initial `now()` in ms (default 0); @param epoch - wall time at `now() === 0`. */
  constructor(start?: number, epoch?: number) {
    this.t = start === undefined ? 0 : start;
    this.epoch = epoch === undefined ? 1767225600000 : epoch; // 2026-01-01T00:00:00Z
  }

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.epoch + this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    const delay = typeof ms === 'number' && ms > 0 ? ms : 0;
    this.timers.push({ id: id, due: this.t + delay, fn: fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    for (let i = 0; i < this.timers.length; i++) {
      if (this.timers[i].id === handle) {
        this.timers.splice(i, 1);
        return;
      }
    }
  }

  /** Cancel every armed timer (what a power cut does to a device's timers). */
  cancelAll(): void {
    this.timers = [];
  }

  /** Number of armed timers. */
  pending(): number {
    return this.timers.length;
  }

  /** Due time of the next timer, or undefined. */
  nextDue(): number | undefined {
    const t = this.next();
    return t ? t.due : undefined;
  }

  /** Let `ms` pass, firing due timers in order (each sees `now()` equal to its due time). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advance() needs a non-negative number of ms, got ${ms}`);
    this.runUntil(this.t + ms);
  }

  /** Jump to absolute time `t` (≥ now), firing due timers. */
  set(t: number): void {
    if (!(t >= this.t)) throw new Error(`set() cannot move time backwards (now ${this.t}, asked ${t})`);
    this.runUntil(t);
  }

  /** Fire timers until none is left or `limitMs` has passed; returns the time advanced. */
  runAll(limitMs?: number): number {
    const start = this.t;
    const end = start + (limitMs === undefined ? 86400000 : limitMs);
    for (;;) {
      const n = this.next();
      if (!n || n.due > end) break;
      this.runUntil(n.due);
    }
    return this.t - start;
  }

  private next(): Timer | undefined {
    let best: Timer | undefined;
    for (let i = 0; i < this.timers.length; i++) {
      const x = this.timers[i];
      if (!best || x.due < best.due || (x.due === best.due && x.id < best.id)) best = x;
    }
    return best;
  }

  private runUntil(end: number): void {
    for (;;) {
      const n = this.next();
      if (!n || n.due > end) break;
      this.clearTimeout(n.id);
      if (n.due > this.t) this.t = n.due;
      n.fn();
    }
    this.t = end;
  }
}
