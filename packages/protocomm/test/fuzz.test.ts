// Bad input (R11.4): random and mutated protobuf, wrong order, stolen sessions, bad framing → a clean error or a closed connection, never a crash, nothing stored.
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProtocommClient, type ProtocommClient } from '../src/client';
import type { ClientTransport } from '../src/client-transport';
import { provisionError } from '@provision/core';
import type { Protocomm } from '../src/protocomm';
import { HOME, PASSWORD, POP, startRig, USER, type Rig } from './rig';
import { deviceFor, type Transcript } from './transcript';
import { readFileSync } from 'node:fs';
import { unhex } from './fixtures';
import { consoleTransport } from '../src/console';
import { PassThrough } from 'node:stream';

const ENDPOINTS = ['proto-ver', 'prov-session', 'prov-config', 'prov-scan', 'prov-ctrl', 'custom-data', 'nope'];

/** A device whose core we call directly (no sockets), and a list of every event it emitted. */
async function coreRig(security: 0 | 1 | 2): Promise<{ rig: Rig; pc: Protocomm; events: string[] }> {
  let pc: Protocomm | undefined;
  const rig = await startRig({ security, transports: [{ name: 'direct', start: (p) => void (pc = p), stop: () => undefined }], stopAfterSuccess: false });
  pc!.addEndpoint('custom-data', (b) => b);
  const events: string[] = [];
  for (const name of ['state', 'wifi', 'error', 'warning', 'cred-recv', 'cred-fail', 'cred-success', 'set-sta-config', 'start', 'end'] as const) {
    rig.dev.prov.on(name, (e: unknown) => events.push(`${name} ${JSON.stringify(e)}`));
  }
  return { rig, pc: pc!, events };
}

/** A client talking straight to a core, under a session id the test can change (a second client). */
function directClient(pc: Protocomm, session: { id: string }, o: Partial<Parameters<typeof createProtocommClient>[0]>): ProtocommClient {
  const transport: ClientTransport = {
    async request(endpoint, body) {
      const r = await pc.handleRequest(endpoint, session.id, body);
      if (r.kind !== 'reply') throw provisionError('transport', `${endpoint}: closed`);
      if (r.afterReply) r.afterReply();
      return r.body;
    },
    close: async () => undefined,
  };
  return createProtocommClient(Object.assign({ transport, security: 2 as const, username: USER, password: PASSWORD }, o));
}

function noSecrets(rig: Rig, events: string[], secrets: string[]): void {
  const all = JSON.stringify(rig.logs) + events.join('\n');
  for (const s of secrets) expect(all).not.toContain(s);
}

describe('fuzz: every endpoint', () => {
  for (const security of [0, 1, 2] as const) {
    it(`security ${security}: random bytes to every endpoint, before and after a handshake`, async () => {
      const { rig, pc, events } = await coreRig(security);
      const session = { id: '1' };
      const good = directClient(pc, session, { security, pop: POP });
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.constantFrom(...ENDPOINTS), fc.uint8Array({ minLength: 0, maxLength: 600 }), async (handshake, endpoint, body) => {
          runs++;
          if (handshake) await good.handshake();
          const r = await pc.handleRequest(endpoint, session.id, body);
          expect(['reply', 'close', 'not-found']).toContain(r.kind);
          if (r.kind === 'reply' && r.afterReply) r.afterReply();
          expect(rig.dev.wifi.stored()).toBeUndefined();
        }),
        { numRuns: security === 2 ? 100 : 300 },
      );
      expect(runs).toBe(security === 2 ? 100 : 300);
      // Still serving: a correct client provisions it.
      rig.dev.clock.advance(120_000);
      await good.handshake();
      await good.setConfig(HOME);
      await good.applyConfig();
      expect((await good.status()).state).toBe('connected');
      noSecrets(rig, events, [HOME.passphrase, PASSWORD, POP]);
      await rig.close();
    });
  }

  it('oversized bodies are refused before any work', async () => {
    const { rig, pc } = await coreRig(0);
    for (const endpoint of ENDPOINTS) {
      const r = await pc.handleRequest(endpoint, '1', new Uint8Array(4097));
      expect(r.kind).toBe('close');
    }
    await rig.close();
  });
});

describe('fuzz: mutated recorded sessions', () => {
  const transcripts = ['sec1-pop', 'sec2', 'scan'].map((n) => JSON.parse(readFileSync(new URL(`./transcripts/${n}.json`, import.meta.url), 'utf8')) as Transcript);
  for (const t of transcripts) {
    it(`${t.name}: one exchange mutated (bit flip, truncation, extension, replacement)`, async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: t.exchanges.length - 1 }),
          fc.oneof(
            fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
            fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
            fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
            fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 128 }) }),
          ),
          async (which, m) => {
            runs++;
            let pc: Protocomm | undefined;
            const r = await deviceFor(t.device, [{ name: 'replay', start: (p) => void (pc = p), stop: () => undefined }]);
            try {
              for (const [i, e] of t.exchanges.entries()) {
                let body = unhex(e.request);
                if (i === which) {
                  body = new Uint8Array(body);
                  if (m.kind === 'flip' && body.length) body[m.at % body.length]! ^= 1 << m.bit;
                  else if (m.kind === 'truncate') body = body.subarray(0, m.at % (body.length + 1));
                  else if (m.kind === 'extend') body = new Uint8Array([...body, ...m.extra]);
                  else if (m.kind === 'replace') body = m.bytes;
                }
                const reply = await pc!.handleRequest(e.endpoint, String(e.session), body);
                expect(['reply', 'close', 'not-found']).toContain(reply.kind);
                if (reply.kind === 'reply' && reply.afterReply) reply.afterReply();
              }
              // Whatever happened, only the real credentials can ever be stored.
              const stored = r.dev.wifi.stored();
              if (stored) expect(stored).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
            } finally {
              await r.close();
            }
          },
        ),
        { numRuns: 60 },
      );
      expect(runs).toBe(60);
    });
  }
});

