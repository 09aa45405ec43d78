// Espruino specifics beyond the conformance suite: each platform's Wi-Fi reasons and callback order,
// the connect timeout for firmware that never calls back, retries on the clock port, credentials only
// on persist(), setWatch/clearWatch safety, the LED never read back, the clock across setTime().
import { afterEach, describe, expect, it } from 'vitest';
import type { WifiEvent } from '@provision/core';
import {
  classifyWifiReason,
  createEspruinoButton,
  createEspruinoClock,
  createEspruinoLed,
  createEspruinoPorts,
  createEspruinoStorage,
  createEspruinoSystem,
  createEspruinoWifi,
} from '../src/index';
import { EspruinoSim, simClock, type WifiPlatform } from './espruino-sim';

let undo: (() => void) | undefined;

function board(wifi?: WifiPlatform, startTime?: number, timers?: boolean): EspruinoSim {
  const sim = new EspruinoSim({ wifi, startTime });
  undo = sim.install(globalThis, { timers: !!timers });
  return sim;
}

afterEach(() => {
  if (undo) undo();
  undo = undefined;
});

function wifiRig(platform: WifiPlatform): { sim: EspruinoSim; port: ReturnType<typeof createEspruinoWifi>; events: WifiEvent[] } {
  const sim = board(platform);
  sim.wifi!.networks.Home = 'correct horse';
  const port = createEspruinoWifi({ clock: simClock(sim.time), retryDelayMs: 1000, connectTimeoutMs: 5000 });
  const events: WifiEvent[] = [];
  port.subscribe((e) => events.push(e));
  return { sim, port, events };
}

