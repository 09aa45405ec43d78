// The daemon's config loader: errors name the key as the user wrote it, never echo a value, never crash.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig, parseDaemonConfig } from '../src/daemon/config';
import { buildCli, runCli } from './daemon-harness';
import { tempDir } from './helpers';

const SECRET = 'hunter2-s3cret';

/** The error parseDaemonConfig throws (fails the test when it does not throw). */
function errorOf(json: unknown): Error & { code?: string; field?: string } {
  try {
    parseDaemonConfig(json);
  } catch (e) {
    return e as Error & { code?: string; field?: string };
  }
  throw new Error(`accepted: ${JSON.stringify(json)}`);
}

describe('daemon config errors', () => {
  it('R9.3 mgos: a bad value names the mgos key and its unit, never our field name', () => {
    expect(errorOf({ provision: { timeout: 1e300 } }).message).toBe('provision.timeout must be a number of seconds from -2147483 to 2147483 (0 or less: no provisioning timeout)');
    expect(errorOf({ provision: { timeout: 1e300 } }).field).toBe('provision.timeout');
    expect(errorOf({ provision: { stable_state: 300 } }).message).toBe('provision.stable_state must be an integer from 0 to 255');
    expect(errorOf({ provision: { btn: { pin: 17, hold_ms: 1e12 } } }).message).toMatch(/^provision\.btn\.hold_ms must be an integer number of milliseconds/);
    expect(errorOf({ provision: { button: { pin: 17, hold_ms: 1e12 } } }).message).toMatch(/^provision\.button\.hold_ms must be/);
    expect(errorOf({ provision: { btn: { pin: 1.5 } } }).message).toBe('provision.btn.pin must be a GPIO line number, an integer from 0 to 65535 (negative: none)');
    expect(errorOf({ provision: { btn: { pin: 1e300 } } }).message).toMatch(/^provision\.btn\.pin must be a GPIO line number/);
    expect(errorOf({ provision: { led: { pin: 2.5 } } }).message).toMatch(/^provision\.led\.pin must be a GPIO line number/);
    for (const e of [errorOf({ provision: { timeout: 1e300 } }), errorOf({ provision: { btn: { pin: 1.5 } } })]) {
      expect(e.code).toBe('invalid-config');
      expect(e.message).not.toMatch(/timeoutMs|1e\+?300|1\.5/);
    }
  });

  it('R10.3 no error message echoes the offending value (it may be a secret pasted into the wrong key)', () => {
    const cases: unknown[] = [
      { provision: { timeout: SECRET } },
      { provision: { btn: { pull_up: SECRET } } },
      { provision: { stable_state: SECRET } },
      { provision: { stableState: SECRET } },
      { provision: { timeoutMs: SECRET } },
      { provision: { session: { persist: SECRET } } },
      { provision: { led: { patterns: { '1': { on: SECRET, off: 1 } } } } },
      { button: { line: -1, bias: SECRET } },
      { wifi: { backend: SECRET } },
      { wifi: { eap: { method: 'PEAP', identity: 'me', keyMgmt: SECRET } } },
      { stateDir: SECRET },
      { userConfigFiles: [SECRET] },
    ];
    for (const c of cases) {
      const e = errorOf(c);
      expect(e.code).toBe('invalid-config');
      expect(e.message).not.toContain(SECRET);
      expect(e.message).not.toMatch(/got ["\d-]/);
    }
  });

  it('our own format names the key with its section (provision.timeoutMs)', () => {
    expect(errorOf({ provision: { timeoutMs: 1.5 } }).message).toMatch(/^provision\.timeoutMs must be an integer/);
    expect(errorOf({ provision: { timeoutMS: 1 } }).message).toMatch(/provision\.timeoutMS/);
    expect(errorOf({ runtimeDir: 'run' }).message).toBe('runtimeDir must be an absolute path');
  });

  it('a config file that is not JSON: the position, never the text around it', async () => {
    const t = await tempDir('config');
    try {
      const f = path.join(t.dir, 'config.json');
      await fs.writeFile(f, `{\n  "wifi": { "ifname": "wlan0" },\n  "provision": ${SECRET}\n}\n`);
      const e = await loadDaemonConfig(f).then(
        () => undefined,
        (x: Error) => x,
      );
      expect(e?.message).toMatch(/^config file .* is not valid JSON/);
      expect(e?.message).not.toContain(SECRET);
      expect(e?.message).not.toContain('hunter');
      await fs.writeFile(f, '{"wifi": false, "provision": {"timeout": 1 x}}');
      expect(((await loadDaemonConfig(f).catch((x: Error) => x)) as Error).message).toMatch(/not valid JSON \(line 1, column \d+\)$/);
    } finally {
      await t.cleanup();
    }
  });

  it('fuzz: any JSON is a valid config or a clean invalid-config error, and no string value is ever echoed', () => {
    let runs = 0;
    let rejected = 0;
    const marker = fc.string({ maxLength: 8 }).map((s) => `${SECRET}${s}`);
    const value = fc.oneof(marker, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(1e300), fc.constant(-1), fc.constant(1.5));
    const keyed = <T>(keys: string[], v: fc.Arbitrary<T>) => fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })), v, { maxKeys: 4 });
    const mgosSection = keyed(['btn', 'button', 'led', 'stable_state', 'timeout', 'wifi_configured', 'configured'], fc.oneof(value, keyed(['pin', 'pull_up', 'hold_ms', 'inhibit_after_s', 'active_high'], value)));
    const ourSection = keyed(['stableState', 'timeoutMs', 'rebootDelayMs', 'button', 'led', 'wifi', 'session'], fc.oneof(value, keyed(['holdMs', 'debounceMs', 'patterns', 'resetOnBadCredentials', 'attempts', 'persist'], value)));
    const protocomm = keyed(['security', 'pop', 'popFile', 'verifierFile', 'username', 'listen', 'console', 'consoleBaudRate', 'allowInsecure'], fc.oneof(value, fc.constantFrom(0, 1, 2, '/p', '127.0.0.1:80')));
    const portal = keyed(['enabled', 'ssidPrefix', 'password', 'address', 'port', 'listenHost', 'hostNames', 'nextUrl', 'graceMs', 'open', 'noAccessPoint'], value);
    const transports = keyed(['portal', 'protocomm', 'improv', 'always', 'graceMs'], fc.oneof(value, protocomm, portal));
    const config = fc.oneof(
      fc.jsonValue(),
      keyed(
        ['stateDir', 'runtimeDir', 'userConfigFiles', 'provision', 'button', 'led', 'wifi', 'transports', 'gpioChip', 'gpioDevDir', 'btn', 'timeout'],
        fc.oneof(value, mgosSection, ourSection, transports, keyed(['line', 'chip', 'sysfs', 'backend', 'ifname', 'eap', 'retryMs', 'activeLow', 'bias', 'configFile'], value), fc.array(value, { maxLength: 3 })),
      ),
    );
    fc.assert(
      fc.property(config, (json) => {
        runs++;
        try {
          parseDaemonConfig(json);
        } catch (e) {
          rejected++;
          const err = e as { code?: unknown; message?: unknown; name?: unknown };
          expect(err.code).toBe('invalid-config');
          expect(typeof err.message).toBe('string');
          expect(String(err.message)).not.toContain(SECRET);
        }
      }),
      { numRuns: 20000 },
    );
    console.log(`config loader fuzz: ${runs} configs, ${rejected} rejected cleanly, ${runs - rejected} accepted, 0 crashes`);
  });

  describe('end to end through provision-linux run', () => {
    let cli: string;
    let cleanupCli: () => Promise<void>;
    beforeAll(async () => {
      ({ cli, cleanup: cleanupCli } = await buildCli());
    });
    afterAll(() => cleanupCli?.());

    it('fuzz: a rejected config file exits 2 with one line naming the problem, never a value', async () => {
      const t = await tempDir('config-e2e');
      let runs = 0;
      try {
        const marker = fc.string({ maxLength: 6 }).map((x) => `${SECRET}${x}`);
        const value = fc.oneof(marker, fc.integer(), fc.double(), fc.constant(1e300), fc.constant(1.5), fc.boolean());
        const section = fc.dictionary(fc.constantFrom('btn', 'led', 'stable_state', 'timeout', 'stableState', 'timeoutMs', 'button', 'session'), fc.oneof(value, fc.dictionary(fc.constantFrom('pin', 'hold_ms', 'pull_up', 'holdMs', 'persist'), value)), { minKeys: 1, maxKeys: 3 });
        const config = fc.record({ provision: section }).map((c) => ({ ...c, stateDir: path.join(t.dir, 'state'), runtimeDir: path.join(t.dir, 'run'), wifi: false }));
        const rejected = fc.sample(config.filter((c) => {
          try {
            parseDaemonConfig(c);
            return false;
          } catch {
            return true;
          }
        }), 25);
        for (const [i, c] of rejected.entries()) {
          const f = path.join(t.dir, `config-${i}.json`);
          await fs.writeFile(f, JSON.stringify(c));
          const r = await runCli(cli, ['run', '--config', f], process.env);
          runs++;
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(/^provision-linux: invalid configuration: [^\n]*provision\.\w[^\n]*\n$/);
          expect(r.stderr).not.toContain(SECRET);
          expect(r.stdout).toBe('');
        }
      } finally {
        await t.cleanup();
      }
      console.log(`config loader end to end: ${runs} rejected config files, each exit 2 with a clean message`);
    }, 120000);
  });
});