describe('fuzz: wrong order and stolen sessions', () => {
  type Op = 'version' | 'handshake' | 'wrong-password' | 'cmd1-first' | 'set-good' | 'set-bad' | 'apply' | 'status' | 'scan' | 'ctrl-reset' | 'ctrl-reprov' | 'steal' | 'garbage';
  const OPS: Op[] = ['version', 'handshake', 'wrong-password', 'cmd1-first', 'set-good', 'set-bad', 'apply', 'status', 'scan', 'ctrl-reset', 'ctrl-reprov', 'steal', 'garbage'];
  it('random sequences of operations from two clients: no crash, only verified credentials stored, the device keeps serving', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 25 }), async (ops) => {
        runs++;
        const { rig, pc, events } = await coreRig(2);
        const session = { id: 'a' };
        const c = directClient(pc, session, {});
        const wrong = directClient(pc, session, { password: 'not-the-password' });
        let verified = false;
        for (const op of ops) {
          try {
            if (op === 'version') await c.getVersion();
            else if (op === 'handshake') await c.handshake();
            else if (op === 'wrong-password') await wrong.handshake();
            else if (op === 'cmd1-first') {
              // A Cmd1 with no Cmd0 before it in this session.
              session.id = `${session.id}x`;
              const r = await pc.handleRequest('prov-session', session.id, unhex('100262470802b201420a40' + '00'.repeat(64)));
              expect(r.kind).toBe('close');
            } else if (op === 'set-good') await c.setConfig(HOME);
            else if (op === 'set-bad') await c.setConfig({ ssid: HOME.ssid, passphrase: 'bad passphrase' });
            else if (op === 'apply') {
              await c.applyConfig();
              if (rig.dev.wifi.stored()) verified = true;
            } else if (op === 'status') await c.status();
            else if (op === 'scan') await c.scan();
            else if (op === 'ctrl-reset') await c.ctrlReset();
            else if (op === 'ctrl-reprov') await c.ctrlReprov();
            else if (op === 'steal') session.id = session.id === 'a' ? 'b' : 'a';
            else if (op === 'garbage') await pc.handleRequest('prov-config', session.id, new Uint8Array([8, 4, 0xff]));
          } catch (e) {
            // A refused request is an Error with a clear message, never anything else.
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message.length).toBeGreaterThan(0);
          }
          const stored = rig.dev.wifi.stored();
          if (stored) expect(stored).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
        }
        if (!verified) expect(rig.dev.wifi.stored()).toBeUndefined();
        // Liveness: after any sequence (and the rate-limit pause), a client provisions it, unless it
        // already succeeded and stopped serving (R11.3).
        rig.dev.clock.advance(120_000);
        if (!rig.service.running) {
          expect(rig.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
          expect(rig.dev.prov.getSessionState()).toBe('idle');
          await rig.close();
          return;
        }
        session.id = 'final';
        await c.handshake();
        if (rig.dev.prov.getSessionState() === 'success') await c.ctrlReprov();
        await c.setConfig(HOME);
        await c.applyConfig();
        expect((await c.status()).state).toBe('connected');
        noSecrets(rig, events, [HOME.passphrase, 'bad passphrase', PASSWORD, 'not-the-password']);
        await rig.close();
      }),
      { numRuns: 40 },
    );
    expect(runs).toBe(40);
  });
});

describe('fuzz: transports', () => {
  it('HTTP: random request heads, lengths and truncated bodies on raw sockets; the server keeps serving', async () => {
    const rig = await startRig({ security: 1 });
    const port = new URL(rig.url).port;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'GET', 'PUT', 'POST'),
        fc.constantFrom(...ENDPOINTS),
        fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 10_000 }), fc.constant('abc')),
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        async (method, endpoint, length, body) => {
          runs++;
          await new Promise<void>((resolve) => {
            const s = connect(Number(port), '127.0.0.1');
            const head = `${method} /${endpoint} HTTP/1.1\r\nHost: x\r\n${length === undefined ? '' : `Content-Length: ${length}\r\n`}\r\n`;
            s.on('error', () => undefined);
            s.on('close', () => resolve());
            s.setTimeout(2000, () => s.destroy());
            s.write(head);
            s.end(Buffer.from(body));
            s.resume();
          });
        },
      ),
      { numRuns: 50 },
    );
    expect(runs).toBe(50);
    const c = createProtocommClient({ url: rig.url, security: 1, pop: POP });
    await c.handshake();
    expect((await c.status()).state).toBe('disconnected');
    await c.close();
    expect(rig.dev.wifi.stored()).toBeUndefined();
    await rig.close();
  });

  it('console: random lines never crash it, each gets a prompt', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let prompts = 0;
    output.on('data', (d: Buffer) => (prompts += d.toString().split('>> ').length - 1));
    const duplex = Object.assign(input, { write: output.write.bind(output) }) as unknown as PassThrough;
    const rig = await startRig({ security: 1, transports: [consoleTransport(duplex)] });
    let lines = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400, unit: 'binary' }), async (s) => {
        const clean = s.replace(/[\r\n]/g, ' ');
        if (clean.length) lines++;
        input.push(`${clean}\r`);
        await new Promise((r) => setTimeout(r, 1));
      }),
      { numRuns: 200 },
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(prompts).toBeGreaterThanOrEqual(lines);
    expect(rig.dev.wifi.stored()).toBeUndefined();
    await rig.close();
  });
});
