import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, example, runCli } from './helpers';

let cli = '';
let cleanup = (): void => undefined;
let dir = '';

beforeAll(async () => {
  const b = await buildCli();
  cli = b.cli;
  cleanup = b.cleanup;
  dir = mkdtempSync(join(tmpdir(), 'provision-sim-cli-'));
});

afterAll(() => {
  cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function scriptFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('provision-sim --script', () => {
  it.each(['fresh-to-provisioned.sim', 'wrong-password-reset.sim', 'long-press-reset.sim', 'reboot-mid-provisioning-timeout.sim'])(
    '%s exits 0 and prints its timeline',
    (name) => {
      const r = runCli(cli, ['--script', example(name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('    0.000s  boot #1');
      expect(lines[lines.length - 1]).toMatch(/^ +\d+\.\d{3}s {2}end: state /);
    },
  );

  it('a failed expect exits 1 and says which line failed and why', () => {
    const p = scriptFile('fails.sim', '# expects too much\ncloud\nexpect provisioned yes\nexpect state 4\n');
    const r = runCli(cli, ['--script', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`provision-sim: ${p}: line 4: expect state 4 failed: state is 3 CloudConnected at 0.000s\n`);
    expect(r.stdout).toContain('    0.000s  ok: expect provisioned yes\n');
  });

  it('a bad script line exits 2 before anything runs, naming the file and the line', () => {
    const p = scriptFile('bad.sim', 'wait 1s\nwait 2s\nwiat 3s\n');
    const r = runCli(cli, ['--script', p]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^provision-sim: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3: unknown command "wiat"; commands: `));
  });

  it('a missing script, an unknown flag and a bad config exit 2 with a clear message', () => {
    const missing = runCli(cli, ['--script', join(dir, 'nope.sim')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^provision-sim: cannot read script .*nope\.sim: ENOENT/);

    const flag = runCli(cli, ['--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('provision-sim: unknown argument "--colour" (see --help)\n');

    const cfg = join(dir, 'bad-config.json');
    writeFileSync(cfg, JSON.stringify({ button: { holdMS: 3000 } }));
    const r = runCli(cli, ['--config', cfg, '--script', example('fresh-to-provisioned.sim')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown config key button\.holdMS/);
  });

  it('--config changes the device: a 2 s long press', () => {
    const cfg = join(dir, 'short-hold.json');
    writeFileSync(cfg, JSON.stringify({ button: { holdMs: 2000 } }));
    const p = scriptFile('short-hold.sim', 'hold 2100ms\nexpect last-reset button\n');
    const r = runCli(cli, ['--config', cfg, '--script', p]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    2.050s  factory reset: cause button\n');
  });

  it('--state keeps the device between runs (record, journal and stored Wi-Fi credentials); --fresh forgets it', () => {
    const state = join(dir, 'device.json');
    const first = scriptFile('first.sim', 'wifi connect HomeNet "correct horse battery"\nwait 2s\ncloud\nexpect provisioned yes\n');
    expect(runCli(cli, ['--state', state, '--script', first]).code).toBe(0);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.record).toEqual({ v: 1, max: 3, wifiConfigured: true });
    expect(saved.wifi).toEqual({ ssid: 'HomeNet', passphrase: 'correct horse battery' });

    const again = scriptFile('again.sim', 'expect max 3\nexpect credentials stored\nwait 2s\nexpect state 2\nexpect provisioned yes\n');
    const r = runCli(cli, ['--state', state, '--script', again]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const fresh = scriptFile('fresh.sim', 'expect max 0\nexpect credentials none\nexpect provisioned no\n');
    expect(runCli(cli, ['--state', state, '--fresh', '--script', fresh]).code).toBe(0);
  });

  it('a corrupt state file is reported and recovered from without a factory reset (R3.6, R3.7)', () => {
    const state = join(dir, 'corrupt.json');
    writeFileSync(state, '{"record": {"v": 1, "max":');
    const p = scriptFile('corrupt.sim', 'expect max 0\nexpect last-reset none\nwifi connect HomeNet "correct horse battery"\nwait 2s\nexpect max 2\n');
    const r = runCli(cli, ['--state', state, '--script', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning: provisioning record could not be read; state unknown.*\(nothing was reset\): .*is not valid JSON/);
    expect(JSON.parse(readFileSync(state, 'utf8')).record).toEqual({ v: 1, max: 2, wifiConfigured: true });
  });
});

describe('provision-sim --help and the live screen without a terminal', () => {
  it('--help explains every key, flag and script command', () => {
    const r = runCli(cli, ['--help']);
    expect(r.code).toBe(0);
    for (const s of ['space, b', 'B ', '  w ', '  n ', '  s ', '  c ', '  r ', '  f ', '1  2  3', '  q, Ctrl-C']) expect(r.stdout).toContain(s);
    for (const s of ['--script FILE', '--state FILE', '--fresh', '--config FILE', '--speed N', '--repeat-ms MS', '$XDG_STATE_HOME/provision-sim']) {
      expect(r.stdout).toContain(s);
    }
    for (const s of ['wifi connect SSID', 'network MODE', 'wait DURATION', 'hold DURATION', 'session start|stop|retry', 'expect WHAT VALUE', 'reboot', 'cloud']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('refuses to draw the screen without a terminal, pointing at --script', () => {
    const r = runCli(cli, ['--state', join(dir, 'no-tty.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('provision-sim: the live screen needs a terminal; use --script FILE to run a scenario without one (see --help)\n');
  });
});
