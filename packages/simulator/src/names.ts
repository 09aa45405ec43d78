import type { LedPattern } from '@provision/core';

const NAMES = ['Unprovisioned', 'NetworkConfigured', 'NetworkConnected', 'CloudConnected'];

/**
 * The name of a provisioning state: the four named states of the spec (§3), `app step N` above them.
 *
 * @example
 * ```ts
 * stateName(2); // "NetworkConnected"
 * stateName(5); // "app step 5"
 * ```
 */
export function stateName(n: number): string {
  return n >= 0 && n < NAMES.length ? NAMES[n] : `app step ${n}`;
}

/** `2 NetworkConnected`: a state number with its name. */
export function stateLabel(n: number): string {
  return `${n} ${stateName(n)}`;
}

/**
 * Simulated milliseconds as seconds with three decimals, right-aligned for a timeline column.
 *
 * @example
 * ```ts
 * formatTime(5000); // "    5.000s"
 * ```
 */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3).padStart(9)}s`;
}

/**
 * A duration for people: `4:55.0` (minutes, seconds and tenths), or `12.3 s` under a minute.
 */
export function formatDuration(ms: number): string {
  const tenths = Math.max(0, Math.ceil(ms / 100));
  const s = tenths / 10;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

/**
 * A parsed duration from a script or a flag: `250ms`, `5s`, `1.5s`, `2m`, `1h`. Returns undefined when
 * the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** What an LED pattern looks like, in words: `solid on`, `solid off` or `blink 500/500 ms`. */
export function describePattern(p: LedPattern): string {
  if (p.off === 0) return 'solid on';
  if (p.on === 0) return 'solid off';
  return `blink ${p.on}/${p.off} ms`;
}
