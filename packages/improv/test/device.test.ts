// The Improv device over a real provisioner with simulated Wi-Fi and time: every command, the
// session wiring (R11.1, R11.2), the connect timeout, validation, and the idle-gap drop.
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeRpc, ImprovDecoder } from '../src/index';
import { HOME, parseFrames, resultStrings, rig, settingsData } from './helpers';

describe('send Wi-Fi settings (R11.1)', () => {
  it('R11.1 goes through configureSta: provisioning, then provisioned with the next URL; persisted only after it worked', async () => {
    const r = await rig({ joinMs: 2000 });
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(r.take()).toEqual(['error 0', 'state 3']);
    expect(r.dev.wifi.applied()).toEqual({ ssid: 'HomeNet', passphrase: HOME.passphrase });
    expect(r.dev.wifi.stored()).toBeUndefined();
    expect(r.improv.state()).toBe(3);
    r.dev.clock.advance(2000);
    expect(r.take()).toEqual(['state 4', 'result 1 ["http://192.168.1.50/setup"]']);
    expect(r.dev.wifi.stored()).toEqual({ ssid: 'HomeNet', passphrase: HOME.passphrase });
    expect(r.dev.prov.getSessionState()).toBe('success');
    expect(r.dev.prov.isWifiConfigured()).toBe(true);
  });

  it('R11.2 a wrong password: error 3 with the reason logged (never the password), ready again, then success without a reboot', async () => {
    const r = await rig({ joinMs: 500 });
    r.rpc(1, settingsData(HOME.ssid, 'wrong password'));
    r.dev.clock.advance(500);
    expect(r.take()).toEqual(['error 0', 'state 3', 'error 3', 'state 2']);
    expect(r.logs).toEqual(['Improv: unable to connect to "HomeNet": auth-error (WRONG_KEY)']);
    expect(r.logs.join('\n')).not.toContain('wrong password');
    expect(r.dev.prov.getSessionState()).toBe('started');
    expect(r.dev.wifi.stored()).toBeUndefined();
    // The simulated supplicant retried nothing: the unverified credentials were discarded.
    r.dev.clock.advance(10_000);
    expect(r.take()).toEqual([]);
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    r.dev.clock.advance(500);
    expect(r.take()).toEqual(['error 0', 'state 3', 'state 4', 'result 1 ["http://192.168.1.50/setup"]']);
    expect(r.dev.system.reboots).toEqual([]);
  });

  it('R11.1 a network not in range: error 3, ap-not-found logged', async () => {
    const r = await rig();
    r.rpc(1, settingsData('Elsewhere', 'whatever123'));
    expect(r.take()).toEqual(['error 0', 'state 3', 'error 3', 'state 2']);
    expect(r.logs).toEqual(['Improv: unable to connect to "Elsewhere": ap-not-found (NO_AP_FOUND)']);
  });

  it('R11.2 no connection within 30 s: error 3, the session back to started, the credentials dropped', async () => {
    const r = await rig({ joinMs: 1000 });
    r.dev.wifi.answer('other'); // associates, never gets an address: the session keeps retrying
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(r.take()).toEqual(['error 0', 'state 3']);
    r.dev.clock.advance(29_999);
    expect(r.take()).toEqual([]);
    r.dev.clock.advance(1);
    expect(r.take()).toEqual(['error 3', 'state 2']);
    expect(r.logs).toEqual(['Improv: unable to connect to "HomeNet": no connection within 30000 ms']);
    expect(r.dev.prov.getSessionState()).toBe('started');
    expect(r.dev.wifi.applied()).toBeUndefined();
    const attempts = r.dev.wifi.attempts;
    r.dev.clock.advance(60_000);
    expect(r.dev.wifi.attempts).toBe(attempts);
  });

  it('R11.2 a second provision after a success works (before and after the session stopped itself)', async () => {
    const r = await rig();
    r.dev.wifi.addNetwork('Office', 'office-pass-1');
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(r.take().slice(-2)).toEqual(['state 4', 'result 1 ["http://192.168.1.50/setup"]']);
    r.rpc(1, settingsData('Office', 'office-pass-1'));
    expect(r.take()).toEqual(['error 0', 'state 3', 'state 4', 'result 1 ["http://192.168.1.50/setup"]']);
    expect(r.dev.wifi.stored()!.ssid).toBe('Office');
    r.dev.clock.advance(30_000); // autoStopMs: the session ends
    expect(r.dev.prov.getSessionState()).toBe('idle');
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(r.take()).toEqual(['error 0', 'state 3', 'state 4', 'result 1 ["http://192.168.1.50/setup"]']);
    expect(r.dev.wifi.stored()!.ssid).toBe('HomeNet');
  });

  it('R9.2 credentials the device refuses: error 1, nothing applied or stored, the reason logged', async () => {
    const r = await rig();
    r.rpc(1, settingsData('x'.repeat(33), HOME.passphrase));
    await Promise.resolve();
    r.rpc(1, settingsData(HOME.ssid, 'short'));
    await Promise.resolve();
    expect(r.take()).toEqual(['error 0', 'error 1', 'state 2', 'error 0', 'error 1', 'state 2']);
    expect(r.dev.wifi.calls.connect).toBeUndefined();
    expect(r.logs[0]).toMatch(/^Improv: credentials for "x+" refused: .*ssid/);
    expect(r.logs[1]).toMatch(/passphrase/);
    expect(r.logs.join('\n')).not.toContain('short');
  });

  it('R11.4 malformed send-settings (lengths past the data, not UTF-8): error 1, nothing tried', async () => {
    const r = await rig();
    r.rpc(1, [5, 65, 66]);
    r.rpc(1, [1, 65, 9, 1, 2]);
    r.rpc(1, [2, 0xc3, 0x28, 0]);
    r.improv.receive(encodeFrame(3, [1, 9, 1, 65, 0]));
    expect(r.take()).toEqual(['error 1', 'error 1', 'error 1', 'error 1']);
    expect(r.dev.wifi.calls.connect).toBeUndefined();
    expect(r.logs[3]).toMatch(/malformed RPC: 5 data bytes, command length byte 9/);
  });

  it('R11.3 credentials from elsewhere being tried: the Improv client sees provisioning and is refused', async () => {
    const r = await rig({ joinMs: 1000 });
    r.dev.prov.startSession();
    void r.dev.prov.configureSta(HOME);
    expect(r.take()).toEqual(['state 3']);
    r.rpc(1, settingsData('Café', ''));
    expect(r.take()).toEqual(['state 3', 'error 255']);
    r.dev.clock.advance(1000);
    expect(r.take()).toEqual(['state 4']);
    expect(r.dev.wifi.stored()!.ssid).toBe('HomeNet');
  });
});

