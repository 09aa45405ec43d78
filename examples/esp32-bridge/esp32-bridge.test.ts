// Smoke test of the ESP32 bridge app: built into one ES module and run under Node as a user runs it,
// on the simulated ESP-AT module; and its demo scenario checked step by step in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../build.mjs';
import { SimulatedClock } from '@provision/core/testing';
import { EspAtSimulator } from '@provision/adapter-esp32-bridge/simulator';
import { startBridgeApp } from './app';
import { checkTransports } from './transports';
import { simulatedDemo } from './demo';

const out = mkdtempSync(join(tmpdir(), 'provision-bridge-example-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The demo's lines without their time stamps. */
const events = (lines: string[]) => lines.map((l) => l.replace(/^\s*[\d.]+s {2}/, ''));

describe('ESP32 bridge example', () => {
  it('builds and runs under Node: joins, is provisioned, and a 5 s hold factory-resets', async () => {
    const [file] = await buildExamples(out, { fromSource: true, entries: [join(import.meta.dirname, 'main.ts')] });
    const { stdout } = await promisify(execFile)(process.execPath, [file!], { timeout: 20_000 });
    const lines = events(stdout.trim().split('\n'));
    expect(lines).toContain('wifi connected 192.168.4.23');
    expect(lines).toContain('> module LED pin high, provisioned: true');
    expect(lines).toContain('factory reset: button');
  }, 60_000);

  it('goes through provisioning and the reset in order, with one host reboot and the module wiped', async () => {
    const r = await simulatedDemo(() => undefined);
    expect(events(r.lines)).toEqual([
      'state 0 (max 0)',
      '> configureSta HomeNet',
      'wifi connecting',
      'state 1 (max 1)',
      'wifi connected 192.168.4.23',
      'state 2 (max 2)',
      '> module LED pin high, provisioned: true',
      '> hold the button for 6 s',
      'button pressed',
      'button activated',
      'factory reset: button',
      '> host reboots requested: 1; module station stored: no',
    ]);
    expect(r.reboots).toBe(1);
  }, 60_000);
});

describe('ESP32 bridge example: the module\'s provisioning modes', () => {
  it('config.json: transports are checked; an unknown one is named', async () => {
    const config = JSON.parse(readFileSync(join(import.meta.dirname, 'config.json'), 'utf8')) as { transports: unknown };
    expect(Object.keys(checkTransports(config.transports))).toEqual(['smartconfig', 'blufi', 'wps']);
    expect(() => checkTransports({ smartconfig: {}, bluefi: {} })).toThrow('unknown transport bluefi; allowed: smartconfig, wps, blufi');
  });

  it('offers SmartConfig, then BluFi after its timeout; the EspBlufi credentials provision the device', async () => {
    const clock = new SimulatedClock();
    const sim = new EspAtSimulator({ clock, networks: [{ ssid: 'HomeNet', passphrase: 'correct horse battery' }], joinDelayMs: 500 });
    const lines: string[] = [];
    const transports = checkTransports({ smartconfig: { type: 'esptouch', timeoutMs: 5000 }, blufi: { name: 'provision-demo', timeoutMs: 60_000 } });
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 10) {
        for (let i = 0; i < 6; i++) await new Promise<void>((r) => setImmediate(r));
        clock.advance(10);
      }
    };
    const started = startBridgeApp({ port: sim, clock, log: (l) => lines.push(l), hostReboot: () => undefined, transports });
    let app: Awaited<typeof started> | undefined;
    void started.then((a) => (app = a));
    for (let i = 0; i < 200 && !app; i++) await step(10);
    await step(7000);
    expect(lines).toContain('smartconfig started');
    expect(lines).toContain('smartconfig stopped: timeout');
    expect(lines).toContain('blufi started');
    expect(sim.modes.phoneBlufi({ ssid: 'HomeNet', password: 'correct horse battery' })).toBe(true);
    await step(5000);
    expect(lines).toContain('blufi: credentials for HomeNet');
    expect(lines).toContain('blufi stopped: success');
    expect(app!.provisioner.isProvisioned()).toBe(true);
    expect(sim.storedStation).toEqual({ ssid: 'HomeNet' });
    await app!.stop();
  }, 60_000);
});