describe('Wi-Fi reasons per platform (R2)', () => {
  it.each([
    ['202', 'auth-error'],
    ['15', 'auth-error'],
    ['204', 'auth-error'],
    ['201', 'ap-not-found'],
    ['210', 'ap-not-found'],
    ['200', 'other'],
    ['AUTH_FAIL', 'auth-error'],
    ['NO_AP_FOUND', 'ap-not-found'],
    ['bad_password', 'auth-error'],
    ['auth_failed', 'auth-error'],
    ['4way_handshake_timeout', 'auth-error'],
    ['no_ap_found', 'ap-not-found'],
    ['beacon_timeout', 'other'],
    ['WiFi connect failed: +CWJAP:2', 'auth-error'],
    ['WiFi connect failed: +CWJAP:3', 'ap-not-found'],
    ['WiFi connect failed: Timeout', 'other'],
    ['202,15', 'other'],
    [undefined, 'other'],
  ])('classifyWifiReason(%j) is %s', (raw, want) => {
    expect(classifyWifiReason(raw)).toBe(want);
  });

  it.each([
    ['esp32', '202', '201'],
    ['esp8266', 'bad_password', 'no_ap_found'],
    ['espruino-wifi', 'WiFi connect failed: +CWJAP:2', 'WiFi connect failed: +CWJAP:3'],
  ] as const)('R8.5 %s: one disconnected event per failed attempt, raw reason kept', (platform, authRaw, missingRaw) => {
    const { sim, port, events } = wifiRig(platform);
    port.connect({ ssid: 'Home', passphrase: 'wrong horse' }, { persist: false });
    sim.time.advance(900); // one attempt; the ESP8266 SDK's own retry events are not extra failures
    expect(events).toEqual([{ type: 'connecting' }, { type: 'disconnected', reason: 'auth-error', raw: authRaw }]);
    events.length = 0;
    port.connect({ ssid: 'Nowhere', passphrase: 'whatever123' }, { persist: false });
    sim.time.advance(900);
    expect(events).toEqual([{ type: 'connecting' }, { type: 'disconnected', reason: 'ap-not-found', raw: missingRaw }]);
  });

  it('R8.5 retries after a failure on the clock, until disconnect()', () => {
    const { sim, port, events } = wifiRig('esp32');
    port.connect({ ssid: 'Home', passphrase: 'wrong horse' }, { persist: false });
    sim.time.advance(100 + 1000 + 100 + 1000 + 100);
    expect(events.filter((e) => e.type === 'disconnected').length).toBe(3);
    expect(sim.wifi!.connects.length).toBe(3);
    port.disconnect();
    sim.time.advance(10000);
    expect(sim.wifi!.connects.length).toBe(3);
    expect(sim.time.pending()).toBe(0);
  });

  it('a connect the firmware never answers times out as other, then retries', () => {
    const { sim, port, events } = wifiRig('esp32');
    sim.wifi!.silent = true;
    port.connect({ ssid: 'Home', passphrase: 'correct horse' }, { persist: false });
    sim.time.advance(4999);
    expect(events).toEqual([{ type: 'connecting' }]);
    sim.time.advance(1);
    expect(events[1]).toEqual({ type: 'disconnected', reason: 'other', raw: 'timeout' });
    sim.wifi!.silent = false;
    sim.time.advance(1000 + 100);
    expect(events.slice(2)).toEqual([{ type: 'connecting' }, { type: 'connected' }, { type: 'connected', ip: '192.168.1.23' }]);
  });

  it.each(['esp32', 'esp8266', 'espruino-wifi'] as const)('%s: connected once, with the address when the firmware gives one', (platform) => {
    const { sim, port, events } = wifiRig(platform);
    port.connect({ ssid: 'Home', passphrase: 'correct horse' }, { persist: false });
    sim.time.advance(200);
    const connected = events.filter((e) => e.type === 'connected');
    // ESP32 calls back before its event: the address follows in a second `connected`.
    if (platform === 'esp32') expect(connected).toEqual([{ type: 'connected' }, { type: 'connected', ip: '192.168.1.23' }]);
    else if (platform === 'esp8266') expect(connected).toEqual([{ type: 'connected', ip: '192.168.1.23' }]);
    else expect(connected).toEqual([{ type: 'connected' }]);
  });

  it('R3.4 a lost link is reported (200 BEACON_TIMEOUT → other) and rejoined', () => {
    const { sim, port, events } = wifiRig('esp32');
    port.connect({ ssid: 'Home', passphrase: 'correct horse' }, { persist: false });
    sim.time.advance(200);
    events.length = 0;
    sim.wifi!.loseLink();
    expect(events).toEqual([{ type: 'disconnected', reason: 'other', raw: '200' }]);
    sim.time.advance(1000 + 100);
    expect(events.slice(1).map((e) => e.type)).toEqual(['connecting', 'connected', 'connected']);
  });

  it('R8.4 credentials reach flash only on persist(); Wifi.save() only with firmwareSave; forget() clears both', () => {
    const sim = board('esp32');
    sim.wifi!.networks.Home = 'correct horse';
    const port = createEspruinoWifi({ clock: simClock(sim.time), firmwareSave: true });
    port.connect({ ssid: 'Home', passphrase: 'correct horse' }, { persist: false });
    sim.time.advance(200);
    expect(sim.storage.list()).toEqual([]);
    expect(sim.wifi!.saved).toBeNull();
    port.persist();
    expect(sim.storage.list()).toEqual(['prov.w0']);
    expect(sim.wifi!.saved).toEqual({ ssid: 'Home' });
    expect(port.hasStoredCredentials()).toBe(true);
    port.forget();
    expect(sim.storage.list()).toEqual([]);
    expect(sim.wifi!.saved).toBeNull();
    expect(port.hasStoredCredentials()).toBe(false);
  });

  it('R10.3 the passphrase never appears in an event', () => {
    const { sim, port, events } = wifiRig('esp8266');
    port.connect({ ssid: 'Home', passphrase: 'secret-pass-123' }, { persist: false });
    sim.time.advance(3000);
    expect(JSON.stringify(events)).not.toContain('secret-pass-123');
  });

  it('after a reboot, the first subscribe() joins with the persisted credentials', () => {
    const sim = board('esp32');
    sim.wifi!.networks.Home = 'correct horse';
    const first = createEspruinoWifi({ clock: simClock(sim.time) });
    first.connect({ ssid: 'Home', passphrase: 'correct horse', channel: 6 }, { persist: true });
    expect(sim.wifi!.connects[0]).toEqual({ ssid: 'Home', options: { password: 'correct horse', channel: 6 } });
    undo!();
    const again = new EspruinoSim({ wifi: 'esp32', flash: sim.flash });
    undo = again.install(globalThis, { timers: false });
    again.wifi!.networks.Home = 'correct horse';
    const port = createEspruinoWifi({ clock: simClock(again.time) });
    const events: WifiEvent[] = [];
    port.subscribe((e) => events.push(e));
    again.time.advance(200);
    expect(events.map((e) => e.type)).toEqual(['connecting', 'connected', 'connected']);
  });

  it('a board without a Wifi module is refused at creation', () => {
    board();
    expect(() => createEspruinoWifi()).toThrow(/no Wifi module/);
  });

  it('scan() maps each platform to ssid/rssi/secure, strongest first', async () => {
    for (const platform of ['esp32', 'espruino-wifi'] as const) {
      const sim = board(platform);
      sim.wifi!.networks = { Open: '', Home: 'correct horse' };
      const list = await createEspruinoWifi().scan!();
      expect(list).toEqual([
        { ssid: 'Open', rssi: -40, secure: false, channel: 1, bssid: 'aa:bb:cc:dd:ee:00' },
        { ssid: 'Home', rssi: -50, secure: true, channel: 2, bssid: 'aa:bb:cc:dd:ee:01' },
      ]);
      undo!();
      undo = undefined;
    }
  });

  it('scan() on firmware that never answers gives up after connectTimeoutMs with wifi-failed; a late answer is ignored', async () => {
    const sim = board('esp32');
    let late: ((a: unknown) => void) | undefined;
    sim.wifi!.scan = (cb) => {
      late = cb;
    };
    const result = Promise.resolve(createEspruinoWifi({ clock: simClock(sim.time), connectTimeoutMs: 4000 }).scan!()).then(
        () => 'resolved',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      );
    sim.time.advance(3999);
    await Promise.resolve();
    sim.time.advance(1);
    expect(await result).toBe('wifi-failed: Wi-Fi scan failed: no answer from the firmware within 4000 ms');
    late!([{ ssid: 'Home', rssi: -40 }]); // too late: nothing happens
  });
});

