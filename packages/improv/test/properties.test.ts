// Bad input, by property (fast-check): random bytes, broken checksums, lengths past the buffer, frames
// cut off, REPL text, all interleaved and split into random chunks. Frames are dropped, good frames
// and other traffic come through exactly, nothing throws, memory stays bounded, the device's state is
// untouched.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '@provision/core/testing';
import { encodeFrame, encodeRpc, ImprovDecoder } from '../src/index';
import { HOME, parseFrames, rig, settingsData } from './helpers';

const IDLE = 100;
const MAX = 64;
const MAGIC = 'IMPROV';

/** REPL text as a person types it, without `I` (an `I` may start a frame and is held: see P2). */
const replText = fc.string({ unit: fc.constantFrom(...'abcxyz019 ()=;.\'"\n\r\t>'.split('')), minLength: 1, maxLength: 30 });
const payload = (max: number) => fc.uint8Array({ maxLength: max });

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'frame'; type: number; data: Uint8Array }
  | { kind: 'badsum'; data: Uint8Array; delta: number }
  | { kind: 'oversize'; len: number; filler: Uint8Array }
  | { kind: 'cut'; data: Uint8Array; keep: number };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  replText.map((text) => ({ kind: 'text' as const, text })),
  fc.record({ kind: fc.constant('frame' as const), type: fc.integer({ min: 0, max: 255 }), data: payload(MAX) }),
  fc.record({ kind: fc.constant('badsum' as const), data: payload(MAX), delta: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('oversize' as const), len: fc.integer({ min: MAX + 1, max: 255 }), filler: fc.uint8Array({ minLength: 256, maxLength: 256 }) }),
  fc.record({ kind: fc.constant('cut' as const), data: payload(MAX), keep: fc.integer({ min: 1, max: 200 }) }),
);

function bytesOf(p: Piece): number[] {
  if (p.kind === 'text') return [...Buffer.from(p.text, 'latin1')];
  if (p.kind === 'frame') return [...encodeFrame(p.type, p.data)];
  if (p.kind === 'badsum') {
    const f = [...encodeFrame(3, p.data)];
    f[f.length - 2] = (f[f.length - 2]! + p.delta) & 255;
    return f;
  }
  if (p.kind === 'oversize') return [...Buffer.from(MAGIC), 1, 3, p.len, ...p.filler.slice(0, p.len + 1), 10];
  const f = [...encodeFrame(3, p.data)];
  return f.slice(0, Math.min(p.keep, f.length - 3));
}

interface Harness {
  clock: SimulatedClock;
  dec: ImprovDecoder;
  frames: number[][];
  drops: string[];
  other: string[];
}

function harness(): Harness {
  const clock = new SimulatedClock();
  const h: Harness = { clock, frames: [], drops: [], other: [], dec: undefined as unknown as ImprovDecoder };
  h.dec = new ImprovDecoder(
    { clock, idleMs: IDLE, maxData: MAX },
    { frame: (t, d, n) => h.frames.push([t, ...d.slice(0, n)]), drop: (w) => h.drops.push(w), other: (s) => h.other.push(s) },
  );
  return h;
}

/** Feeds `bytes` in chunks cut at `cuts` (fractions), checking the bounds after every chunk. */
function feedChunked(h: Harness, bytes: readonly number[], cuts: readonly number[]): void {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to <= from) continue;
    h.dec.feed(Uint8Array.from(bytes.slice(from, to)));
    from = to;
    const d = h.dec as unknown as { pending_: string; buf_: Uint8Array | undefined };
    // Bounded memory: nothing is kept between chunks but the buffer of the frame being received.
    expect(d.pending_).toBe('');
    expect(d.buf_ === undefined || (d.buf_.length <= MAX && h.dec.busy())).toBe(true);
  }
}

describe('R11.4 the decoder under bad input (fast-check)', () => {
  it('P1 exact: good frames decoded in order, REPL text passed through unchanged, every broken frame dropped with a log line', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 })), { maxLength: 25 }), (pieces) => {
        const h = harness();
        const wantFrames: number[][] = [];
        let wantOther = '';
        let wantDrops = 0;
        for (const [p, cuts] of pieces) {
          feedChunked(h, bytesOf(p), cuts);
          if (p.kind === 'text') wantOther += p.text;
          else if (p.kind === 'frame') wantFrames.push([p.type, ...p.data]);
          else if (p.kind === 'cut') {
            const kept = Math.min(p.keep, p.data.length + 8);
            if (kept < 7) wantOther += MAGIC.slice(0, kept);
            else wantDrops++;
          } else wantDrops++;
          // A frame cut off is only known to be one after the idle gap.
          if (p.kind === 'cut') h.clock.advance(IDLE + 1);
        }
        h.clock.advance(IDLE + 1);
        expect(h.frames).toEqual(wantFrames);
        expect(h.other.join('')).toBe(wantOther);
        expect(h.drops.length).toBe(wantDrops);
        expect(h.dec.busy()).toBe(false);
        expect(h.clock.pending()).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('P2 random bytes and REPL text with any letters: no exception, bounded memory, a frame after an idle gap always decoded', () => {
    const anything = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => [...b]),
      fc.string({ maxLength: 40 }).map((s) => [...Buffer.from(s, 'utf8')]),
      fc.constantFrom([...Buffer.from('IMPROV')], [...Buffer.from('IMPROV\x01')], [...Buffer.from('IMPROV\x01\x03\xff')], [...Buffer.from("print('IMPROV')\n")]),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(anything, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), fc.boolean()), { maxLength: 20 }), (chunks) => {
        const h = harness();
        let gapFrames = 0;
        for (const [bytes, cuts, thenFrame] of chunks) {
          feedChunked(h, bytes, cuts);
          if (thenFrame) {
            h.clock.advance(IDLE + 1);
            const before = h.frames.length;
            feedChunked(h, [...encodeRpc(2, [])], cuts);
            expect(h.frames.length).toBe(before + 1);
            expect(h.frames[h.frames.length - 1]).toEqual([3, 2, 0]);
            gapFrames++;
          }
        }
        expect(h.frames.length).toBeGreaterThanOrEqual(gapFrames);
        h.clock.advance(IDLE + 1);
        expect(h.dec.busy()).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('R11.4 the device under bad input (fast-check)', () => {
  it('P3 garbage, broken frames and REPL text change nothing; a good send-settings afterwards still provisions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(piece, fc.boolean()), { maxLength: 15 }), async (pieces) => {
        const r = await rig({ improv: { maxData: MAX } });
        const before = { session: r.dev.prov.getSessionState(), cur: r.dev.prov.getCurState(), max: r.dev.prov.getMaxState() };
        for (const [p, gap] of pieces) {
          // A well-formed frame here is not an RPC (type 3) the device would act on.
          if (p.kind === 'frame' && p.type === 3) continue;
          r.improv.receive(bytesOf(p));
          if (gap || p.kind === 'cut') r.dev.clock.advance(IDLE + 1);
        }
        r.dev.clock.advance(IDLE + 1);
        expect(parseFrames(r.written)).toEqual([]);
        expect({ session: r.dev.prov.getSessionState(), cur: r.dev.prov.getCurState(), max: r.dev.prov.getMaxState() }).toEqual(before);
        expect(r.dev.wifi.calls.connect).toBeUndefined();
        r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
        expect(r.take().slice(-2)).toEqual(['state 4', 'result 1 ["http://192.168.1.50/setup"]']);
      }),
      { numRuns: 300 },
    );
  });
});
