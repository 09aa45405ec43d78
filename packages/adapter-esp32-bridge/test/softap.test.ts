// End to end over the simulated module: our protocomm client, as a phone on the module's SoftAP, provisions a real provisioner through the bridge.
import { afterEach, describe, expect, it } from 'vitest';
import { createProvisioner, type Provisioner } from '@provision/core';
import { createProtocommClient, createSrpVerifier, type LogLevel, type ProtocommClient, type SrpVerifier } from '@provision/protocomm';
import { createEsp32Bridge, ModuleProvisioning, type Esp32Bridge } from '../src';
import { startSoftApProtocomm, type SoftApProtocommOptions, type SoftApProtocommService } from '../src/softap';
import { EspAtSimulator } from '../src/simulator';
import { advance, settle, SimulatedClock } from './helpers';
import { phoneTransport, rawLink, type Phone } from './phone';

const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery', channel: 6 };
const USER = 'wifiprov';
const PASSWORD = 'abcd1234';
const POP = 'pop-1234';
const AP_PASSWORD = 'ap-secret-99';
let cached: SrpVerifier | undefined;
const verifier = (): SrpVerifier => (cached ??= createSrpVerifier({ username: USER, password: PASSWORD }));

interface Rig {
  clock: SimulatedClock;
  sim: EspAtSimulator;
  bridge: Esp32Bridge;
  prov: Provisioner;
  service: SoftApProtocommService;
  logs: { level: LogLevel; message: string }[];
  at: string[];
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await settle(r.clock, r.service.stop());
    await settle(r.clock, r.bridge.close());
    r.sim.destroy();
  }
});

async function rig(opts: Partial<SoftApProtocommOptions> = {}): Promise<Rig> {
  const clock = new SimulatedClock();
  const sim = new EspAtSimulator({ clock, networks: [HOME], joinDelayMs: 800, scanDelayMs: 200, bootDelayMs: 50 });
  const bridge = createEsp32Bridge({ transport: sim, clock, at: { busyRetryDelayMs: 20 } });
  await settle(clock, bridge.open());
  const prov = createProvisioner(bridge.ports);
  await settle(clock, prov.start());
  const logs: { level: LogLevel; message: string }[] = [];
  const security = opts.security ?? 2;
  const service = await settle(
    clock,
    startSoftApProtocomm(bridge, prov, {
      security,
      verifier: security === 2 ? verifier() : undefined,
      pop: security === 1 ? POP : undefined,
      password: AP_PASSWORD,
      log: (level, message) => logs.push({ level, message }),
      ...opts,
    } as SoftApProtocommOptions),
  );
  const r = { clock, sim, bridge, prov, service, logs, at: sim.received };
  rigs.push(r);
  return r;
}

function phone(r: Rig, security: 0 | 1 | 2 = 2): { c: ProtocommClient; t: Phone } {
  const t = phoneTransport(r.sim, { ssid: r.service.ssid, password: AP_PASSWORD });
  const c = createProtocommClient({ transport: t, security, username: USER, password: PASSWORD, pop: POP });
  return { c, t };
}

