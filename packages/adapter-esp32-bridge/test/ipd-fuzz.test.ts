// Fuzzing the +IPD framing (fast-check): random payloads and lengths, split anywhere, interleaved with unsolicited lines and a command's own answer.
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtClient } from '../src/at-client';
import { frameIpd, IPD_MAX_BYTES } from '../src/ipd';
import { HTTP_MAX_HEAD_BYTES, HttpLinkParser } from '../src/http-over-at';
import { flush, settle, SimulatedClock } from './helpers';

const RUNS = Number(process.env.IPD_FUZZ_RUNS ?? 300);

type Item = { kind: 'ipd'; link: number; data: Uint8Array; info: boolean } | { kind: 'urc'; line: string };

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc.record({
    kind: fc.constant('ipd' as const),
    link: fc.integer({ min: 0, max: 4 }),
    // Binary data that looks like AT output on purpose: CR, LF, "OK", "+IPD," inside the payload.
    data: fc
      .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x2b, 0x3e)), { minLength: 1, maxLength: 300 })
      .chain((a) => fc.constantFrom(Uint8Array.from(a), new Uint8Array([...Buffer.from('\r\nOK\r\n+IPD,0,5:'), ...a]))),
    info: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('urc' as const), line: fc.constantFrom('0,CONNECT', '3,CLOSED', 'WIFI GOT IP', 'WIFI DISCONNECT', '+STA_CONNECTED:"aa:bb:cc:dd:ee:ff"') }),
);

function encode(item: Item): Buffer {
  if (item.kind === 'urc') return Buffer.from(`\r\n${item.line}\r\n`);
  const info = item.info ? ',"192.168.4.2",50123' : '';
  return Buffer.concat([Buffer.from(`\r\n+IPD,${item.link},${item.data.length}${info}:`), Buffer.from(item.data)]);
}

/** A module that answers each AT+CWSTATE? with its line and OK, with `items` spread around the answer, pushed in pieces. */
class ScriptedModule extends Duplex {
  script: Array<{ before: Item[]; mid: Item[]; after: Item[]; cuts: number[] }> = [];
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    const cmd = chunk.toString().trim();
    const s = cmd === 'ATE0' ? { before: [], mid: [], after: [], cuts: [] } : this.script.shift()!;
    const parts = [...s.before.map(encode), Buffer.from(cmd === 'ATE0' ? '' : '+CWSTATE:2,"HomeNet"\r\n'), ...s.mid.map(encode), Buffer.from('\r\nOK\r\n'), ...s.after.map(encode)];
    const all = Buffer.concat(parts);
    let at = 0;
    for (const c of [...s.cuts.filter((x) => x > 0 && x < all.length).sort((a, b) => a - b), all.length]) {
      if (c > at) this.push(all.subarray(at, c));
      at = Math.max(at, c);
    }
    cb();
  }
}

