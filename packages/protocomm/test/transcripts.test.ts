// Replays the exchanges recorded with the real esp_prov (test/transcripts/) against our device and against our client.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { provisionError } from '@provision/core';
import { createProtocommClient } from '../src/client';
import type { ClientTransport } from '../src/client-transport';
import type { Protocomm } from '../src/protocomm';
import { deviceFor, espProvRandom, type Exchange, type Transcript } from './transcript';
import { HOME } from './rig';
import { unhex } from './fixtures';

const dir = new URL('./transcripts/', import.meta.url);
const transcripts: Transcript[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')));

describe('recorded esp_prov transcripts', () => {
  it('cover sec0, sec1 with and without PoP, a wrong PoP, sec2 with a short A, scan, ctrl reset, a failed then a good attempt', () => {
    expect(transcripts.map((t) => t.name).sort()).toEqual(
      ['ctrl-reset', 'scan', 'sec0', 'sec1-no-pop', 'sec1-pop', 'sec1-wrong-pop', 'sec2', 'sec2-short-a', 'sec2-wrong-password', 'wrong-then-correct'].sort(),
    );
    const shortA = transcripts.find((t) => t.name === 'sec2-short-a')!;
    // SessionData{sec_ver 2, sec2{msg 0, sc0{username, A}}}: A is the last field; 383 bytes, not 384.
    expect(shortA.exchanges[1]!.request.length / 2).toBe(405);
  });

  for (const t of transcripts) {
    it(`device replay: ${t.name} (${t.description})`, async () => {
      let pc: Protocomm | undefined;
      const r = await deviceFor(t.device, [{ name: 'replay', start: (p) => void (pc = p), stop: () => undefined }]);
      try {
        for (const [i, e] of t.exchanges.entries()) {
          const reply = await pc!.handleRequest(e.endpoint, String(e.session), unhex(e.request));
          const got = reply.kind === 'reply' ? Buffer.from(reply.body).toString('hex') : null;
          expect(got, `exchange ${i} (${e.endpoint})`).toBe(e.reply);
          if (reply.kind === 'reply' && reply.afterReply) reply.afterReply();
        }
      } finally {
        await r.close();
      }
    });
  }

  for (const t of transcripts) {
    const skip = t.clientReplay === true ? undefined : t.clientReplay.skip;
    it.skipIf(!!skip)(`client replay: ${t.name}${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const sessions = [...new Set(t.exchanges.map((e) => e.session))];
      for (const [n, session] of sessions.entries()) {
        const run = t.runs[n]!;
        const queue: Exchange[] = t.exchanges.filter((e) => e.session === session);
        const transport: ClientTransport = {
          async request(endpoint, body) {
            const e = queue.shift();
            expect(e, `an exchange for ${endpoint}`).toBeDefined();
            expect(endpoint).toBe(e!.endpoint);
            // proto-ver's body is ignored by devices; esp_prov sends "none"/"no_pop"/"---".
            if (endpoint !== 'proto-ver') expect(Buffer.from(body).toString('hex'), `${endpoint} request`).toBe(e!.request);
            if (e!.reply === null) throw provisionError('transport', `${endpoint}: the device closed the connection without an answer`);
            return unhex(e!.reply);
          },
          close: async () => undefined,
        };
        const c = createProtocommClient({
          transport,
          security: t.device.security,
          pop: run.secrets.pop,
          username: 'wifiprov',
          password: run.secrets.sec2Password || 'unused',
          random: espProvRandom(run.seed, t.device.security),
        });
        let configs = 0;
        while (queue.length) {
          const next = queue[0]!;
          if (next.endpoint === 'proto-ver') await c.getVersion();
          else if (next.endpoint === 'prov-session') {
            if (run.outcome === 'error') {
              await expect(c.handshake()).rejects.toThrow(/closed the connection/);
              break;
            }
            await c.handshake();
          } else if (next.endpoint === 'prov-ctrl') await c.ctrlReset();
          else if (next.endpoint === 'prov-config') {
            configs++;
            if (configs === 1) await c.setConfig({ ssid: HOME.ssid, passphrase: run.secrets.passphrase });
            else if (configs === 2) await c.applyConfig();
            else {
              const s = await c.status();
              expect(s.state).toBe(run.outcome === 'success' ? 'connected' : 'failed');
            }
          } else throw new Error(`unexpected endpoint ${next.endpoint}`);
        }
        expect(queue).toEqual([]);
        await c.close();
      }
    });
  }
});