describe('protocomm through the ESP-AT SoftAP (simulated module)', () => {
  it('R11.5 the access point is PROV_<short id> (WPA2), on port 80, in station + SoftAP mode, nothing of it stored', async () => {
    const r = await rig();
    expect(r.service.ssid).toBe('PROV_3F2A');
    expect(r.sim.softAp.accessPoint).toEqual({ ssid: 'PROV_3F2A', channel: 1, open: false });
    expect(r.sim.softAp.serverPort).toBe(80);
    expect(r.at).toContain('AT+SYSSTORE=0');
    expect(r.at).toContain('AT+CWMODE=3');
    expect(r.at).toContain('AT+CIPMUX=1');
    expect(() => r.sim.softAp.connectPhone({ ssid: 'PROV_3F2A', password: 'wrong-password' })).toThrow(/password/);
    expect(r.logs.map((l) => l.message).join('\n')).not.toContain(AP_PASSWORD);
  });

  it('R11.5 the name takes a configurable prefix (or a full ssid) and an open access point is logged as insecure', async () => {
    const r = await rig({ ssidPrefix: 'ACME-', password: undefined });
    expect(r.service.ssid).toBe('ACME-3F2A');
    expect(r.sim.softAp.accessPoint).toEqual({ ssid: 'ACME-3F2A', channel: 1, open: true });
    expect(r.logs.some((l) => l.level === 'warn' && /open \(no password\).*insecure/.test(l.message))).toBe(true);
    const r2 = await rig({ ssid: 'Factory line 3' });
    expect(r2.service.ssid).toBe('Factory line 3');
    expect(r2.at).not.toContain('AT+CIPAPMAC?');
  });

  it('R11.1 sec2: version, scan, set, apply, status connected over real HTTP/1.1; stored only after success; AP torn down (R11.3)', async () => {
    const r = await rig();
    const { c, t } = phone(r);
    const v = await settle(r.clock, c.getVersion());
    expect(v.prov).toMatchObject({ sec_ver: 2, cap: ['wifi_scan'] });
    await settle(r.clock, c.handshake());
    const nets = await settle(r.clock, c.scan());
    expect(nets.map((n) => n.ssid)).toEqual([HOME.ssid]);
    await settle(r.clock, c.setConfig(HOME));
    expect(r.sim.storedStation).toBeUndefined();
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    // The join moved the radio to channel 6: the phone was dropped and comes back on a new link.
    expect(r.sim.softAp.channelSwitches).toBe(1);
    const s = await settle(r.clock, c.status());
    expect(s).toMatchObject({ state: 'connected', ssid: HOME.ssid });
    // Persisted while the SoftAP still serves: mode 3 never reaches flash (no SoftAP after a reboot).
    expect(r.sim.storedMode).toBe(1);
    expect(t.links.length).toBeGreaterThanOrEqual(2);
    expect(r.prov.getSessionState()).toBe('success');
    await settle(r.clock, r.service.stopped, 40_000);
    expect(r.sim.softAp.accessPoint).toBeUndefined();
    expect(r.sim.softAp.serverPort).toBeUndefined();
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(r.sim.storedMode).toBe(1);
    expect(r.at.slice(-3)).toEqual(expect.arrayContaining(['AT+CWMODE=1']));
    await t.close();
  });

  it('R11.4 sec1 with a proof of possession provisions too', async () => {
    const r = await rig({ security: 1 });
    const { c, t } = phone(r, 1);
    await settle(r.clock, c.handshake());
    await settle(r.clock, c.setConfig(HOME));
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    expect(await settle(r.clock, c.status())).toMatchObject({ state: 'connected', ssid: HOME.ssid });
    await t.close();
  });

  it('R11.2 wrong passphrase, then ap-not-found, then the right one: retry without reboot, nothing stored until success', async () => {
    const r = await rig();
    const { c, t } = phone(r);
    await settle(r.clock, c.handshake());
    await settle(r.clock, c.setConfig({ ssid: HOME.ssid, passphrase: 'wrong passphrase' }));
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    expect(await settle(r.clock, c.status())).toEqual({ state: 'failed', reason: 'auth-error' });
    expect(r.sim.storedStation).toBeUndefined();
    await settle(r.clock, c.setConfig({ ssid: 'Nowhere', passphrase: 'whatever1' }));
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    expect(await settle(r.clock, c.status())).toEqual({ state: 'failed', reason: 'ap-not-found' });
    expect(r.sim.storedStation).toBeUndefined();
    await settle(r.clock, c.setConfig(HOME));
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    expect(await settle(r.clock, c.status())).toMatchObject({ state: 'connected', ssid: HOME.ssid });
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(r.sim.boots).toBe(1);
    const text = JSON.stringify(r.logs);
    expect(text).not.toContain('wrong passphrase');
    expect(text).not.toContain(HOME.passphrase);
    await t.close();
  });

  it('R11.2 the ApplyConfig reply reaches the phone before the station join starts (connect after SEND OK)', async () => {
    const r = await rig();
    const { c, t } = phone(r);
    await settle(r.clock, c.handshake());
    await settle(r.clock, c.setConfig(HOME));
    // Order of what the module did: the CIPSEND carrying the reply, its data delivered, then CWJAP.
    let replyAt = -1;
    let joinAt = -1;
    const link = t.links[t.links.length - 1]!;
    link.on('data', () => {
      if (replyAt < 0) replyAt = r.at.length;
    });
    const before = r.at.length;
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    joinAt = r.at.findIndex((l, i) => i >= before && l.startsWith('AT+CWJAP='));
    expect(replyAt).toBeGreaterThan(before);
    expect(joinAt).toBeGreaterThanOrEqual(replyAt);
    expect(r.at.slice(before, joinAt).some((l) => l.startsWith('AT+CIPSEND='))).toBe(true);
    await t.close();
  });

  it('a link closed mid-request: nothing handled, the next link is served', async () => {
    const r = await rig({ security: 0 });
    const raw = rawLink(r.sim, { password: AP_PASSWORD });
    raw.link.write('POST /prov-config HTTP/1.1\r\nContent-Length: 40\r\n\r\n0123456789');
    await advance(r.clock, 100);
    raw.link.destroy();
    await advance(r.clock, 100);
    expect(r.service.softAp.openLinks).toBe(0);
    const { c, t } = phone(r, 0);
    await settle(r.clock, c.handshake());
    expect(await settle(r.clock, c.status())).toEqual({ state: 'disconnected' });
    expect(r.sim.storedStation).toBeUndefined();
    await t.close();
  });

  it.each([
    ['no Content-Length', 'POST /prov-config HTTP/1.1\r\nHost: x\r\n\r\n', /411/],
    ['Content-Length over 4096', 'POST /prov-config HTTP/1.1\r\nContent-Length: 5000\r\n\r\n', /413/],
    ['a head over 2 KiB', `POST /prov-config HTTP/1.1\r\nX-Pad: ${'a'.repeat(2100)}\r\n\r\n`, /431/],
    ['chunked', 'POST /prov-config HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', /400/],
    ['HTTP/2.0', 'POST /prov-config HTTP/2.0\r\nContent-Length: 1\r\n\r\nx', /505/],
    ['GET', 'GET /prov-config HTTP/1.1\r\nContent-Length: 1\r\n\r\nx', /405/],
    ['an unknown endpoint', 'POST /nope HTTP/1.1\r\nContent-Length: 1\r\n\r\nx', /404/],
    ['a bare LF', 'POST /prov-config HTTP/1.1\nContent-Length: 1\r\n\r\nx', /400/],
    ['a duplicated Content-Length', 'POST /prov-config HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', /400/],
    ['garbage protobuf', 'POST /prov-config HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xff\xff\xff', null],
  ])('R11.4 %s: an error status (or none) and the link closed, nothing stored', async (_name, request, status) => {
    const r = await rig({ security: 0 });
    const raw = rawLink(r.sim, { password: AP_PASSWORD });
    raw.link.write(Buffer.from(request, 'latin1'));
    await advance(r.clock, 500);
    expect(raw.ended()).toBe(true);
    if (status) expect(raw.text()).toMatch(new RegExp(`^HTTP/1\\.1 ${status.source}`));
    else expect(raw.text()).toBe('');
    expect(r.service.softAp.openLinks).toBe(0);
    expect(r.sim.storedStation).toBeUndefined();
    expect(r.prov.getSessionState()).toBe('started');
  });

  it('keep-alive: two requests pipelined on one link are answered in order', async () => {
    const r = await rig({ security: 0 });
    const raw = rawLink(r.sim, { password: AP_PASSWORD });
    const one = 'POST /proto-ver HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc';
    raw.link.write(one + one);
    await advance(r.clock, 500);
    const replies = raw.text().match(/HTTP\/1\.1 200 OK/g) || [];
    expect(replies.length).toBe(2);
    expect(raw.ended()).toBe(false);
    expect(raw.text()).toContain('Set-Cookie: session=');
  });

  it('a reply over 2048 bytes leaves in AT+CIPSEND chunks of at most 2048 and arrives whole', async () => {
    const r = await rig({ security: 0 });
    const big = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    r.service.protocomm.addEndpoint('custom-data', () => big);
    const { c, t } = phone(r, 0);
    await settle(r.clock, c.handshake());
    const got = await settle(r.clock, c.request('custom-data', new Uint8Array([1])));
    expect(Buffer.from(got).equals(Buffer.from(big))).toBe(true);
    const sends = r.at.filter((l) => l.startsWith('AT+CIPSEND=')).map((l) => Number(l.split(',')[1]));
    expect(sends).toContain(2048);
    expect(Math.max(...sends)).toBeLessThanOrEqual(2048);
    await t.close();
  });

  it('a module restart brings the access point and server up again; a phone provisions afterwards', async () => {
    const r = await rig({ security: 0 });
    r.sim.reboot();
    await advance(r.clock, 1000, 20);
    expect(r.sim.softAp.accessPoint).toMatchObject({ ssid: 'PROV_3F2A' });
    expect(r.sim.softAp.serverPort).toBe(80);
    const { c, t } = phone(r, 0);
    await settle(r.clock, c.handshake());
    await settle(r.clock, c.setConfig(HOME));
    await settle(r.clock, c.applyConfig());
    await advance(r.clock, 2000, 20);
    expect(await settle(r.clock, c.status())).toMatchObject({ state: 'connected' });
    await t.close();
  });

  it('bad options are refused with what is allowed', async () => {
    const r = await rig({ security: 0 });
    const { softApTransport } = await import('../src/softap');
    expect(() => softApTransport(r.bridge.client, { ssid: '' })).toThrow(/ssid must be 1\.\.32 bytes/);
    expect(() => softApTransport(r.bridge.client, { ssid: 'x', password: 'short' })).toThrow(/8\.\.63/);
    expect(() => softApTransport(r.bridge.client, { ssid: 'x', channel: 14 })).toThrow(/channel must be an integer 1\.\.13/);
    expect(() => softApTransport(r.bridge.client, { ssid: 'x', sendChunkBytes: 4096 })).toThrow(/1\.\.2048/);
  });

  it('R11.1 an ApplyConfig reply the module could not send (the phone left: ERROR) never starts the join', async () => {
    const r = await rig({ security: 0 });
    const { c, t } = phone(r, 0);
    await settle(r.clock, c.handshake());
    await settle(r.clock, c.setConfig(HOME));
    const softAp = r.sim.softAp;
    const execute = softAp.execute.bind(softAp);
    let trapped = false;
    softAp.execute = (name, rest, args, num) => {
      if (name === '+CIPSEND' && !trapped) {
        trapped = true;
        t.links[t.links.length - 1]!.destroy(); // the phone walks away just before the reply goes out
      }
      return execute(name, rest, args, num);
    };
    await expect(settle(r.clock, c.applyConfig())).rejects.toThrow(/closed the connection/);
    await advance(r.clock, 3000, 20);
    expect(trapped).toBe(true);
    expect(r.at.some((l) => l.startsWith('AT+CWJAP='))).toBe(false);
    expect(r.sim.storedStation).toBeUndefined();
    expect(r.prov.getSessionState()).toBe('started');
    await t.close();
  });

  it('R11.4 a request left incomplete is closed after requestTimeoutMs', async () => {
    const r = await rig({ security: 0, requestTimeoutMs: 5000 });
    const raw = rawLink(r.sim, { password: AP_PASSWORD });
    raw.link.write('POST /prov-session HTTP/1.1\r\nContent-Le');
    await advance(r.clock, 4000, 50);
    expect(raw.ended()).toBe(false);
    await advance(r.clock, 1500, 50);
    expect(raw.ended()).toBe(true);
    expect(r.service.softAp.openLinks).toBe(0);
  });
});