describe('button on setWatch', () => {
  it('R5.3 active high on BTN1 by default; edges carry ms on the monotonic clock', () => {
    const sim = board(undefined, 1767225600);
    const port = createEspruinoButton();
    const edges: { pressed: boolean; at: number }[] = [];
    port.watch((e) => edges.push(e));
    sim.time.advance(1000);
    sim.pins.drive('D0', 1);
    expect(port.read()).toBe(true);
    sim.time.advance(250);
    sim.pins.drive('D0', 0);
    expect(edges.map((e) => e.pressed)).toEqual([true, false]);
    expect(edges[1].at - edges[0].at).toBe(250);
    expect(sim.pins.watches[0]).toMatchObject({ pin: 'D0', repeat: true, edge: 'both', debounce: 0 });
  });

  it('pull-up and firmware debounce: pinMode input_pullup, debounce passed on, hardwareDebounce set', () => {
    const sim = board();
    const port = createEspruinoButton({ pin: 'D4', activeLow: true, pullUp: true, debounceMs: 30 });
    expect(port.hardwareDebounce).toBe(true);
    expect(port.read()).toBe(false); // pulled up = released
    const edges: boolean[] = [];
    port.watch((e) => edges.push(e.pressed));
    sim.pins.drive('D4', 0);
    sim.time.advance(10);
    sim.pins.drive('D4', undefined); // a bounce shorter than the debounce
    sim.time.advance(10);
    sim.pins.drive('D4', 0);
    sim.time.advance(30);
    expect(edges).toEqual([true]);
  });

  it('the unwatch function clears its own watch once and never calls clearWatch(undefined)', () => {
    const sim = board();
    const port = createEspruinoButton({ pin: 'D1' });
    const other = sim.pins.setWatch(() => undefined, 'D2', { repeat: true });
    const unwatch = port.watch(() => undefined);
    unwatch();
    unwatch();
    expect(sim.pins.watches.map((w) => w.id)).toEqual([other]);
  });

  it('a board without BTN1 needs a pin', () => {
    const sim = new EspruinoSim({ board: {} });
    undo = sim.install(globalThis, { timers: false });
    expect(() => createEspruinoButton()).toThrow(/button.pin is required/);
  });
});

