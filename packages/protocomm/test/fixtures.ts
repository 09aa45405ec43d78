// Shared test utilities: deterministic randomness and hex.

/** A random source that hands out the given byte strings in order, then fails loudly. */
export function scripted(...chunks: (Uint8Array | string)[]): (n: number) => Uint8Array {
  const queue = chunks.map((c) => (typeof c === 'string' ? new Uint8Array(Buffer.from(c, 'hex')) : c));
  return (n) => {
    const next = queue.shift();
    if (!next) throw new Error(`scripted randomness exhausted (asked for ${n} bytes)`);
    if (next.length !== n) throw new Error(`scripted randomness: asked for ${n} bytes, next chunk has ${next.length}`);
    return next;
  };
}

/** A seeded, deterministic byte source (xorshift), for fuzzing and recorded sessions. */
export function seeded(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
