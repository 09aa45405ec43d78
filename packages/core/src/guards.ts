/** Type guards shared by the validators. @internal @module */

/** An integer from `min` to `max` (finite, so `NaN` and `Infinity` fail). */
export function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Math.floor(v) === v && v >= min && v <= max;
}

/** A plain object: not null, not an array. */
export function isObject(v: unknown): v is { [k: string]: unknown } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
