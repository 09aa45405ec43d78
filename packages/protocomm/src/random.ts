// Where the protocol's randomness comes from: the system's CSPRNG unless a caller injects its own (recorded transcripts).
import { randomBytes } from 'node:crypto';

/**
 * A source of random bytes: returns `n` fresh bytes. The default is `crypto.randomBytes`. Inject a
 * deterministic one only to replay recorded transcripts in tests; a predictable source breaks every
 * security scheme.
 */
export type RandomSource = (n: number) => Uint8Array;

/** The system's cryptographically secure generator. */
export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** `n` bytes from `source`, checked: a source that returns the wrong length is a programming error. */
export function take(source: RandomSource, n: number): Uint8Array {
  const b = source(n);
  if (!(b instanceof Uint8Array) || b.length !== n) throw new Error(`the random source returned ${b && b.length} bytes, ${n} were asked for`);
  return b;
}
