import type { WifiEvent } from '@provision/core';
import { describe, expect, it } from 'vitest';
import { createModuleButton, createModuleLed } from '../src/gpio';
import { checkPin } from '../src/chips';
import { createModuleStorage } from '../src/storage';
import { createModuleSystem } from '../src/system';
import { createModuleWifi } from '../src/wifi';
import { attachToMockBinding } from '../src/simulator';
import type { EspAtSimulator } from '../src/simulator';
import { advance, CAFE, HOME, rig, settle, until } from './helpers';
import type { Rig } from './helpers';

/** Every port test runs over @serialport/binding-mock: a real SerialPortStream in front of the simulator. */
function mockRig(sim: Parameters<typeof rig>[0] = {}): Promise<Rig> {
  return rig({ ...sim, transport: (s: EspAtSimulator) => { const m = attachToMockBinding(s); return () => m.open(); } });
}

async function wifiRig(opts: { joinDelayMs?: number } = {}) {
  const r = await mockRig({ sim: { joinDelayMs: opts.joinDelayMs ?? 1000, networks: [HOME, CAFE, { ssid: 'Open', rssi: -80 }] } });
  const wifi = createModuleWifi(r.client, { retryDelayMs: 5000 });
  const events: WifiEvent[] = [];
  wifi.subscribe((e) => events.push(e));
  return { ...r, wifi, events };
}