describe('one radio: the SoftAP server and SmartConfig/WPS/BluFi never run together', () => {
  it('a provisioning mode is refused while the SoftAP serves, and works once it stopped', async () => {
    const r = await rig();
    const modes = new ModuleProvisioning(r.bridge.client, r.prov, r.bridge.ports.wifi, { pollIntervalMs: 200 });
    await expect(settle(r.clock, modes.startSmartConfig())).rejects.toMatchObject({ code: 'invalid-state', message: expect.stringContaining('in use by the provisioning SoftAP') });
    expect(r.at.filter((l) => l === 'AT+CWMODE=1')).toEqual([]);
    expect(r.sim.softAp.accessPoint?.ssid).toBe('PROV_3F2A');
    await settle(r.clock, r.service.stop());
    await settle(r.clock, modes.startSmartConfig());
    expect(modes.running).toBe('smartconfig');
    await settle(r.clock, modes.stopSmartConfig());
  });

  it('the SoftAP is refused while a provisioning mode holds the radio', async () => {
    const clock = new SimulatedClock();
    const sim = new EspAtSimulator({ clock, networks: [HOME], joinDelayMs: 800, scanDelayMs: 200, bootDelayMs: 50 });
    const bridge = createEsp32Bridge({ transport: sim, clock, at: { busyRetryDelayMs: 20 } });
    await settle(clock, bridge.open());
    const prov = createProvisioner(bridge.ports);
    await settle(clock, prov.start());
    const modes = new ModuleProvisioning(bridge.client, prov, bridge.ports.wifi, { pollIntervalMs: 200 });
    try {
      await settle(clock, modes.startWps());
      await expect(settle(clock, startSoftApProtocomm(bridge, prov, { security: 2, verifier: verifier(), password: AP_PASSWORD }))).rejects.toMatchObject({
        code: 'invalid-state',
        message: expect.stringContaining('in use by wps'),
      });
      expect(sim.received.filter((l) => l === 'AT+CWMODE=3')).toEqual([]);
    } finally {
      await settle(clock, modes.stopWps());
      await settle(clock, bridge.close());
      sim.destroy();
    }
  });
});