describe('the other commands', () => {
  it('request state: ready; provisioned with the URL once connected', async () => {
    const r = await rig();
    r.rpc(2);
    expect(r.take()).toEqual(['state 2']);
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    r.take();
    r.rpc(2);
    expect(r.take()).toEqual(['state 4', 'result 2 ["http://192.168.1.50/setup"]']);
  });

  it('device info: firmware, version, platform, device name, and the OS when given', async () => {
    const r = await rig({ improv: { osName: 'Linux', osVersion: '6.6' } });
    r.rpc(3);
    expect(r.take()).toEqual(['result 3 ["thermostat","1.4.0","Simulated","Hall thermostat","Linux","6.6"]']);
  });

  it('scan: one result per network, then an empty one; without scan support, error 2', async () => {
    const r = await rig();
    r.rpc(4);
    expect(r.take()).toEqual(['result 4 ["HomeNet","-40","YES"]', 'result 4 ["Café","-47","NO"]', 'result 4 []']);
    const bare = await rig({ improv: { scan: undefined } });
    bare.rpc(4);
    expect(bare.take()).toEqual(['error 2']);
  });

  it('hostname: read, set (an RFC 1123 label only), and error 2 without support', async () => {
    let host = 'thermostat-3f2a';
    const r = await rig({ improv: { hostname: { get: () => host, set: async (h) => void (host = h) } } });
    r.rpc(5);
    expect(r.take()).toEqual(['result 5 ["thermostat-3f2a"]']);
    r.rpc(5, [...Buffer.from('hall-1')]);
    await new Promise((done) => setImmediate(done));
    expect(r.take()).toEqual(['result 5 ["hall-1"]']);
    r.rpc(5, [...Buffer.from('-bad')]);
    r.rpc(5, [...Buffer.from('has space')]);
    expect(r.take()).toEqual(['error 5', 'error 5']);
    const bare = await rig();
    bare.rpc(5);
    expect(bare.take()).toEqual(['error 2']);
  });

  it('device name: read always; set only with setDeviceName', async () => {
    const names: string[] = [];
    const r = await rig({ improv: { setDeviceName: (n) => void names.push(n) } });
    r.rpc(6);
    r.rpc(6, [...Buffer.from('Kitchen')]);
    r.rpc(3);
    expect(r.take()).toEqual(['result 6 ["Hall thermostat"]', 'result 6 ["Kitchen",""]', 'result 3 ["thermostat","1.4.0","Simulated","Kitchen"]']);
    expect(names).toEqual(['Kitchen']);
    const bare = await rig();
    bare.rpc(6, [...Buffer.from('Kitchen')]);
    expect(bare.take()).toEqual(['error 2']);
  });

  it('unknown commands: error 2; frames of other types are ignored', async () => {
    const r = await rig();
    r.rpc(7);
    r.improv.receive(encodeFrame(1, [2]));
    expect(r.take()).toEqual(['error 2']);
    expect(r.logs).toEqual(['Improv: unknown command 7', 'Improv: ignored a frame of type 1 (a client sends RPC frames, type 3)']);
  });

  it('a result whose length byte would be a newline (10) gets an empty string more (the reference client drops such frames)', async () => {
    // device info: 2 + (1+1)+(1+1)+(1+1)+(1+1) = 10 bytes
    const r = await rig({ improv: { firmware: 'f', version: '1', platform: 'p', deviceName: 'n' } });
    r.rpc(3);
    const frames = parseFrames(r.written);
    expect(frames[0]!.data.length).toBe(11);
    expect(resultStrings(frames[0]!.data)).toEqual(['f', '1', 'p', 'n', '']);
  });

  it('nextUrl: {name} is URL-encoded; a function gets ip, ssid and name; an unknown {ip} gives an empty result', async () => {
    const r = await rig({ improv: { nextUrl: (c) => `https://example.com/claim?ssid=${c.ssid}&ip=${c.ip}&name=${c.deviceName}` } });
    r.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(r.take().slice(-1)).toEqual(['result 1 ["https://example.com/claim?ssid=HomeNet&ip=192.168.1.50&name=Hall thermostat"]']);
    const t = await rig({ improv: { nextUrl: 'http://{name}.local/' } });
    t.rpc(1, settingsData(HOME.ssid, HOME.passphrase));
    expect(t.take().slice(-1)).toEqual(['result 1 ["http://Hall%20thermostat.local/"]']);
    const u = await rig();
    u.dev.wifi.answer('connect');
    void u.dev.prov.configureSta(HOME); // connected before Improv saw an address
    const late = await rig();
    late.improv.close();
    expect(u.improv.state()).toBe(4);
  });
});

