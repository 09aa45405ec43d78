// The reference Improv client (improv-wifi-serial-sdk, the Improv authors' own) driving our device
// over a real PTY pair: socat, the real serialport binding on both ends, a real provisioner with the
// simulated Wi-Fi. Real time: every wait is for an event, bounded by the client's own timeouts.
import { afterEach, describe, expect, it } from 'vitest';
import { createProvisioner, defaultClock, type Provisioner } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi, type SimulatedWifi } from '@provision/core/testing';
import { encodeFrame, encodeState } from '../src/index';
import { attachImprov, type ImprovTransport } from '../src/serial';
import { createPtyPair, HAS_SOCAT, loadImprovSerial, openWebSerial, type PtyPair, type WebSerialShim } from './pty';

interface Setup {
  prov: Provisioner;
  wifi: SimulatedWifi;
  reboots: number[];
  logs: string[];
  client: InstanceType<Awaited<ReturnType<typeof loadImprovSerial>>>;
  states: number[];
}

const quiet = { log: () => undefined, error: () => undefined, debug: () => undefined };

describe.skipIf(!HAS_SOCAT)('R11.1 the real Improv client over a PTY (socat + serialport)', () => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });

  async function setup(device: Partial<Parameters<typeof attachImprov>[1]> = {}): Promise<Setup> {
    const pair: PtyPair = await createPtyPair();
    cleanups.push(() => pair.close());
    const wifi = createSimulatedWifi(defaultClock, { joinMs: 150, retryMs: 60_000 });
    wifi.addNetwork('HomeNet', 'correct horse battery');
    wifi.addNetwork('Café', '');
    const system = createRecordingSystem(defaultClock);
    const prov = createProvisioner({ clock: defaultClock, storage: createMemoryStorage(), system, wifi }, { button: { holdMs: -1 } });
    await prov.start();
    cleanups.push(async () => {
      prov.stopSession();
      prov.stop();
    });
    const logs: string[] = [];
    const transport: ImprovTransport = await attachImprov(prov, {
      path: pair.device,
      firmware: 'thermostat',
      version: '1.4.0',
      platform: 'Linux x64',
      deviceName: 'Hall thermostat',
      osName: 'Linux',
      osVersion: '6.6.0',
      nextUrl: 'http://{ip}/welcome',
      scan: () => wifi.scan!(),
      log: (l) => logs.push(l),
      ...device,
    });
    cleanups.push(() => transport.close());
    const serial: WebSerialShim = await openWebSerial(pair.host);
    cleanups.push(() => serial.close());
    const ImprovSerial = await loadImprovSerial();
    const client = new ImprovSerial(serial as unknown as ConstructorParameters<typeof ImprovSerial>[0], quiet);
    cleanups.push(() => client.close());
    const states: number[] = [];
    client.addEventListener('state-changed', (e) => states.push((e as CustomEvent<number>).detail));
    return { prov, wifi, reboots: system.reboots, logs, client, states };
  }

  it('initialize: the client detects Improv and reads the device info', async () => {
    const s = await setup();
    const info = await s.client.initialize(3000);
    expect(info).toEqual({ firmware: 'thermostat', version: '1.4.0', chipFamily: 'Linux x64', name: 'Hall thermostat', osName: 'Linux', osVersion: '6.6.0' });
    expect(s.client.state).toBe(2);
  });

  it('initialize: a device-info result of exactly 10 bytes still reaches the client (padded with an empty string)', async () => {
    const s = await setup({ firmware: 'f', version: '1', platform: 'p', deviceName: 'n', osName: undefined, osVersion: undefined });
    expect(await s.client.initialize(3000)).toEqual({ firmware: 'f', version: '1', chipFamily: 'p', name: 'n', osName: '', osVersion: null });
  });

  it('the client loses a frame whose length byte is 10 (why results of that length are padded)', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.close());
    const device = await openWebSerial(pair.device);
    cleanups.push(() => device.close());
    // A hand-made device: answers request-state with "ready", device info first with an 11-byte
    // result, then with the same strings unpadded (10 bytes).
    let infos = 0;
    device.port.on('data', (b: Buffer) => {
      const cmd = b[9];
      if (cmd === 2) device.port.write(Buffer.from(encodeState(2)));
      if (cmd === 3 && infos++ === 0) device.port.write(Buffer.from(encodeFrame(4, [3, 9, 1, 102, 1, 49, 1, 112, 2, 110, 110])));
      else if (cmd === 3) device.port.write(Buffer.from(encodeFrame(4, [3, 8, 1, 102, 1, 49, 1, 112, 1, 110])));
    });
    const serial = await openWebSerial(pair.host);
    cleanups.push(() => serial.close());
    const ImprovSerial = await loadImprovSerial();
    const client = new ImprovSerial(serial as unknown as ConstructorParameters<typeof ImprovSerial>[0], quiet);
    cleanups.push(() => client.close());
    expect((await client.initialize(2000))!.name).toBe('nn');
    await expect(client.requestInfo(1000)).rejects.toBe('TIMEOUT');
  });

  it('scan: every network in range, secured or open', async () => {
    const s = await setup();
    await s.client.initialize(3000);
    expect(await s.client.scan(5000)).toEqual([
      { name: 'Café', rssi: -47, secured: false },
      { name: 'HomeNet', rssi: -40, secured: true },
    ]);
  });

  it('R11.1 provision with the right password: the next URL comes back, the credentials are stored only then', async () => {
    const s = await setup();
    await s.client.initialize(3000);
    await s.client.provision('HomeNet', 'correct horse battery', 10_000);
    expect(s.client.nextUrl).toBe('http://192.168.1.50/welcome');
    expect(s.client.state).toBe(4);
    expect(s.states).toEqual([2, 3, 4]);
    expect(s.wifi.stored()).toEqual({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
    expect(s.prov.isWifiConfigured()).toBe(true);
  });

  it('R11.2 a wrong password: UNABLE_TO_CONNECT, then the right one succeeds without a reboot', async () => {
    const s = await setup();
    await s.client.initialize(3000);
    await expect(s.client.provision('HomeNet', 'not the password', 10_000)).rejects.toBe('UNABLE_TO_CONNECT');
    expect(s.client.error).toBe(3);
    expect(s.logs).toContain('Improv: unable to connect to "HomeNet": auth-error (WRONG_KEY)');
    expect(s.wifi.stored()).toBeUndefined();
    await s.client.provision('HomeNet', 'correct horse battery', 10_000);
    expect(s.client.nextUrl).toBe('http://192.168.1.50/welcome');
    expect(s.wifi.stored()!.ssid).toBe('HomeNet');
    expect(s.reboots).toEqual([]);
    expect(s.states).toEqual([2, 3, 2, 3, 4]);
  });

  it('R11.2 a second provision after a success', async () => {
    const s = await setup();
    await s.client.initialize(3000);
    await s.client.provision('HomeNet', 'correct horse battery', 10_000);
    await s.client.provision('Café', '', 10_000);
    expect(s.client.nextUrl).toBe('http://192.168.1.50/welcome');
    expect(s.wifi.stored()).toEqual({ ssid: 'Café', passphrase: '' });
    // A client that connects later is told the device is provisioned, with the URL.
    await s.client.requestCurrentState(3000);
    expect(s.client.state).toBe(4);
    expect(s.client.nextUrl).toBe('http://192.168.1.50/welcome');
  });

  it('R11.2 no connection within the connect timeout: UNABLE_TO_CONNECT, and the device is ready for another try', async () => {
    const s = await setup({ connectTimeoutMs: 600 });
    s.wifi.answer('other');
    await s.client.initialize(3000);
    await expect(s.client.provision('HomeNet', 'correct horse battery', 10_000)).rejects.toBe('UNABLE_TO_CONNECT');
    expect(s.logs).toContain('Improv: unable to connect to "HomeNet": no connection within 600 ms');
    s.wifi.answer(undefined);
    await s.client.provision('HomeNet', 'correct horse battery', 10_000);
    expect(s.client.state).toBe(4);
  });
});
