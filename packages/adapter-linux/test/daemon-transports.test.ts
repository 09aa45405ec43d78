// The daemon's transports for real: provision-linux serving protocomm over HTTP and Improv on a PTY.
import { promises as fs } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtocommClient, createSrpVerifier } from '@provision/protocomm';
import { parseDaemonConfig } from '../src/daemon/config';
import { buildCli, daemonWorld, runCli, startCli, type DaemonProc } from './daemon-harness';
import { unixDgramMissing, waitUntil } from './helpers';
import { startScriptedWpa } from './wpa-fake-socket';
import { createPtyPair, HAS_SOCAT, loadImprovSerial, openWebSerial } from './improv-peer';

const HOME = { ssid: 'HomeNet', psk: 'correct horse battery', bssid: '02:00:00:00:01:00' };
const PASSWORD = 'sesame-open-9';
const POP = 'abcd1234';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('R9.1 transports config', () => {
  it('names the path of an unknown key and suggests the known one', () => {
    expect(() => parseDaemonConfig({ transports: { protocom: {} } })).toThrow(/transports.protocom is not a known key \(did you mean protocomm\?\)/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { securty: 2 } } })).toThrow(/transports.protocomm.securty is not a known key \(did you mean security\?\)/);
    expect(() => parseDaemonConfig({ provision: { timeoutMS: 1 } })).toThrow(/^provision.timeoutMS \(did you mean timeoutMs\?\)|provision.timeoutMS \(did you mean timeoutMs\?\)/);
    expect(() => parseDaemonConfig({ provision: { timeoutMS: 1 } })).not.toThrow(/provision\.provision/);
    expect(() => parseDaemonConfig({ wifi: { configfile: '/etc/wpa.conf' } })).toThrow(/wifi.configfile is not a known key \(did you mean configFile\?\)/);
  });

  it('checks security, the secret it needs, listen, and never echoes a value', () => {
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 3, verifierFile: '/v' } } })).toThrow(/transports.protocomm.security must be 0, 1 or 2/);
    expect(() => parseDaemonConfig({ transports: { protocomm: {} } })).toThrow(/transports.protocomm.verifierFile is required for security 2/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 1 } } })).toThrow(/popFile is required for security 1 \(or set allowInsecure/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 0 } } })).toThrow(/set allowInsecure: true/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 1, popFile: '/p', listen: 'hunter2hunter2' } } })).toThrow(/transports.protocomm.listen must be address:port/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 1, popFile: '/p', listen: 'hunter2hunter2' } } })).not.toThrow(/hunter2/);
    expect(() => parseDaemonConfig({ transports: { protocomm: { security: 1, pop: 'hunter2hunter2', popFile: '/p' } } })).not.toThrow(/hunter2/);
    expect(() => parseDaemonConfig({ transports: { improv: 'ttyGS0' } })).toThrow(/transports.improv must be an object/);
    expect(() => parseDaemonConfig({ transports: { graceMs: -1 } })).toThrow(/transports.graceMs must be/);
    expect(() => parseDaemonConfig({ wifi: { configFile: 'wpa.conf' } })).toThrow(/wifi.configFile must be an absolute path/);
    expect(() => parseDaemonConfig({ transports: { portal: { ssidPrefx: 'PROV' } } })).toThrow(/transports.portal.ssidPrefx is not a known key/);
    expect(() => parseDaemonConfig({ transports: { portal: { port: 0 } } })).toThrow(/transports.portal.port must be/);
    const ok = { transports: { always: false, graceMs: 500, protocomm: { security: 2, verifierFile: '/etc/provision/verifier.json', listen: '192.168.4.1:80', console: '/dev/ttyGS0' }, improv: { path: '/dev/ttyGS0' }, portal: { password: 'print-this-on-the-label' } } };
    expect(parseDaemonConfig(ok)).toEqual(ok);
  });
});