describe('+IPD framing', () => {
  it(`frameIpd: a strict prefix of a frame waits, the whole frame is taken exactly (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(itemArb.filter((i) => i.kind === 'ipd'), fc.uint8Array({ maxLength: 20 }), (item, tail) => {
        const it = item as Item & { kind: 'ipd' };
        const bytes = encode(it).subarray(2); // the client strips the CR LF before a line
        for (let n = 1; n < bytes.length; n++) expect(frameIpd(bytes.subarray(0, n))).toBe('wait');
        const f = frameIpd(Buffer.concat([bytes, Buffer.from(tail)]));
        expect(f).toEqual({ link: it.link, data: Uint8Array.from(it.data), consumed: bytes.length });
      }),
      { numRuns: RUNS },
    );
  });

  it('frameIpd refuses lengths over the bound, link ids over 4, and text that only starts like it', () => {
    expect(frameIpd(Buffer.from(`+IPD,0,${IPD_MAX_BYTES + 1}:x`))).toBe('line');
    expect(frameIpd(Buffer.from('+IPD,0,0:'))).toBe('line');
    expect(frameIpd(Buffer.from('+IPD,7,3:abc'))).toBe('line');
    expect(frameIpd(Buffer.from('+IPD,0,99999999:'))).toBe('line');
    expect(frameIpd(Buffer.from('+IPD,0,3\r\n'))).toBe('line');
    expect(frameIpd(Buffer.from('+CWSTATE:2'))).toBe('line');
  });

  it(`the AT client delivers every payload once, in order, and every answer intact, however the UART cuts it (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            before: fc.array(itemArb, { maxLength: 3 }),
            mid: fc.array(itemArb, { maxLength: 3 }),
            after: fc.array(itemArb, { maxLength: 3 }),
            cuts: fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 12 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (script) => {
          const clock = new SimulatedClock();
          const mod = new ScriptedModule();
          const client = new AtClient(mod, { clock });
          await settle(clock, client.open());
          const got: Array<{ link: number; data: string }> = [];
          const urcs: string[] = [];
          client.on('ipd', (link, data) => got.push({ link, data: Buffer.from(data).toString('hex') }));
          client.on('unsolicited', (l) => urcs.push(l));
          mod.script = script.map((s) => ({ ...s }));
          for (let i = 0; i < script.length; i++) {
            const r = await settle(clock, client.send('AT+CWSTATE?'), 5000);
            expect(r).toEqual({ lines: ['+CWSTATE:2,"HomeNet"'], result: 'OK' });
          }
          await flush();
          const items = script.flatMap((s) => [...s.before, ...s.mid, ...s.after]);
          expect(got).toEqual(items.filter((i) => i.kind === 'ipd').map((i) => ({ link: (i as { link: number }).link, data: Buffer.from((i as { data: Uint8Array }).data).toString('hex') })));
          expect(urcs).toEqual(items.filter((i) => i.kind === 'urc').map((i) => (i as { line: string }).line));
          expect(client.bufferedBytes).toBe(0);
          await client.close();
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('the HTTP parser of a link', () => {
  const decide = (h: { headers: { [k: string]: string } }) => {
    const cl = h.headers['content-length'];
    return cl !== undefined && /^\d{1,5}$/.test(cl) && Number(cl) <= 4096 ? { ok: true as const, length: Number(cl) } : { ok: false as const, status: 411, why: 'no' };
  };

  it(`pipelined requests split anywhere parse to the same requests (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 10 }), (bodies, cuts) => {
        const wire = Buffer.concat(bodies.map((b) => Buffer.concat([Buffer.from(`POST /prov-session HTTP/1.1\r\nContent-Length: ${b.length}\r\nCookie: session=12\r\n\r\n`), Buffer.from(b)])));
        const p = new HttpLinkParser(decide);
        const out: string[] = [];
        let at = 0;
        for (const c of [...cuts.filter((x) => x < wire.length).sort((a, b) => a - b), wire.length]) {
          if (c <= at) continue;
          p.push(wire.subarray(at, c));
          at = c;
          for (let r = p.next(); r; r = p.next()) {
            expect(r.kind).toBe('request');
            if (r.kind === 'request') out.push(Buffer.from(r.body).toString('hex'));
          }
          expect(p.bufferedBytes).toBeLessThanOrEqual(HTTP_MAX_HEAD_BYTES + 4096);
        }
        expect(out).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
      }),
      { numRuns: RUNS },
    );
  });

  it(`random bytes never throw, never hold more than one head and one body, and a refusal is final (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 6 }), (chunks) => {
        const p = new HttpLinkParser(decide);
        for (const c of chunks) {
          p.push(c);
          const r = p.next();
          expect(p.bufferedBytes).toBeLessThanOrEqual(HTTP_MAX_HEAD_BYTES + 4096);
          if (r && r.kind === 'refuse') {
            expect(p.done).toBe(true);
            expect(p.next()).toEqual(r);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
