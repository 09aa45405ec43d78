// The console transport: line protocol unit checks, and our client against our device over a real PTY (socat + serialport).
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair } from '@provision/adapter-esp32-bridge/simulator';
import { createProtocomm } from '../src/protocomm';
import { consoleTransport, serveConsole } from '../src/console';
import { createProtocommClient } from '../src/client';
import { HOME, PASSWORD, POP, startRig, USER, type Rig } from './rig';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
// A driver that runs esp_prov's console transport against a serial device (esp_prov itself talks to its own terminal).
const ESP_PROV_CONSOLE = process.env.ESP_PROV_CONSOLE;

function open(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    p.open((e) => (e ? reject(e) : resolve(p)));
  });
}
const closePort = (p: SerialPort): Promise<void> => new Promise((r) => (p.isOpen ? p.close(() => r()) : r()));

describe('console line protocol', () => {
  it('answers CRLF hex CRLF and a prompt; errors print only the prompt; long lines are dropped', async () => {
    const pc = createProtocomm({ security: 0, log: () => undefined });
    const s = new PassThrough();
    const out: string[] = [];
    const dev = new PassThrough();
    dev.on('data', (d) => out.push(d.toString()));
    const duplex = Object.assign(s, { write: dev.write.bind(dev) }) as unknown as PassThrough;
    const session = serveConsole(pc, duplex);
    const settle = () => new Promise((r) => setTimeout(r, 20));
    await settle();
    expect(out.join('')).toBe('>> ');
    out.length = 0;
    s.push('prov-session 0 5203a20100\r');
    await settle();
    expect(out.join('')).toBe('\r\n52050801aa0100\r\n>> ');
    out.length = 0;
    s.push('prov-config 0 zz\r');
    await settle();
    expect(out.join('')).toBe('>> ');
    out.length = 0;
    s.push(`prov-config 0 ${'00'.repeat(200)}\r`);
    await settle();
    expect(out.join('')).toBe('>> ');
    out.length = 0;
    // A new session id starts a new security session: data before its handshake is refused.
    s.push('prov-config 7 5200\r');
    await settle();
    expect(out.join('')).toBe('>> ');
    session.close();
  });
});

if (!hasSocat) {
  describe.skip('console over a PTY: skipped because socat is not installed (apt-get install socat)', () => {
    it('needs socat', () => undefined);
  });
} else {
  describe('console over a real PTY (socat + serialport)', () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanup.reverse()) await c();
      cleanup = [];
    });
    async function ptyRig(security: 1 | 2, maxLineBytes?: number): Promise<{ rig: Rig; host: SerialPort }> {
      const pair = await createPtyPair();
      cleanup.push(() => pair.close());
      const devicePort = await open(pair.device);
      cleanup.push(() => closePort(devicePort));
      const rig = await startRig({ security, transports: [consoleTransport(devicePort, { maxLineBytes })] });
      cleanup.push(() => rig.close());
      const host = await open(pair.host);
      cleanup.push(() => closePort(host));
      return { rig, host };
    }

    it('R11.1 sec1 with IDF’s 256-byte lines: wrong passphrase reported, then success, persisted only after it', async () => {
      const { rig, host } = await ptyRig(1);
      const c = createProtocommClient({ duplex: host, security: 1, pop: POP, timeoutMs: 5000 });
      expect((await c.getVersion()).prov!.sec_ver).toBe(1);
      await c.handshake();
      await c.setConfig({ ssid: HOME.ssid, passphrase: 'wrong passphrase' });
      await c.applyConfig();
      expect(await c.status()).toEqual({ state: 'failed', reason: 'auth-error' });
      expect(rig.dev.wifi.stored()).toBeUndefined();
      await c.setConfig(HOME);
      await c.applyConfig();
      expect(await c.status()).toMatchObject({ state: 'connected', ssid: HOME.ssid });
      expect(rig.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
      await c.close();
    });

    it('sec2 needs longer lines (its Cmd0 is ~800 hex digits): with maxLineBytes 2048 it works, scan included', async () => {
      const { rig, host } = await ptyRig(2, 2048);
      const c = createProtocommClient({ duplex: host, security: 2, username: USER, password: PASSWORD, timeoutMs: 5000 });
      await c.handshake();
      expect((await c.scan()).map((n) => n.ssid)).toEqual(['HomeNet', 'Cafe']);
      await c.setConfig({ ssid: 'Nowhere', passphrase: 'whatever1' });
      await c.applyConfig();
      expect(await c.status()).toEqual({ state: 'failed', reason: 'ap-not-found' });
      await c.setConfig(HOME);
      await c.applyConfig();
      expect((await c.status()).state).toBe('connected');
      expect(rig.dev.system.reboots).toEqual([]);
      await c.close();
    });

    it.skipIf(!ESP_PROV_CONSOLE)(
      `the real esp_prov over the console (sec0 and sec1 fit IDF's 256-byte lines)${ESP_PROV_CONSOLE ? '' : ' (skipped: ESP_PROV_CONSOLE is not set)'}`,
      async () => {
        for (const security of [0, 1] as const) {
          const pair = await createPtyPair();
          cleanup.push(() => pair.close());
          const devicePort = await open(pair.device);
          cleanup.push(() => closePort(devicePort));
          const rig = await startRig({ security, transports: [consoleTransport(devicePort)] });
          cleanup.push(() => rig.close());
          const env: Record<string, string> = { ESP_PROV_PASSPHRASE: HOME.passphrase, ESP_PROV_POLL_SECONDS: '0', ESP_PROV_EXIT_ON_FAIL: '1' };
          if (security === 1) env.ESP_PROV_POP = POP;
          const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
            const child = spawn(ESP_PROV_CONSOLE!, ['--device', pair.host, '--timeout', '5', '--', '--sec_ver', String(security), '--ssid', HOME.ssid], { env: Object.assign({}, process.env, env) });
            let text = '';
            child.stdout.on('data', (d) => (text += d));
            child.stderr.on('data', (d) => (text += d));
            child.stdin.end();
            child.on('close', (code) => resolve({ code, text }));
          });
          expect(out.code, out.text).toBe(0);
          expect(out.text).toContain('Provisioning was successful');
          expect(rig.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
        }
      },
      60_000,
    );

    it('sec2 over 256-byte lines is refused (the Cmd0 line is dropped): the client times out', async () => {
      const { rig, host } = await ptyRig(2);
      const c = createProtocommClient({ duplex: host, security: 2, username: USER, password: PASSWORD, timeoutMs: 500 });
      await expect(c.handshake()).rejects.toThrow(/no answer/);
      expect(rig.logs.some((l) => /longer than 256 bytes/.test(l.message))).toBe(true);
      await c.close();
    });
  });
}