const noDgram = unixDgramMissing();
describe.skipIf(!!noDgram)(`R11.3 provision-linux transports, the daemon started for real${noDgram ? ` — skipped: ${noDgram}` : ''}`, () => {
  let cli: string;
  let cleanupCli: () => Promise<void>;
  beforeAll(async () => {
    const b = await buildCli();
    cli = b.cli;
    cleanupCli = b.cleanup;
  });
  afterAll(() => cleanupCli?.());

  async function world(transports: (dir: string) => Promise<object>) {
    const w = await daemonWorld();
    const wpa = await startScriptedWpa([HOME]);
    const cfgFile = await w.config({
      provision: { session: { attempts: 1 } },
      wifi: { ifname: wpa.ifname, backend: 'wpa_supplicant', ctrlDir: wpa.ctrlDir, requireIp: false, configFile: path.join(wpa.localDir, 'wpa_supplicant.conf') },
      transports: await transports(w.dir),
    });
    return { w, wpa, cfgFile, env: { ...w.env, TMPDIR: wpa.localDir } };
  }

  const status = async (cfgFile: string, env: NodeJS.ProcessEnv) => JSON.parse((await runCli(cli, ['status', '--config', cfgFile], env)).stdout) as { transports: Record<string, unknown>[] };

  async function provisionOverHttp(d: DaemonProc, client: ReturnType<typeof createProtocommClient>) {
    await client.handshake();
    // Wrong password first: GetStatus reports auth-error, the transport stays up (R11.2).
    await client.setConfig({ ssid: HOME.ssid, passphrase: 'wrong password 1' });
    await client.applyConfig();
    let s = await client.status();
    for (let i = 0; i < 100 && s.state !== 'failed'; i++) s = await new Promise((r) => setTimeout(r, 50)).then(() => client.status());
    expect(s).toEqual({ state: 'failed', reason: 'auth-error' });
    await client.setConfig({ ssid: HOME.ssid, passphrase: HOME.psk });
    await client.applyConfig();
    for (let i = 0; i < 100 && s.state !== 'connected'; i++) s = await new Promise((r) => setTimeout(r, 50)).then(() => client.status());
    expect(s).toMatchObject({ state: 'connected', ssid: HOME.ssid });
    await d.waitEvent((e) => e.event === 'cred-success', 'cred-success');
  }

  it('R11.4 sec2 with a verifier file: the protocomm client provisions over HTTP, wrong password then retry; the transport stops after success', async () => {
    const { w, wpa, cfgFile, env } = await world(async (dir) => {
      const v = createSrpVerifier({ username: 'wifiprov', password: PASSWORD });
      const f = path.join(dir, 'verifier.json');
      await fs.writeFile(f, JSON.stringify({ username: 'wifiprov', salt: hex(v.salt), verifier: hex(v.verifier) }), { mode: 0o600 });
      return { graceMs: 2000, protocomm: { security: 2, verifierFile: f, listen: '127.0.0.1:0' } };
    });
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    try {
      const started = await d.waitEvent((e) => e.event === 'transport-started', 'transport-started');
      expect(started).toMatchObject({ transport: 'protocomm', security: 2, username: 'wifiprov' });
      const listen = started.listen as string;
      expect(listen).toMatch(/^127\.0\.0\.1:\d+$/);
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const st = await status(cfgFile, w.env);
      expect(st.transports).toEqual([{ name: 'protocomm', running: true, security: 2, listen, username: 'wifiprov' }]);
      expect(JSON.stringify(st)).not.toContain(PASSWORD);

      // A wrong password fails the handshake; the right one gets in.
      const wrong = createProtocommClient({ url: `http://${listen}`, security: 2, username: 'wifiprov', password: 'not the password', timeoutMs: 5000 });
      await expect(wrong.handshake()).rejects.toThrow();
      await wrong.close();
      const client = createProtocommClient({ url: `http://${listen}`, security: 2, username: 'wifiprov', password: PASSWORD, timeoutMs: 5000 });
      await provisionOverHttp(d, client);
      await client.close();
      await d.waitEvent((e) => e.event === 'transport-stopped' && e.transport === 'protocomm', 'the transport to stop after success');
      await waitUntil(async () => (await status(cfgFile, w.env)).transports[0]?.running === false, 5000, 'status to show it stopped');
      expect((await status(cfgFile, w.env)).transports).toEqual([{ name: 'protocomm', running: false }]);
      const gone = createProtocommClient({ url: `http://${listen}`, security: 2, username: 'wifiprov', password: PASSWORD, timeoutMs: 2000 });
      await expect(gone.getVersion()).rejects.toThrow();
      await gone.close();
      expect(d.stdout()).not.toContain(HOME.psk);
      expect(d.stdout()).not.toContain(PASSWORD);
      expect(await d.stop()).toBe(0);
      // Without the daemon, status still lists the configured transports, none running.
      expect(await status(cfgFile, w.env)).toMatchObject({ running: false, transports: [{ name: 'protocomm', running: false }] });
    } finally {
      await d.stop();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it('R11.4 sec1 with a PoP file: provisions over HTTP after a wrong passphrase; the PoP never shows', async () => {
    const { w, wpa, cfgFile, env } = await world(async (dir) => {
      const f = path.join(dir, 'pop');
      await fs.writeFile(f, `${POP}\n`, { mode: 0o600 });
      return { graceMs: 1000, protocomm: { security: 1, popFile: f, listen: '127.0.0.1:0' } };
    });
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    try {
      const started = await d.waitEvent((e) => e.event === 'transport-started', 'transport-started');
      const listen = started.listen as string;
      const wrongPop = createProtocommClient({ url: `http://${listen}`, security: 1, pop: 'wrongpop', timeoutMs: 5000 });
      await expect(wrongPop.handshake()).rejects.toThrow();
      await wrongPop.close();
      const client = createProtocommClient({ url: `http://${listen}`, security: 1, pop: POP, timeoutMs: 5000 });
      await provisionOverHttp(d, client);
      await client.close();
      await d.waitEvent((e) => e.event === 'transport-stopped', 'transport-stopped');
      expect(d.stdout()).not.toContain(POP);
      expect(d.stdout()).not.toContain(HOME.psk);
      expect(d.events.some((e) => e.event === 'transport-insecure')).toBe(false);
      expect(await d.stop()).toBe(0);
    } finally {
      await d.stop();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it('R11.4 a group/other-readable secret file is refused (exit 2, no content shown); insecure opt-in is logged', async () => {
    const { w, wpa, cfgFile, env } = await world(async (dir) => {
      const f = path.join(dir, 'pop');
      await fs.writeFile(f, `${POP}\n`, { mode: 0o644 });
      await fs.chmod(f, 0o644);
      return { protocomm: { security: 1, popFile: f, listen: '127.0.0.1:0' } };
    });
    try {
      const r = await runCli(cli, ['run', '--config', cfgFile], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/transports.protocomm.popFile: .*pop holds a secret but its group or others can access it \(mode 644\): chmod 600/);
      expect(r.stderr + r.stdout).not.toContain(POP);

      // A PoP written in a readable config file is refused the same way.
      const inline = path.join(w.dir, 'inline.json');
      await fs.writeFile(inline, JSON.stringify({ stateDir: w.state, runtimeDir: w.run, wifi: false, transports: { protocomm: { security: 1, pop: POP } } }), { mode: 0o644 });
      await fs.chmod(inline, 0o644);
      const r2 = await runCli(cli, ['run', '--config', inline], env);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/transports.protocomm.pop is a secret, but .* can be read by others \(mode 644\)/);
      expect(r2.stderr).not.toContain(POP);

      // So is the portal's access point password.
      const ap = path.join(w.dir, 'ap.json');
      await fs.writeFile(ap, JSON.stringify({ stateDir: w.state, runtimeDir: w.run, wifi: false, transports: { portal: { password: 'print-this-on-the-label' } } }), { mode: 0o644 });
      await fs.chmod(ap, 0o644);
      const r3 = await runCli(cli, ['run', '--config', ap], env);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toMatch(/transports.portal.password is a secret, but .* can be read by others \(mode 644\): chmod 600/);
      expect(r3.stderr).not.toContain('print-this');

      // Security 1 without a PoP, explicitly allowed: runs, and says so.
      const open = path.join(w.dir, 'open.json');
      await fs.writeFile(open, JSON.stringify({ stateDir: w.state, runtimeDir: w.run, wifi: false, transports: { protocomm: { security: 1, allowInsecure: true, listen: '127.0.0.1:0' } } }));
      const d = startCli(cli, ['run', '--config', open], env);
      try {
        const ins = await d.waitEvent((e) => e.event === 'transport-insecure', 'transport-insecure');
        expect(ins).toMatchObject({ transport: 'protocomm', security: 1 });
        expect(String(ins.message)).toMatch(/anyone in range can provision/);
        const st = await status(open, w.env);
        expect(st.transports[0]).toMatchObject({ name: 'protocomm', running: true, security: 1, insecure: true });
      } finally {
        expect(await d.stop()).toBe(0);
      }
    } finally {
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it.skipIf(!HAS_SOCAT)('R11.3 sec2 on HTTP and on a console PTY at once: the console client provisions, both stop after success', async () => {
    const pair = await createPtyPair();
    const { w, wpa, cfgFile, env } = await world(async (dir) => {
      const v = createSrpVerifier({ username: 'wifiprov', password: PASSWORD });
      const f = path.join(dir, 'verifier.json');
      await fs.writeFile(f, JSON.stringify({ username: 'wifiprov', salt: hex(v.salt), verifier: hex(v.verifier) }), { mode: 0o600 });
      return { graceMs: 1000, protocomm: { security: 2, verifierFile: f, listen: '127.0.0.1:0', console: pair.device } };
    });
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    const host = new SerialPort({ path: pair.host, baudRate: 115200, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => host.open((e) => (e ? reject(e) : resolve())));
      const started = await d.waitEvent((e) => e.event === 'transport-started', 'transport-started');
      expect(started).toMatchObject({ transport: 'protocomm', console: pair.device });
      const client = createProtocommClient({ duplex: host, security: 2, username: 'wifiprov', password: PASSWORD, timeoutMs: 5000 });
      await provisionOverHttp(d, client);
      await client.close();
      await d.waitEvent((e) => e.event === 'transport-stopped', 'transport-stopped');
      expect((await status(cfgFile, w.env)).transports).toEqual([{ name: 'protocomm', running: false }]);
      expect(d.stdout()).not.toContain(HOME.psk);
      expect(await d.stop()).toBe(0);
    } finally {
      if (host.isOpen) await new Promise<void>((r) => host.close(() => r()));
      await d.stop();
      await pair.close();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it('R9.1 a bad transports.improv fails the start naming the key, suggesting, never echoing the value', async () => {
    const w = await daemonWorld();
    try {
      const r = await runCli(cli, ['run', '--config', await w.config({ wifi: false, transports: { improv: { path: '/dev/null', baudrate: 115200 } } })], w.env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('transports.improv.baudrate is not a known key (did you mean baudRate?)');
      const r2 = await runCli(cli, ['run', '--config', await w.config({ wifi: false, transports: { improv: { path: '/dev/null', baudRate: 'hunter2hunter2' } } })], w.env);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain('transports.improv.baudRate: must be one of');
      expect(r2.stderr).not.toContain('hunter2');
    } finally {
      await w.cleanup();
    }
  }, 30000);

  it('R11.3 the portal and protocomm on one server: the app provisions through the portal\'s port, the page is served beside it', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { w, wpa, cfgFile, env } = await world(async (dir) => {
      const f = path.join(dir, 'pop');
      await fs.writeFile(f, POP, { mode: 0o600 });
      return { graceMs: 1000, portal: { noAccessPoint: true, listenHost: '127.0.0.1', port, graceMs: 1000 }, protocomm: { security: 1, popFile: f } };
    });
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    try {
      await d.waitEvent((e) => e.event === 'transport-started' && e.transport === 'protocomm', 'protocomm transport-started');
      const st = await status(cfgFile, w.env);
      expect(st.transports.map((t) => t.name)).toEqual(['portal', 'protocomm']);
      expect(st.transports[1]).toMatchObject({ running: true, listen: `http://192.168.4.1:${port} (shared with the portal)` });
      // The portal keeps its own routes: another Host is sent to the device's address (a captive portal).
      const page = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      expect([page.status, page.headers.get('location')]).toEqual([302, `http://192.168.4.1:${port}/`]);
      const client = createProtocommClient({ url: `http://127.0.0.1:${port}`, security: 1, pop: POP, timeoutMs: 5000 });
      await provisionOverHttp(d, client);
      await client.close();
      await waitUntil(async () => (await status(cfgFile, w.env)).transports.every((t) => t.running === false), 10000, 'both to stop after success');
      expect(d.stdout()).not.toContain(HOME.psk);
      expect(await d.stop()).toBe(0);
    } finally {
      await d.stop();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it('a configured transport whose package is not installed: exit 2 saying what to install', async () => {
    // The CLI bundled as a user would run it without @provision/protocomm: only the adapter's own dependencies beside it.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'provision-nopkg-'));
    const w = await daemonWorld();
    try {
      const nm = path.join(dir, 'node_modules');
      await fs.mkdir(path.join(nm, '@homebridge'), { recursive: true });
      const own = path.resolve(__dirname, '../node_modules');
      for (const m of ['unix-dgram', '@homebridge/dbus-native', 'eventemitter3']) await fs.symlink(await fs.realpath(path.join(own, m)), path.join(nm, m));
      const lone = path.join(dir, 'cli.mjs');
      await build({
        entryPoints: [path.resolve(__dirname, '../src/cli.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        conditions: ['source'],
        external: ['unix-dgram', '@homebridge/dbus-native', 'eventemitter3', 'serialport', '@provision/protocomm', '@provision/improv', '@provision/improv/serial'],
        outfile: lone,
        logLevel: 'silent',
      });
      const f = path.join(w.dir, 'pop');
      await fs.writeFile(f, POP, { mode: 0o600 });
      const cfg = await w.config({ wifi: false, transports: { protocomm: { security: 1, popFile: f, listen: '127.0.0.1:0' } } });
      const r = await runCli(lone, ['run', '--config', cfg], w.env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('transports.protocomm is configured but the package @provision/protocomm is not installed: npm install @provision/protocomm');
      const cfg2 = await w.config({ wifi: false, transports: { improv: { path: '/dev/ttyGS0' } } });
      const r2 = await runCli(lone, ['run', '--config', cfg2], w.env);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain('npm install @provision/improv');
      // Without transports the same CLI runs.
      const cfg3 = await w.config({ wifi: false });
      const d = startCli(lone, ['run', '--config', cfg3], w.env);
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      expect(await d.stop()).toBe(0);
    } finally {
      await w.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60000);

  it.skipIf(!HAS_SOCAT)('R11.1 Improv on a PTY: the reference client (improv-wifi-serial-sdk) provisions the daemon, wrong password then retry', async () => {
    const pair = await createPtyPair();
    const { w, wpa, cfgFile, env } = await world(async () => ({ graceMs: 1000, improv: { path: pair.device, firmware: 'thermostat', version: '1.4.0', deviceName: 'Hall', nextUrl: 'http://{name}.local/' } }));
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    const quiet = { log: () => undefined, error: () => undefined, debug: () => undefined };
    const serial = await openWebSerial(pair.host);
    try {
      await d.waitEvent((e) => e.event === 'transport-started' && e.transport === 'improv', 'improv transport-started');
      expect((await status(cfgFile, w.env)).transports).toEqual([{ name: 'improv', running: true, path: pair.device, baudRate: 115200 }]);
      const ImprovSerial = await loadImprovSerial();
      const client = new ImprovSerial(serial as unknown as ConstructorParameters<typeof ImprovSerial>[0], quiet);
      try {
        expect(await client.initialize(3000)).toMatchObject({ firmware: 'thermostat', version: '1.4.0', name: 'Hall' });
        await expect(client.provision(HOME.ssid, 'wrong password 1', 20000)).rejects.toBe('UNABLE_TO_CONNECT');
        await client.provision(HOME.ssid, HOME.psk, 20000);
        expect(client.nextUrl).toBe('http://Hall.local/');
      } finally {
        await client.close();
      }
      await d.waitEvent((e) => e.event === 'cred-success', 'cred-success');
      await d.waitEvent((e) => e.event === 'transport-stopped' && e.transport === 'improv', 'improv to stop after the grace period');
      expect(d.stdout()).not.toContain(HOME.psk);
      expect(await d.stop()).toBe(0);
    } finally {
      await serial.close();
      await d.stop();
      await pair.close();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);
});