describe('Wi-Fi port over the simulator (mock binding)', () => {
  it('R8.4: connect() probes with AT+SYSSTORE=0; nothing reaches the module flash until persist()', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'connected'));
    expect(events).toEqual([{ type: 'connecting' }, { type: 'connected', ip: '192.168.4.23' }]);
    expect(sim.received).toContain('AT+SYSSTORE=0');
    expect(sim.storedStation).toBeUndefined();
    expect(await settle(clock, wifi.hasStoredCredentials())).toBe(false);

    await settle(clock, wifi.persist());
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(sim.autoConnect).toBe(true);
    expect(await settle(clock, wifi.hasStoredCredentials())).toBe(true);
    // The re-join that stores the credentials is not reported as a disconnect.
    expect(events.map((e) => e.type)).toEqual(['connecting', 'connected']);
  });

  it('connect({persist: true}) stores at once (ESP-IDF behaviour)', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(HOME, { persist: true }));
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(await settle(clock, wifi.hasStoredCredentials())).toBe(true);
    await until(clock, () => events.some((e) => e.type === 'connected'));
  });

  it('R8.5: +CWJAP:2 → auth-error, +CWJAP:3 → ap-not-found, raw code kept; the adapter keeps retrying', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect({ ssid: HOME.ssid, passphrase: 'wrong password!' }, { persist: false }));
    await until(clock, () => events.filter((e) => e.type === 'disconnected').length >= 2);
    expect(events.slice(0, 4)).toEqual([
      { type: 'connecting' },
      { type: 'disconnected', reason: 'auth-error', raw: 2 },
      { type: 'connecting' },
      { type: 'disconnected', reason: 'auth-error', raw: 2 },
    ]);
    expect(JSON.stringify(events)).not.toContain('wrong password!');

    events.length = 0;
    await settle(clock, wifi.connect({ ssid: 'Nowhere', passphrase: 'whatever123' }, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'disconnected'));
    expect(events[1]).toEqual({ type: 'disconnected', reason: 'ap-not-found', raw: 3 });

    // The AP appears: the next retry joins.
    sim.addNetwork({ ssid: 'Nowhere', passphrase: 'whatever123' });
    await until(clock, () => events.some((e) => e.type === 'connected'));
  });

  it('+CWJAP:1 (timeout, after jap_timeout) and +CWJAP:4 are classified other', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    sim.faults.joinFailures = [1, 4];
    const t0 = clock.now();
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await until(clock, () => events.filter((e) => e.type === 'disconnected').length >= 2, 200_000);
    const d = events.filter((e) => e.type === 'disconnected');
    expect(d).toEqual([
      { type: 'disconnected', reason: 'other', raw: 1 },
      { type: 'disconnected', reason: 'other', raw: 4 },
    ]);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(15_000);
    await until(clock, () => events.some((e) => e.type === 'connected'));
  });

  it('R3.4: a lost link is reported as other; the module reconnects by itself', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'connected'));
    events.length = 0;
    sim.removeNetwork(HOME.ssid);
    await until(clock, () => events.length > 0);
    expect(events).toEqual([{ type: 'disconnected', reason: 'other', raw: 'WIFI DISCONNECT' }]);
    sim.addNetwork(HOME);
    await until(clock, () => events.some((e) => e.type === 'connected'));
  });

  it('a module reboot drops RAM-only credentials: reported, then the adapter joins again', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'connected'));
    events.length = 0;
    sim.reboot();
    await until(clock, () => events.some((e) => e.type === 'connected'), 60_000);
    expect(events[0]).toEqual({ type: 'disconnected', reason: 'other', raw: 'module restarted' });
    expect(sim.storedStation).toBeUndefined();
    expect(sim.received.filter((l) => l === 'AT+SYSSTORE=0').length).toBeGreaterThanOrEqual(2);
  });

  it('SSIDs and passphrases with , " and \\ are escaped on the wire', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(CAFE, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'connected'));
    expect(sim.received).toContain('AT+CWJAP="Cafe\\, \\"Le Bar\\" \\\\ 2.4","espresso\\,\\"doppio\\"\\\\"');
  });

  it('disconnect() drops unpersisted credentials; forget() also turns auto-connect off and clears the marker', async () => {
    const { clock, sim, wifi, events } = await wifiRig();
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await until(clock, () => events.some((e) => e.type === 'connected'));
    await settle(clock, wifi.disconnect());
    expect(sim.stationState).toBe(4);
    await advance(clock, 20_000);
    expect(events.map((e) => e.type)).toEqual(['connecting', 'connected']);

    await settle(clock, wifi.connect(HOME, { persist: true }));
    await until(clock, () => events.filter((e) => e.type === 'connected').length === 2);
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
    await settle(clock, wifi.forget());
    expect(sim.autoConnect).toBe(false);
    expect(await settle(clock, wifi.hasStoredCredentials())).toBe(false);
    // R7.2: by default the passphrase is really erased from the module's flash (AT+RESTORE).
    expect(sim.storedStation).toBeUndefined();
  });

  it('eraseWithRestore: false keeps the module settings: forget() only disables auto-connect', async () => {
    const r = await mockRig({ sim: { joinDelayMs: 1000, networks: [HOME] } });
    const wifi = createModuleWifi(r.client, { retryDelayMs: 5000, eraseWithRestore: false });
    const events: WifiEvent[] = [];
    wifi.subscribe((e) => events.push(e));
    await settle(r.clock, wifi.connect(HOME, { persist: true }));
    await until(r.clock, () => events.some((e) => e.type === 'connected'));
    await settle(r.clock, wifi.forget());
    expect(r.sim.autoConnect).toBe(false);
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(await settle(r.clock, wifi.hasStoredCredentials())).toBe(false);
  });

  it('scan() lists networks strongest first, with commas and quotes in SSIDs intact', async () => {
    const { clock, wifi } = await wifiRig();
    const list = await settle(clock, wifi.scan());
    expect(list.map((n) => [n.ssid, n.secure])).toEqual([
      [HOME.ssid, true],
      [CAFE.ssid, true],
      ['Open', false],
    ]);
    expect(list[0]!.bssid).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  it('connect() rejects only when the settings cannot be applied at all (module silent)', async () => {
    const { clock, sim, wifi } = await wifiRig();
    sim.faults.mute = true;
    await expect(settle(clock, wifi.connect(HOME, { persist: false }))).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('storage port on the module NVS (AT+SYSMFG)', () => {
  it('round-trips the record and journal as JSON strings in its own namespace', async () => {
    const { clock, client, sim } = await mockRig();
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toBeUndefined();
    await settle(clock, storage.save({ v: 1, max: 2, wifiConfigured: true }));
    await settle(clock, storage.saveJournal({ resets: [{ cause: 'app', at: 7 }], buttonLatched: false }));
    // JSON with a checksum field, so a value damaged on the UART is never taken for the stored one.
    expect(JSON.parse(sim.nvsValue('provision', 'record')!)).toEqual({ v: 1, max: 2, wifiConfigured: true, sum: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 2, wifiConfigured: true });
    expect(await settle(clock, storage.loadJournal())).toEqual({ resets: [{ cause: 'app', at: 7 }], buttonLatched: false });
  });

  it('R10.2: a save cut by a module reset leaves the old record', async () => {
    const { clock, client, sim } = await mockRig();
    const storage = createModuleStorage(client);
    await settle(clock, storage.save({ v: 1, max: 1, wifiConfigured: false }));
    sim.faults.rebootDuring = 'AT+SYSMFG=2';
    await expect(settle(clock, storage.save({ v: 1, max: 3, wifiConfigured: true }))).rejects.toMatchObject({ code: 'storage-failed' });
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 1, wifiConfigured: false });
  });

  it('R3.6: a corrupt record throws storage-failed and is left as it is', async () => {
    const { clock, client, sim } = await mockRig();
    const storage = createModuleStorage(client);
    sim.setNvsValue('provision', 'record', '{"v":1,"max":');
    await expect(settle(clock, storage.load())).rejects.toMatchObject({ code: 'storage-failed' });
    expect(sim.nvsValue('provision', 'record')).toBe('{"v":1,"max":');
  });

  it('wipe() erases the record and the app keys, keeps the journal; the data survives AT+RESTORE', async () => {
    const { clock, client, sim } = await mockRig();
    const storage = createModuleStorage(client, { userKeys: ['appcfg'] });
    await settle(clock, storage.nvs.write('appcfg', '{"a":1}'));
    await settle(clock, storage.save({ v: 1, max: 3, wifiConfigured: true }));
    await settle(clock, storage.saveJournal({ resets: [], buttonLatched: true }));
    await settle(clock, createModuleSystem(client).restoreFactory());
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 3, wifiConfigured: true });
    await settle(clock, storage.wipe());
    expect(await settle(clock, storage.load())).toBeUndefined();
    expect(sim.nvsValue('provision', 'appcfg')).toBeUndefined();
    expect(await settle(clock, storage.loadJournal())).toEqual({ resets: [], buttonLatched: true });
    await settle(clock, storage.wipe());
  });

  it('refuses reserved or invalid user keys', async () => {
    const { client } = await mockRig();
    expect(() => createModuleStorage(client, { userKeys: ['journal'] })).toThrow(/reserved/);
    expect(() => createModuleStorage(client, { userKeys: ['far-too-long-key-name'] })).toThrow(/NVS name/);
  });
});

