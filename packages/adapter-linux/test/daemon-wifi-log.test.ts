// Wi-Fi backend down: the real cause is logged once, then rarely; configure says what is missing and what to do.
import path from 'node:path';
import { createRecordingSystem, SimulatedClock } from '@provision/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { callControl } from '../src/daemon/control';
import { startDaemon, type Daemon } from '../src/daemon/daemon';
import { createWifi } from '../src/wifi/detect';
import { tempDir } from './helpers';

const realTime = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Wi-Fi backend unavailable', () => {
  const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  let t: { dir: string; cleanup(): Promise<void> } | undefined;
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    await t?.cleanup();
    d = undefined;
    if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
    else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
  });

  it('backend auto without D-Bus names D-Bus as the cause, and what was looked for', async () => {
    t = await tempDir('wifi');
    const bus = `unix:path=${path.join(t.dir, 'system_bus_socket')}`;
    const e = await createWifi({ ifname: 'wlan0', busAddress: bus, ctrlDir: path.join(t.dir, 'wpa') }).catch((x: Error) => x);
    expect((e as Error).message).toBe(
      `no Wi-Fi backend for 'wlan0' (backend auto looked for NetworkManager, then wpa_supplicant): NetworkManager: cannot connect to D-Bus at ${bus}: connect ENOENT ${path.join(t.dir, 'system_bus_socket')} (is D-Bus running? systemctl start dbus); wpa_supplicant: no wpa_supplicant control socket ${path.join(t.dir, 'wpa', 'wlan0')} (ENOENT; start wpa_supplicant for wlan0, e.g. systemctl start wpa_supplicant@wlan0, with ctrl_interface=${path.join(t.dir, 'wpa')}, or set wifi.ctrlDir)`,
    );
  });

  it('the reason is logged once, again only when it changes or after 1, 2, 4 … minutes; configure explains', async () => {
    t = await tempDir('wifi');
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${path.join(t.dir, 'no-bus')}`;
    const clock = new SimulatedClock();
    const lines: Record<string, unknown>[] = [];
    d = await startDaemon(
      { stateDir: path.join(t.dir, 'state'), runtimeDir: path.join(t.dir, 'run'), wifi: { ifname: 'wlan0', ctrlDir: path.join(t.dir, 'wpa'), retryMs: 5000 } },
      { log: (event, fields) => lines.push({ event, at: clock.now(), ...fields }), clock, system: createRecordingSystem(clock) },
    );
    const unavailable = () => lines.filter((l) => l.event === 'wifi-unavailable');
    expect(unavailable()).toHaveLength(1);
    expect(unavailable()[0]!.message).toMatch(/NetworkManager: cannot connect to D-Bus at unix:path=.*no-bus/);

    const conf = await callControl(d.socket, { cmd: 'configure', ssid: 'HomeNet', passphrase: 'correct horse' });
    expect(conf.ok).toBe(false);
    expect(conf.error).toMatch(/^Wi-Fi is not up yet, so there is nothing to configure: no Wi-Fi backend for 'wlan0' \(backend auto looked for NetworkManager, then wpa_supplicant\): NetworkManager: cannot connect to D-Bus/);
    expect(conf.error).toMatch(/The daemon tries again every 5 s; start the backend, then run configure again$/);
    expect(conf.error).not.toMatch(/configureSta|Wi-Fi port|correct horse/);

    // Ten minutes of retries every 5 s.
    for (let s = 5; s <= 600; s += 5) {
      clock.advance(5000);
      await realTime(15);
    }
    expect(unavailable().map((l) => l.at)).toEqual([0, 60000, 180000, 420000]);
    expect(unavailable()[1]).toMatchObject({ repeats: 12, sinceMs: 60000 });
    // A different cause is news: logged at the next attempt.
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${path.join(t.dir, 'other-bus')}`;
    clock.advance(5000);
    await realTime(50);
    expect(unavailable()).toHaveLength(5);
    expect(unavailable()[4]!.message).toMatch(/other-bus/);
  }, 30000);

  it('configure with Wi-Fi off in the config says so', async () => {
    t = await tempDir('wifi');
    const clock = new SimulatedClock();
    d = await startDaemon({ stateDir: path.join(t.dir, 'state'), runtimeDir: path.join(t.dir, 'run'), wifi: false }, { log: () => undefined, clock, system: createRecordingSystem(clock) });
    const r = await callControl(d.socket, { cmd: 'configure', ssid: 'HomeNet', passphrase: 'correct horse' });
    expect(r).toEqual({ ok: false, error: 'Wi-Fi is off in this daemon\'s config ("wifi": false); set "wifi" (e.g. {"ifname": "wlan0"}) and restart the daemon to configure a network' });
  });
});
