// Fuzzing the SmartConfig/WPS/BluFi line parsers: random bytes, cut lines, other messages in between; and the whole path over a noisy simulated UART.
import fc from 'fast-check';
import { createProvisioner } from '@provision/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createEsp32Bridge } from '../src/bridge';
import {
  MAX_PASSWORD_BYTES,
  MAX_SSID_BYTES,
  parseBlufiLine,
  parseCommandList,
  parseCwstate,
  parseWpsLine,
  SmartConfigParser,
} from '../src/mode-lines';
import { ModuleProvisioning } from '../src/provisioning-modes';
import { EspAtSimulator } from '../src/simulator';
import { HOME, settle, SimulatedClock, until } from './helpers';

const RUNS = Number(process.env.MODE_FUZZ_RUNS ?? 2000);
const E2E_RUNS = Number(process.env.MODE_FUZZ_E2E_RUNS ?? 60);
const bytes = (s: string): number => new TextEncoder().encode(s).length;

/** Lines the module prints anyway: URCs, answers of other commands, noise. */
const OTHER_LINES = [
  'WIFI CONNECTED',
  'WIFI GOT IP',
  'WIFI DISCONNECT',
  'busy p...',
  '+SYSREG:0x0',
  '+CWSTATE:2,"HomeNet"',
  'OK',
  'ERROR',
  'ready',
  '+BLUFICONN',
  '+BLUFIDATA:4,test',
  'smart find channel',
  '+SCRD:3,abc',
  'wps started',
];
const SC_LINES = ['smartconfig type:ESPTOUCH', 'Smart get wifi info', 'ssid:HomeNet', 'password:correct horse battery', 'smartconfig connected wifi'];

const anyText = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom(...OTHER_LINES, ...SC_LINES),
  fc.constantFrom(...SC_LINES).chain((l) => fc.integer({ min: 0, max: l.length }).map((n) => l.slice(0, n))),
  fc.tuple(fc.constantFrom('ssid:', 'password:'), fc.string({ maxLength: 200 })).map(([p, v]) => p + v),
);

/** A whole announcement with other lines (and cut ones) between its lines, with noise around it. */
const announced = fc
  .tuple(
    fc.array(anyText, { maxLength: 10 }),
    fc.array(fc.constantFrom(...OTHER_LINES), { maxLength: 3 }),
    fc.string({ minLength: 1, maxLength: 40 }).filter((x) => !/[\r\n]/.test(x)),
    fc.array(fc.constantFrom(...OTHER_LINES), { maxLength: 3 }),
    fc.string({ maxLength: 80 }).filter((x) => !/[\r\n]/.test(x)),
    fc.array(anyText, { maxLength: 10 }),
  )
  .map(([a, b, ssid, c, pwd, d]) => [...a, 'Smart get wifi info', ...b, 'ssid:' + ssid, ...c, 'password:' + pwd, ...d]);

let parsedLines = 0;
let credentialsSeen = 0;
let e2eRuns = 0;
let e2eNoise = 0;

afterAll(() => {
  console.info(
    `mode line fuzz: ${RUNS} runs, ${parsedLines} lines through the parsers, ${credentialsSeen} credential announcements; ` +
      `${e2eRuns} end-to-end runs with ${e2eNoise} noise items on the UART, 0 crashes`,
  );
});

