// Security sessions: wrong order, destroyed keys, and the wrong-proof rate limit as a property over sequences (R11.4).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '@provision/core/testing';
import { HandshakeLimiter } from '../src/rate-limit';
import { createSec1Client, createSec1Server } from '../src/security/sec1';
import { createSec2Client, createSec2Server } from '../src/security/sec2';
import { createSrpVerifier } from '../src/srp';
import { createProtocomm } from '../src/protocomm';
import { seeded } from './fixtures';

const te = new TextEncoder();

describe('security sessions', () => {
  it('sec1: Cmd1 before Cmd0 is refused; a destroyed session encrypts nothing; Cmd0 restarts', () => {
    const dev = createSec1Server(te.encode('pop'), seeded(1));
    const cli = createSec1Client(te.encode('pop'), seeded(2));
    const cli2 = createSec1Client(te.encode('pop'), seeded(3));
    const cmd1 = cli2.next(createSec1Server(te.encode('pop'), seeded(4)).handshake(cli2.start()))!;
    expect(() => dev.handshake(cmd1)).toThrow(/Cmd1 before Cmd0/);
    expect(cli.next(dev.handshake(cli.next(dev.handshake(cli.start()))!))).toBeUndefined();
    expect(dev.established).toBe(true);
    dev.destroy();
    expect(dev.established).toBe(false);
    expect(() => dev.encrypt(new Uint8Array(2))).toThrow(/no established session/);
  });

  it('sec1: a wrong PoP is a wrong proof', () => {
    const dev = createSec1Server(te.encode('right'), seeded(1));
    const cli = createSec1Client(te.encode('wrong'), seeded(2));
    const cmd1 = cli.next(dev.handshake(cli.start()))!;
    try {
      dev.handshake(cmd1);
      expect.unreachable();
    } catch (e) {
      expect((e as { wrongProof?: boolean }).wrongProof).toBe(true);
      expect(String(e)).not.toContain('right');
    }
  });

  it('sec2: a short A is padded for u but hashed as received; wrong password is a wrong proof', () => {
    const v = createSrpVerifier({ username: 'u', password: 'p', random: seeded(9) });
    expect(v.salt[0]).not.toBe(0);
    const dev = createSec2Server(v, seeded(5));
    const cli = createSec2Client('u', 'not-p', seeded(6));
    const cmd1 = cli.next(dev.handshake(cli.start()))!;
    expect(() => dev.handshake(cmd1)).toThrow(expect.objectContaining({ wrongProof: true }));
  });

  it('createSrpVerifier refuses a salt that starts with a zero byte (esp_prov would drop it)', () => {
    expect(() => createSrpVerifier({ username: 'u', password: 'p', salt: new Uint8Array([0, 1, 2]) })).toThrow(/zero byte/);
  });

  it('security 1 needs a PoP unless allowNoPop; security 2 needs a verifier; security 0 is logged as insecure', () => {
    expect(() => createProtocomm({ security: 1 })).toThrow(/proof of possession/);
    expect(() => createProtocomm({ security: 2 })).toThrow(/verifier/);
    const logs: string[] = [];
    createProtocomm({ security: 0, log: (_l, m) => logs.push(m) });
    createProtocomm({ security: 1, allowNoPop: true, log: (_l, m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/security 0.*insecure/);
    expect(logs.join('\n')).toMatch(/without a proof of possession.*insecure/);
  });
});

describe('the core', () => {
  it('a handler that never answers fails after handlerTimeoutMs on the injected clock, and the next request is served', async () => {
    const clock = new SimulatedClock();
    const pc = createProtocomm({ security: 0, clock, handlerTimeoutMs: 500, log: () => undefined });
    pc.addEndpoint('stuck', () => new Promise(() => undefined));
    pc.addEndpoint('echo', (b) => b);
    const hs = await pc.handleRequest('prov-session', '1', new Uint8Array([0x52, 0x03, 0xa2, 0x01, 0x00]));
    expect(hs.kind).toBe('reply');
    const stuck = pc.handleRequest('stuck', '1', new Uint8Array([1]));
    const next = pc.handleRequest('proto-ver', '1', new Uint8Array([1]));
    await new Promise((r) => setTimeout(r, 0));
    clock.advance(500);
    expect(await stuck).toMatchObject({ kind: 'close', reason: expect.stringMatching(/did not answer within 500 ms/) });
    expect((await next).kind).toBe('reply');
  });
});

describe('R11.4 wrong-proof rate limit', () => {
  it('property: never more than 5 accepted wrong proofs in any minute; a 60 s pause after the 5th', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        const clock = new SimulatedClock();
        const limiter = new HandshakeLimiter(clock);
        const accepted: number[] = [];
        let pausedUntil = -1;
        for (const gap of gaps) {
          clock.advance(gap);
          const now = clock.now();
          if (limiter.blockedFor() > 0) {
            expect(now).toBeLessThan(pausedUntil);
            continue;
          }
          expect(now >= pausedUntil).toBe(true);
          accepted.push(now);
          if (limiter.fail()) {
            pausedUntil = now + 60_000;
            expect(limiter.blockedFor()).toBe(60_000);
          }
          const inWindow = accepted.filter((t) => now - t < 60_000);
          expect(inWindow.length).toBeLessThanOrEqual(5);
        }
      }),
      { numRuns: 500 },
    );
  });
});