describe('system port', () => {
  it('reboot() restarts the module (AT+RST until ready), then calls the host hook once', async () => {
    const { clock, client, sim } = await mockRig();
    let host = 0;
    const system = createModuleSystem(client, { hostReboot: () => void host++ });
    const boots = sim.boots;
    await settle(clock, system.reboot());
    expect(sim.boots).toBe(boots + 1);
    expect(host).toBe(1);
  });

  it('R7.3: the host reboot happens even when the module does not answer; the failure is then reported', async () => {
    const { clock, client, sim } = await mockRig();
    let host = 0;
    const system = createModuleSystem(client, { hostReboot: () => void host++ });
    sim.faults.mute = true;
    await expect(settle(clock, system.reboot())).rejects.toMatchObject({ code: 'timeout' });
    expect(host).toBe(1);
  });

  it('restoreFactory() sends AT+RESTORE: stored credentials are gone from the module', async () => {
    const { clock, client, sim } = await mockRig({ sim: { networks: [HOME] } });
    const wifi = createModuleWifi(client);
    await settle(clock, wifi.connect(HOME, { persist: true }));
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
    await settle(clock, createModuleSystem(client).restoreFactory());
    expect(sim.storedStation).toBeUndefined();
  });
});

describe('GPIO through AT+SYSREG', () => {
  it('the LED routes the pad to GPIO_OUT and sets it with W1TS/W1TC (ESP32, ESP32-C3, ESP32-S3 bank 1)', async () => {
    for (const [chip, pin, extra] of [
      ['esp32', 2, {}],
      ['esp32c3', 8, {}],
      ['esp32s3', 38, { atUartPins: [17, 18, 19, 20] }],
    ] as const) {
      const { clock, client, sim } = await mockRig({ sim: { chip } });
      const led = createModuleLed(client, { chip, pin, ...extra });
      await settle(clock, led.set(true));
      expect(sim.pin(pin)).toMatchObject({ gpio: true, output: true, high: true });
      await settle(clock, led.set(false));
      expect(sim.pin(pin)).toMatchObject({ output: true, high: false });
      const inverted = createModuleLed(client, { chip, pin, activeHigh: false, ...extra });
      await settle(clock, inverted.set(true));
      expect(sim.pin(pin).high).toBe(false);
    }
  });

  it('the button enables input and pull-up, reads the level, and polls edges at the interval', async () => {
    const { clock, client, sim } = await mockRig({ sim: { chip: 'esp32c3' } });
    const button = createModuleButton(client, { chip: 'esp32c3', pin: 9, pollIntervalMs: 50 });
    expect(await settle(clock, button.read())).toBe(false); // pull-up, nothing pressing
    expect(sim.pin(9)).toMatchObject({ gpio: true, inputEnabled: true, pullUp: true, output: false });
    sim.setPin(9, false);
    expect(await settle(clock, button.read())).toBe(true);
    sim.setPin(9, undefined);
    const edges: Array<{ pressed: boolean; at: number }> = [];
    const stop = button.watch((e) => edges.push(e));
    await advance(clock, 200);
    const pressedAt = clock.now();
    sim.setPin(9, false);
    await until(clock, () => edges.length === 1);
    expect(edges[0]!.pressed).toBe(true);
    expect(edges[0]!.at - pressedAt).toBeLessThanOrEqual(60);
    sim.setPin(9, true);
    await until(clock, () => edges.length === 2);
    expect(edges[1]!.pressed).toBe(false);
    stop();
    stop();
    const reads = sim.received.length;
    await advance(clock, 1000);
    expect(sim.received.length).toBe(reads);
  });

  it('during a blocking AT+CWJAP the button is seen only after the join (documented latency)', async () => {
    const { clock, client, sim } = await mockRig({ sim: { joinDelayMs: 4000, networks: [HOME] } });
    const button = createModuleButton(client, { chip: 'esp32', pin: 18, pollIntervalMs: 50 });
    const wifi = createModuleWifi(client);
    const edges: number[] = [];
    button.watch((e) => e.pressed && edges.push(e.at));
    await advance(clock, 200);
    const events: WifiEvent[] = [];
    wifi.subscribe((e) => events.push(e));
    await settle(clock, wifi.connect(HOME, { persist: false }));
    await advance(clock, 500);
    const pressedAt = clock.now();
    sim.setPin(18, false);
    await until(clock, () => edges.length === 1);
    const connectedAt = events.some((e) => e.type === 'connected');
    expect(connectedAt).toBe(true);
    expect(edges[0]! - pressedAt).toBeGreaterThan(3000);
    button.close();
  });

  it('refuses unsafe pins with an error naming the pin and the chip', () => {
    expect(() => checkPin('esp32', 6, { direction: 'output' })).toThrow('GPIO6 cannot be used on the ESP32: it is connected to the SPI flash');
    expect(() => checkPin('esp32', 17, { direction: 'output' })).toThrow('GPIO17 cannot be used on the ESP32: it is an AT UART pin');
    expect(() => checkPin('esp32', 34, { direction: 'output' })).toThrow(/GPIO34 .* ESP32: it is input-only/);
    expect(() => checkPin('esp32', 0, { direction: 'input', pullUp: true })).toThrow(/GPIO0 .* pull-up is not in IO_MUX/);
    expect(() => checkPin('esp32c3', 14, { direction: 'input' })).toThrow('GPIO14 cannot be used on the ESP32-C3: it is connected to the SPI flash');
    expect(() => checkPin('esp32c3', 7, { direction: 'output' })).toThrow(/GPIO7 .* ESP32-C3: it is an AT UART pin/);
    expect(() => checkPin('esp32s3', 4, { direction: 'output' })).toThrow(/atUartPins is required on the ESP32-S3/);
    expect(() => checkPin('esp32s3', 35, { direction: 'output', atUartPins: [17, 18] })).toThrow(/GPIO35 .* ESP32-S3: .*PSRAM/);
    expect(() => checkPin('esp32', 24, { direction: 'output' })).toThrow(/GPIO24 .* no such GPIO/);
    expect(() => checkPin('esp32', 16, { direction: 'output', atUartPins: [22, 19, 15, 14] })).toThrow(/PSRAM/);
    expect(checkPin('esp32', 18, { direction: 'input', pullUp: true }).name).toBe('ESP32');
    expect(() => createModuleLed({} as never, { chip: 'esp32', pin: 9 })).toThrow(/GPIO9/);
  });
});