describe('LED', () => {
  it('R6.1 active low on LED1: writes the pin, keeps the state in JS, never reads the pin back', () => {
    const sim = board();
    const led = createEspruinoLed({ activeHigh: false });
    led.set(true);
    expect(sim.pins.level('D5')).toBe(0);
    expect(led.isLit()).toBe(true);
    led.set(false);
    expect(sim.pins.level('D5')).toBe(1);
    expect(led.isLit()).toBe(false);
    expect(sim.pins.reads.get('D5')).toBeUndefined();
  });
});

describe('clock and system', () => {
  it('clearTimeout guards undefined and fired timers (Espruino would throw or clear them all)', () => {
    const sim = board(undefined, 0, true);
    const clock = createEspruinoClock();
    let fired = 0;
    sim.time.setTimeout(() => fired++, 50); // someone else's timer
    const h = clock.setTimeout(() => fired++, 10);
    clock.clearTimeout(undefined);
    clock.clearTimeout(null);
    sim.time.advance(20);
    clock.clearTimeout(h);
    sim.time.advance(50);
    expect(fired).toBe(2);
  });

  it('R5.4 uptime counts from boot, and setTime() (the IDE sets it on connect) does not make it jump', () => {
    const sim = board(undefined, 0);
    const system = createEspruinoSystem();
    sim.time.advance(5000);
    const a = system.uptimeMs!() as number;
    expect(a).toBeGreaterThanOrEqual(5000);
    sim.time.setTime(1767225600); // a jump of 56 years
    sim.time.advance(1000);
    const b = system.uptimeMs!() as number;
    expect(b - a).toBeGreaterThanOrEqual(0);
    expect(b - a).toBeLessThanOrEqual(1000);
    sim.time.setTime(1000); // and back
    const c = system.uptimeMs!() as number;
    expect(c).toBeGreaterThanOrEqual(b);
    system.reboot();
    expect(sim.reboots).toBe(1);
  });
});

describe('createEspruinoPorts and option checks', () => {
  it('builds the ports with one shared clock, the credentials file beside the record', () => {
    const sim = board('esp32');
    sim.wifi!.networks.Home = 'correct horse';
    const ports = createEspruinoPorts({ storage: { prefix: 'dev' }, button: true, led: { pin: 'D2' }, wifi: { retryDelayMs: 100 } });
    expect(Object.keys(ports).sort()).toEqual(['button', 'clock', 'led', 'storage', 'system', 'wifi']);
    ports.wifi!.connect({ ssid: 'Home', passphrase: 'correct horse' }, { persist: true });
    expect(sim.storage.list()).toEqual(['dev.w0']);
    expect(Object.keys(createEspruinoPorts()).sort()).toEqual(['clock', 'storage', 'system']);
  });

  it('R9.1 refuses Storage names Espruino would truncate, and listing the module itself', () => {
    board();
    expect(() => createEspruinoStorage({ prefix: 'x'.repeat(26) })).toThrow(/storage.prefix must be a string of 1..27/);
    expect(() => createEspruinoStorage({ files: ['provision'] })).toThrow(/storage.files\[0\]/);
    expect(() => createEspruinoStorage({ files: ['y'.repeat(29)] })).toThrow(/storage.files\[0\]/);
    expect(() => createEspruinoButton({ pin: 'D1', debounceMs: -1 })).toThrow(/button.debounceMs/);
  });
});
