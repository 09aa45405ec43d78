// Our client against our device over HTTP, through a real provisioner with the simulated Wi-Fi (R11.1–R11.3).
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProtocommClient, type ProtocommClient } from '../src/client';
import { CAFE, HOME, PASSWORD, POP, startRig, USER, type Rig } from './rig';

let rigs: Rig[] = [];
let clients: ProtocommClient[] = [];
afterEach(async () => {
  for (const c of clients) await c.close();
  for (const r of rigs) await r.close();
  rigs = [];
  clients = [];
});
async function rig(opts: Parameters<typeof startRig>[0] = {}): Promise<Rig> {
  const r = await startRig(opts);
  rigs.push(r);
  return r;
}
function client(r: Rig, o: Partial<Parameters<typeof createProtocommClient>[0]> = {}): ProtocommClient {
  const c = createProtocommClient(Object.assign({ url: r.url, security: 2 as const, username: USER, password: PASSWORD, timeoutMs: 5000 }, o));
  clients.push(c);
  return c;
}

describe('HTTP: client and device', () => {
  it('R11.1 sec2: version, scan, set, apply, status connected; credentials persisted only after success', async () => {
    const r = await rig();
    const c = client(r);
    const v = await c.getVersion();
    expect(v.prov).toEqual({ ver: 'v1.1', sec_ver: 2, sec_patch_ver: 1, cap: ['wifi_scan'] });
    await c.handshake();
    const nets = await c.scan();
    expect(nets.map((n) => n.ssid)).toEqual([HOME.ssid, CAFE.ssid]);
    expect(nets[0]!.rssi).toBeGreaterThan(nets[1]!.rssi);
    expect(await c.status()).toEqual({ state: 'disconnected' });
    await c.setConfig(HOME);
    expect(r.dev.wifi.calls.connect).toBeUndefined();
    await c.applyConfig();
    const s = await c.status();
    expect(s).toMatchObject({ state: 'connected', ssid: HOME.ssid, ip: '192.168.1.50', auth: 'WPA2_PSK' });
    expect(r.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
    expect(r.dev.prov.getSessionState()).toBe('success');
  });

  it('R11.2 auth-error then ap-not-found reported in GetStatus, retry without reboot, nothing stored until success', async () => {
    const r = await rig({ security: 1 });
    const c = client(r, { security: 1, pop: POP });
    await c.handshake();
    await c.setConfig({ ssid: HOME.ssid, passphrase: 'wrong passphrase' });
    await c.applyConfig();
    expect(await c.status()).toEqual({ state: 'failed', reason: 'auth-error' });
    expect(r.dev.wifi.stored()).toBeUndefined();
    expect(r.dev.prov.getSessionState()).toBe('started');
    await c.setConfig({ ssid: 'Nowhere', passphrase: 'whatever1' });
    await c.applyConfig();
    expect(await c.status()).toEqual({ state: 'failed', reason: 'ap-not-found' });
    expect(r.dev.wifi.stored()).toBeUndefined();
    await c.setConfig(HOME);
    await c.applyConfig();
    expect(await c.status()).toMatchObject({ state: 'connected', ssid: HOME.ssid });
    expect(r.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
    expect(r.dev.system.reboots).toEqual([]);
    expect(JSON.stringify(r.logs)).not.toContain('wrong passphrase');
  });

  it('R11.3 stops after success once the client was told, and not before', async () => {
    const r = await rig({ security: 0 });
    const c = client(r, { security: 0 });
    await c.handshake();
    await c.setConfig(HOME);
    await c.applyConfig();
    let stopped = false;
    void r.service.stopped.then(() => (stopped = true));
    r.dev.clock.advance(5000);
    await new Promise((res) => setTimeout(res, 20));
    expect(stopped).toBe(false);
    expect((await c.status()).state).toBe('connected');
    r.dev.clock.advance(999);
    await new Promise((res) => setTimeout(res, 20));
    expect(stopped).toBe(false);
    r.dev.clock.advance(1);
    await r.service.stopped;
    expect(r.service.running).toBe(false);
  });

  it('R11.3 stops after success + grace even if the client never asks', async () => {
    const r = await rig({ security: 0, graceMs: 10_000 });
    const c = client(r, { security: 0 });
    await c.handshake();
    await c.setConfig(HOME);
    await c.applyConfig();
    r.dev.clock.advance(10_000);
    await r.service.stopped;
  });

  it('ApplyConfig without SetConfig → InternalError; SetConfig with a bad passphrase → InvalidArgument', async () => {
    const r = await rig();
    const c = client(r);
    await c.handshake();
    await expect(c.applyConfig()).rejects.toThrow(/InternalError/);
    await expect(c.setConfig({ ssid: HOME.ssid, passphrase: 'short' })).rejects.toThrow(/InvalidArgument/);
    await expect(c.setConfig({ ssid: 'x'.repeat(33), passphrase: '' })).rejects.toThrow(/InvalidArgument/);
    expect(r.dev.wifi.calls.connect).toBeUndefined();
  });

  it('prov-ctrl: reset after a failure, reprov after success', async () => {
    const r = await rig({ resetOnFailure: false, stopAfterSuccess: false });
    const c = client(r);
    await c.handshake();
    await c.setConfig({ ssid: HOME.ssid, passphrase: 'wrong passphrase' });
    await c.applyConfig();
    expect(r.dev.prov.getSessionState()).toBe('fail');
    await c.ctrlReset();
    expect(r.dev.prov.getSessionState()).toBe('started');
    await c.setConfig(HOME);
    await c.applyConfig();
    expect(r.dev.prov.getSessionState()).toBe('success');
    await c.ctrlReprov();
    expect(r.dev.prov.getSessionState()).toBe('started');
    expect(await c.status()).toEqual({ state: 'disconnected' });
  });

  it('wrong password: the socket is closed and the rate limit pauses handshakes after 5 (R11.4)', async () => {
    const r = await rig();
    for (let i = 0; i < 5; i++) {
      const bad = client(r, { password: 'not the password' });
      await expect(bad.handshake()).rejects.toThrow(/closed the connection/);
    }
    const good = client(r);
    await expect(good.handshake()).rejects.toThrow(/closed the connection/);
    expect(r.logs.some((l) => /too many wrong proofs/.test(l.message))).toBe(true);
    r.dev.clock.advance(60_000);
    await good.handshake();
    expect(JSON.stringify(r.logs)).not.toContain('not the password');
  });

  it('a second client steals the session: the first one’s keys are destroyed', async () => {
    const r = await rig();
    const a = client(r);
    await a.handshake();
    await a.status();
    const b = client(r);
    await b.handshake();
    expect((await b.status()).state).toBe('disconnected');
    // a's request now starts a new session of its own (IDF: one at a time): without a handshake, refused.
    await expect(a.status()).rejects.toThrow(/closed the connection/);
    await a.handshake();
    expect((await a.status()).state).toBe('disconnected');
  });

  it('ApplyConfig: the reply is flushed before the Wi-Fi port is told to connect, every time (50 runs, the radio cut at connect)', async () => {
    for (let run = 0; run < 50; run++) {
      const r = await startRig({ security: 1 });
      const sockets: Socket[] = [];
      r.http!.server!.on('connection', (s: Socket) => sockets.push(s));
      const inner = r.dev.wifi.connect.bind(r.dev.wifi);
      let pendingAtConnect = -1;
      r.dev.wifi.connect = (creds, o) => {
        // What the SoftAP's channel change does to the link: every socket dies at once.
        pendingAtConnect = sockets.reduce((n, s) => n + s.writableLength, 0);
        for (const s of sockets) s.destroy();
        return inner(creds, o);
      };
      const c = createProtocommClient({ url: r.url, security: 1, pop: POP });
      await c.handshake();
      await c.setConfig(HOME);
      await c.applyConfig();
      expect(pendingAtConnect).toBe(0);
      expect(r.dev.wifi.calls.connect).toBe(1);
      await c.close();
      await r.close();
    }
  });

  it('R11.3 the first credentials win: while they are tried, a second client sees Connecting and its SetConfig is refused', async () => {
    const r = await rig({ joinMs: 2000 });
    const a = client(r);
    await a.handshake();
    await a.setConfig(HOME);
    await a.applyConfig();
    const b = client(r);
    await b.handshake();
    expect(await b.status()).toEqual({ state: 'connecting' });
    await expect(b.setConfig({ ssid: 'Cafe', passphrase: '' })).rejects.toThrow(/InternalError/);
    r.dev.clock.advance(2000);
    expect(await b.status()).toMatchObject({ state: 'connected', ssid: HOME.ssid });
  });

  it('HTTP framing: 404, 405, missing or oversized Content-Length, Set-Cookie without attributes', async () => {
    const r = await rig();
    const raw = (method: string, path: string, headers: Record<string, string | number>, body?: Buffer) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const u = new URL(r.url);
        const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect((await raw('POST', '/nope', { 'Content-Length': 1 }, Buffer.from('x'))).status).toBe(404);
    expect((await raw('GET', '/proto-ver', {})).status).toBe(405);
    expect((await raw('POST', '/proto-ver', { 'Transfer-Encoding': 'chunked' }, Buffer.from('x'))).status).toBe(411);
    expect((await raw('POST', '/proto-ver', { 'Content-Length': 5000 }, Buffer.alloc(5000))).status).toBe(413);
    const ok = await raw('POST', '/proto-ver', { 'Content-Length': 3 }, Buffer.from('---'));
    expect(ok.status).toBe(200);
    expect(ok.headers['set-cookie']).toEqual([expect.stringMatching(/^session=\d+$/)]);
  });
});