describe('framing', () => {
  it('R11.4 a partial frame is dropped after the idle gap (100 ms); the next frame is answered', async () => {
    const r = await rig();
    const frame = encodeRpc(2, []);
    r.improv.receive(frame.slice(0, 8));
    r.dev.clock.advance(101);
    expect(r.logs).toEqual(['Improv frame dropped: cut off after 8 bytes (no byte for 100 ms)']);
    r.improv.receive(frame.slice(8));
    expect(r.take()).toEqual([]);
    r.improv.receive(frame);
    expect(r.take()).toEqual(['state 2']);
  });

  it('a frame split across chunks within the gap is answered', async () => {
    const r = await rig();
    const frame = encodeRpc(2, []);
    for (const b of frame) {
      r.improv.receive([b]);
      r.dev.clock.advance(90);
    }
    expect(r.take()).toEqual(['state 2']);
  });

  it('other traffic passes through unchanged and in order; a held "I…" is released when it diverges or after the gap', async () => {
    const r = await rig();
    r.improv.receive(Buffer.concat([Buffer.from("print('Hi')\nIMPROVE\n"), encodeRpc(2, []), Buffer.from('IMP')]));
    expect(r.take()).toEqual(['state 2']);
    expect(r.other.join('')).toBe("print('Hi')\nIMPROVE\n");
    r.dev.clock.advance(100);
    expect(r.other.join('')).toBe("print('Hi')\nIMPROVE\nIMP");
  });

  it('the decoder accepts byte strings (Espruino data events) as well as bytes', () => {
    const frames: number[][] = [];
    const clock = { now: () => 0, setTimeout: () => 1, clearTimeout: () => undefined };
    const dec = new ImprovDecoder({ clock }, { frame: (t, d, n) => frames.push([t, ...d.slice(0, n)]), drop: () => undefined });
    dec.feed(Buffer.from(encodeRpc(3, [])).toString('latin1'));
    expect(frames).toEqual([[3, 3, 0]]);
  });
});