describe('SmartConfig, WPS and BluFi line parsers under fuzz', () => {
  it('never throw, keep bounded state, take credentials only from a whole announcement, and parse a clean one afterwards', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(anyText, { maxLength: 60 }), announced), (lines) => {
        const p = new SmartConfigParser();
        let expectSsid: string | undefined;
        let stage: 'idle' | 'ssid' | 'password' = 'idle';
        for (const line of lines) {
          parsedLines++;
          const before = stage;
          const r = p.feed(line);
          parseBlufiLine(line);
          parseWpsLine(line);
          const st = parseCwstate(line);
          if (st) expect(st.state).toBeLessThanOrEqual(4);
          if (r?.kind === 'credentials') {
            credentialsSeen++;
            expect(before).toBe('password');
            expect(r.ssid).toBe(expectSsid);
            expect(bytes(r.ssid)).toBeLessThanOrEqual(MAX_SSID_BYTES);
            expect(bytes(r.password)).toBeLessThanOrEqual(MAX_PASSWORD_BYTES);
            expect(line).toBe('password:' + r.password);
          }
          // Mirror of the parser's stages (what the property allows).
          if (r?.kind === 'got-info') stage = 'ssid';
          else if (r?.kind === 'progress' && before === 'ssid' && line.startsWith('ssid:')) {
            stage = 'password';
            expectSsid = line.slice(5);
          } else if (r !== undefined && r.kind !== 'progress' && r.kind !== 'reserved-data' && r.kind !== 'connected' && r.kind !== 'module-failed') stage = 'idle';
          else if (!p.pending) stage = 'idle';
          expect(p.pending).toBe(stage !== 'idle');
        }
        parseCommandList(lines);
        // State intact: a clean announcement after any of that yields exactly its credentials.
        const clean = ['Smart get wifi info', 'ssid:HomeNet', 'password:correct horse battery'].map((l) => p.feed(l));
        expect(clean[2]).toEqual({ kind: 'credentials', ssid: 'HomeNet', password: 'correct horse battery' });
        expect(p.pending).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('AT+CMD? lists: only well-formed lines count, whatever else arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, fc.constantFrom('+CMD:1,"AT+WPS",1,0,1,0', '+CMD:2,"AT+BLUFI",1,1,1,0', '+CMD:x,"AT+CWSTARTSMART",1,1,1,1')), { maxLength: 80 }), (lines) => {
        const names = parseCommandList(lines);
        for (const n of names) expect(n).toMatch(/^AT[+A-Z0-9_]{0,31}$/);
        expect(names.has('AT+WPS')).toBe(lines.includes('+CMD:1,"AT+WPS",1,0,1,0'));
        expect(names.has('AT+CWSTARTSMART')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('SmartConfig over a noisy simulated UART, end to end', () => {
  it('random bytes and other messages around the announcement: no crash, no secret out, the credentials still work', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.constantFrom(...OTHER_LINES.filter((l) => l !== 'ready' && l !== 'OK' && l !== 'ERROR'))), { maxLength: 8 }),
        fc.integer({ min: 0, max: 6 }),
        async (noise, split) => {
          e2eRuns++;
          const clock = new SimulatedClock();
          const sim = new EspAtSimulator({ clock, networks: [HOME], joinDelayMs: 200 });
          const bridge = createEsp32Bridge({ transport: sim, clock, wifi: { retryDelayMs: 500 } });
          await settle(clock, bridge.open());
          const prov = createProvisioner(bridge.ports, { stableState: 2 });
          const said: string[] = [];
          let success = false;
          prov.on('cred-success', () => (success = true));
          prov.on('error', (e) => said.push(e.message));
          bridge.client.on('unsolicited', (l) => said.push(l));
          bridge.client.on('garbage', (b) => said.push(Buffer.from(b).toString('latin1')));
          await settle(clock, prov.start());
          const modes = new ModuleProvisioning(bridge.client, prov, bridge.ports.wifi);
          modes.on('error', (_m, e) => said.push(e.message));
          modes.on('rejected', (_m, why) => said.push(why));
          await settle(clock, modes.startSmartConfig());
          sim.faults.split = split;
          for (const n of noise) {
            e2eNoise++;
            if (typeof n === 'string') sim.injectLine(n);
            else sim.injectBytes(Uint8Array.from([...n, 0x0d, 0x0a]));
          }
          expect(sim.modes.phoneSmartConfig('esptouch', { ssid: HOME.ssid, password: HOME.passphrase })).toBe(true);
          await until(clock, () => success, 20_000);
          expect(bridge.client.bufferedBytes).toBeLessThanOrEqual(8192);
          for (const s of said) expect(s).not.toContain(HOME.passphrase);
          await bridge.close();
        },
      ),
      { numRuns: E2E_RUNS },
    );
  }, 120_000);
});
