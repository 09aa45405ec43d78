// The provision-protocomm command, in process: srp-verifier, and provision against a device.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../src/cli-main';
import { createSrpVerifier } from '../src/srp';
import { HOME, PASSWORD, startRig, USER, type Rig } from './rig';

function io(secrets: string[] = []): CliIo & { stdout: string[]; stderr: string[]; prompts: string[] } {
  const o = {
    stdout: [] as string[],
    stderr: [] as string[],
    prompts: [] as string[],
    out: (l: string) => void o.stdout.push(l),
    err: (l: string) => void o.stderr.push(l),
    readSecret: async (p: string) => {
      o.prompts.push(p);
      const s = secrets.shift();
      if (s === undefined) throw new Error('no more input');
      return s;
    },
    sleep: async () => undefined,
  };
  return o;
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.close();
  rigs = [];
});

describe('provision-protocomm', () => {
  it('srp-verifier: the password from standard input, salt given → the verifier createSrpVerifier makes', async () => {
    const x = io([PASSWORD]);
    expect(await main(['srp-verifier', '--user', USER, '--salt', '036ee0c7bcb9eda84c9eac97d93decf4'], x)).toBe(0);
    const out = JSON.parse(x.stdout[0]!);
    const want = createSrpVerifier({ username: USER, password: PASSWORD, salt: new Uint8Array(Buffer.from('036ee0c7bcb9eda84c9eac97d93decf4', 'hex')) });
    expect(out).toEqual({ username: USER, salt: '036ee0c7bcb9eda84c9eac97d93decf4', verifier: Buffer.from(want.verifier).toString('hex') });
    expect(x.prompts).toEqual(['Password: ']);
    expect(x.stdout.join('') + x.stderr.join('')).not.toContain(PASSWORD);
  });

  it('provision --sec 2 with secrets from files: connected, exit 0; a wrong passphrase: exit 2', async () => {
    const r = await startRig({ stopAfterSuccess: false });
    rigs.push(r);
    const dir = mkdtempSync(join(tmpdir(), 'protocomm-cli-'));
    writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong'), 'not the passphrase\n', { mode: 0o600 });
    writeFileSync(join(dir, 'pass'), `${HOME.passphrase}\n`, { mode: 0o600 });
    const target = r.url.replace('http://', '');
    const bad = io();
    expect(await main(['provision', '--target', target, '--sec', '2', '--user', USER, '--password-file', join(dir, 'pw'), '--ssid', HOME.ssid, '--passphrase-file', join(dir, 'wrong')], bad)).toBe(2);
    expect(bad.stdout.join('\n')).toMatch(/failed: wrong passphrase/);
    const good = io();
    expect(await main(['provision', '--target', target, '--sec', '2', '--user', USER, '--password-file', join(dir, 'pw'), '--scan', '--ssid', HOME.ssid, '--passphrase-file', join(dir, 'pass')], good)).toBe(0);
    expect(good.stdout[0]).toMatch(/^1\. "HomeNet"/);
    expect(good.stdout.join('\n')).toMatch(/provisioned: connected to "HomeNet"/);
    expect(r.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
    const all = [...bad.stdout, ...bad.stderr, ...good.stdout, ...good.stderr].join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(HOME.passphrase);
  });

  it('bad usage is a clear error, exit 1', async () => {
    const x = io();
    expect(await main(['provision', '--sec', '2'], x)).toBe(1);
    expect(x.stderr.join('\n')).toMatch(/--target HOST:PORT is required/);
    const y = io();
    expect(await main(['frobnicate'], y)).toBe(1);
    expect(y.stderr.join('\n')).toMatch(/usage:/);
  });
});
