// Wrong proofs are rate-limited (R11.4): at most 5 failed handshakes a minute, then a 60 s pause.
import type { Clock } from '@provision/core';

/** Limits of the wrong-proof rate limit. */
export interface RateLimitOptions {
  /** Failed handshakes allowed within `windowMs` (default 5). */
  maxFailures?: number;
  /** The sliding window, ms (default 60 000). */
  windowMs?: number;
  /** How long handshakes are refused once the limit is reached, ms (default 60 000). */
  pauseMs?: number;
}

/** Counts wrong proofs on the injected clock and says when handshakes must be refused. */
export class HandshakeLimiter {
  private failures: number[] = [];
  private pausedUntil = -Infinity;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly pauseMs: number;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: RateLimitOptions = {},
  ) {
    this.max = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.pauseMs = options.pauseMs ?? 60_000;
  }

  /** Milliseconds until handshakes are accepted again; 0 when they are now. */
  blockedFor(): number {
    const left = this.pausedUntil - this.clock.now();
    return left > 0 ? Math.ceil(left) : 0;
  }

  /** Record one wrong proof; returns true when this one started a pause. */
  fail(): boolean {
    const now = this.clock.now();
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    this.failures.push(now);
    if (this.failures.length >= this.max) {
      this.failures = [];
      this.pausedUntil = now + this.pauseMs;
      return true;
    }
    return false;
  }
}
