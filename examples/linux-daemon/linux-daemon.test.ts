// Smoke test of the Linux daemon example: its config files pass the daemon's own loader, and its
// systemd drop-in overrides the unit the package ships.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig, parseDaemonConfig } from '@provision/adapter-linux';
import { validateImprovConfig } from '@provision/improv/serial';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** `[section] key=value` lines of a systemd unit file, comments dropped. */
function unitEntries(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^\[(\w+)\]$/.exec(line);
    if (m) section = m[1]!;
    else {
      const eq = line.indexOf('=');
      out.push([section, line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

describe('Linux daemon example', () => {
  it('config.json is valid for the daemon and keeps every setting', async () => {
    const cfg = await loadDaemonConfig(here('./config.json'));
    expect(cfg.provision).toEqual({ stableState: 2, timeoutMs: 600000, button: { holdMs: 5000, debounceMs: 50 }, wifi: { badCredentialAttempts: 3 } });
    expect(cfg.button).toEqual({ chip: 'gpiochip0', line: 17, activeLow: true, bias: 'pull-up' });
    expect(cfg.led).toEqual({ sysfs: 'ACT' });
    expect(cfg.userConfigFiles).toEqual(['/etc/myapp/settings.json']);
  });

  it('config.mgos.json (a Mongoose OS provision object) maps to the same device', async () => {
    const cfg = await loadDaemonConfig(here('./config.mgos.json'));
    expect(cfg.provision).toEqual({ stableState: 2, timeoutMs: 600000, button: { holdMs: 5000 } });
    expect(cfg.button).toEqual({ chip: 'gpiochip0', line: 17, activeLow: true, bias: 'pull-up' });
    expect(cfg.led).toEqual({ chip: 'gpiochip0', line: 27, activeHigh: true });
  });

  it('config.transports.json: protocomm (security 2, verifier file) and Improv, both valid', async () => {
    const cfg = await loadDaemonConfig(here('./config.transports.json'));
    expect(cfg.transports?.protocomm).toEqual({ security: 2, verifierFile: '/etc/provision/verifier.json', listen: '192.168.4.1:80' });
    // Improv's keys are checked by its package, as the daemon does when it starts the transport.
    expect(validateImprovConfig(cfg.transports?.improv)).toMatchObject({ path: '/dev/ttyGS0', baudRate: 115200, nextUrl: 'http://{ip}/' });
    const json = JSON.parse(readFileSync(here('./config.transports.json'), 'utf8')) as { transports: { protocomm: Record<string, unknown> } };
    json.transports.protocomm.secruity = 1;
    expect(() => parseDaemonConfig(json)).toThrow(/transports.protocomm.secruity is not a known key \(did you mean security\?\)/);
  });

  it('a misspelt key in the example is refused, naming it', () => {
    const json = JSON.parse(readFileSync(here('./config.json'), 'utf8')) as { provision: { button: Record<string, unknown> } };
    json.provision.button.holdMS = 5000;
    expect(() => parseDaemonConfig(json)).toThrow(/holdMS/);
  });

  it('the drop-in resets ExecStart, runs the daemon on the example config, and names only unit keys', () => {
    const dropIn = unitEntries(readFileSync(here('./provision.service.d/10-myapp.conf'), 'utf8'));
    const base = unitEntries(readFileSync(here('../../packages/adapter-linux/systemd/provision.service'), 'utf8'));
    const exec = dropIn.filter(([s, k]) => s === 'Service' && k === 'ExecStart').map(([, , v]) => v);
    expect(exec[0]).toBe(''); // clears the packaged command before setting a new one
    expect(exec[1]).toMatch(/provision-linux run --config \/etc\/provision\/config\.json$/);
    // Sections are the unit's own; the config file the drop-in names is the one the daemon reads.
    const sections = new Set(base.map(([s]) => s));
    for (const [s] of dropIn) expect(sections.has(s), s).toBe(true);
    const readWrite = dropIn.find(([, k]) => k === 'ReadWritePaths')![2];
    const cfg = JSON.parse(readFileSync(here('./config.json'), 'utf8')) as { userConfigFiles: string[] };
    for (const f of cfg.userConfigFiles) expect(f.startsWith(`${readWrite}/`), f).toBe(true);
  });
});
