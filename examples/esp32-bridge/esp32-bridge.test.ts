// Smoke test of the ESP32 bridge app: built into one ES module and run under Node as a user runs it,
// on the simulated ESP-AT module; and its demo scenario checked step by step in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../build.mjs';
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
