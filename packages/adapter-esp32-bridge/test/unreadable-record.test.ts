// A record or Wi-Fi marker that cannot be read over the UART is unknown, never fresh (R3.7), up to the provisioner.
import { createProvisioner } from '@provision/core';
import type { ProvisionEvents } from '@provision/core';
import { describe, expect, it } from 'vitest';
import { createEsp32Bridge } from '../src/bridge';
import { seal } from '../src/seal';
import { createModuleStorage } from '../src/storage';
import { createModuleWifi } from '../src/wifi';
import { attachToMockBinding, EspAtSimulator } from '../src/simulator';
import { advance, HOME, rig, settle, SimulatedClock } from './helpers';

/** The record (max 3) as the storage port writes it: JSON with its checksum. */
const STORED = seal('{"v":1,"max":3,"wifiConfigured":true}');
const MARKER = JSON.stringify({ ssid: HOME.ssid });

/**
 * Damage the module's answers to reads of `key`: `edits[i]` rewrites the i-th such answer (as it
 * travels to the host); answers beyond the list pass. `'every'` damages all of them with the first edit.
 */
function damageReads(sim: EspAtSimulator, key: string, edits: Array<(t: string) => string>, every = false): { count: () => number } {
  let n = 0;
  sim.faults.tamper = (bytes) => {
    const t = Buffer.from(bytes).toString('latin1');
    if (!t.includes(`+SYSMFG:"provision","${key}",7,`) || t.includes(`","${key}",7\r\n`)) return bytes;
    const edit = every ? edits[0] : edits[n];
    n++;
    return edit ? Buffer.from(edit(t), 'latin1') : bytes;
  };
  return { count: () => n };
}

/** Drop the value line of a read answer (the line the UART lost). */
const dropValueLine = (t: string): string => t.replace(/\+SYSMFG:"[^"]*","[^"]*",\d,\d+,[^\r\n]*\r\n/, '');
/** The read answer comes back as ERROR (a damaged command or answer). */
const asError = (): string => '\r\nERROR\r\n';

/** Also drop `key`'s line from the next key listing of the namespace. */
function dropFromNextListing(sim: EspAtSimulator, key: string): void {
  const previous = sim.faults.tamper;
  let done = false;
  sim.faults.tamper = (bytes) => {
    const t = Buffer.from(bytes).toString('latin1');
    if (!done && t.includes(`+SYSMFG:"provision","${key}",7\r\n`)) {
      done = true;
      return Buffer.from(t.replace(`+SYSMFG:"provision","${key}",7\r\n`, ''), 'latin1');
    }
    return previous ? previous(bytes) : bytes;
  };
}

async function provisioned() {
  const r = await rig({ client: { commandTimeoutMs: 1000 } });
  r.sim.setNvsValue('provision', 'record', STORED);
  r.sim.setNvsValue('provision', 'wifi', MARKER);
  return r;
}

describe('R3.7 at the bridge: an unreadable record is reported, never returned as fresh', () => {
  it('one dropped UART line at boot: load() still returns the stored record (a second read confirms it)', async () => {
    const { clock, client, sim } = await provisioned();
    damageReads(sim, 'record', [dropValueLine]);
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 3, wifiConfigured: true });
    expect(sim.nvsValue('provision', 'record')).toBe(STORED);
  });

  it('an ERROR and a lost listing line (which made the old read say "no record") do not make a fresh device', async () => {
    const { clock, client, sim } = await provisioned();
    damageReads(sim, 'record', [asError]);
    dropFromNextListing(sim, 'record');
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 3, wifiConfigured: true });
  });

  it('a record that cannot be read at all is thrown as storage-failed ("unknown, not absent") and left as it is', async () => {
    const { clock, client, sim } = await provisioned();
    const reads = damageReads(sim, 'record', [dropValueLine], true);
    const storage = createModuleStorage(client);
    const e = await settle(clock, storage.load()).then(
      () => undefined,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(e).toMatchObject({ code: 'storage-failed' });
    expect(e!.message).toMatch(/unknown, not absent/);
    expect(e!.message).toMatch(/all 4 reads failed/);
    expect(reads.count()).toBe(4); // bounded: four reads, then it says so
    expect(sim.nvsValue('provision', 'record')).toBe(STORED);
  });

  it('a flipped digit in the value, even the same one in two reads in a row, is caught by the checksum', async () => {
    const { clock, client, sim } = await provisioned();
    const flip = (t: string): string => t.replace('"max":3', '"max":0');
    const reads = damageReads(sim, 'record', [flip, flip]);
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 3, wifiConfigured: true });
    expect(reads.count()).toBe(4); // two damaged, two that agree
  });

  it('a record written without a checksum (by an earlier version) still loads; reads that disagree are not trusted', async () => {
    const { clock, client, sim } = await provisioned();
    sim.setNvsValue('provision', 'record', '{"v":1,"max":3,"wifiConfigured":true}');
    damageReads(sim, 'record', [(t) => t.replace('"max":3', '"max":0')]);
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toEqual({ v: 1, max: 3, wifiConfigured: true });
    expect(sim.nvsValue('provision', 'record')).toBe('{"v":1,"max":3,"wifiConfigured":true}');
  });

  it('a silent module makes load() fail within a bounded time, never resolve undefined', async () => {
    const { clock, client, sim } = await provisioned();
    sim.faults.mute = true;
    const storage = createModuleStorage(client);
    const t0 = clock.now();
    await expect(settle(clock, storage.load())).rejects.toMatchObject({ code: 'storage-failed' });
    expect(clock.now() - t0).toBeLessThanOrEqual(4 * 1000 + 100);
  });

  it('a record really absent (fresh device) is still undefined, after two agreeing reads', async () => {
    const { clock, client, sim } = await rig();
    const storage = createModuleStorage(client);
    expect(await settle(clock, storage.load())).toBeUndefined();
    expect(sim.received.filter((l) => l === 'AT+SYSMFG=1,"provision","record"')).toHaveLength(2);
  });
});

describe('hasStoredCredentials(): "no credentials" is not "could not ask"', () => {
  it('a silent module rejects with wifi-failed instead of answering false', async () => {
    const { clock, client, sim } = await provisioned();
    const wifi = createModuleWifi(client);
    sim.faults.mute = true;
    await expect(settle(clock, wifi.hasStoredCredentials())).rejects.toMatchObject({ code: 'wifi-failed', message: /unknown, not "none"/ });
  });

  it('an ERROR and a lost listing line do not turn stored credentials into none', async () => {
    const { clock, client, sim } = await provisioned();
    damageReads(sim, 'wifi', [asError]);
    dropFromNextListing(sim, 'wifi');
    expect(await settle(clock, createModuleWifi(client).hasStoredCredentials())).toBe(true);
  });

  it('R3.8: forget() erases the marker before the credentials, so a forget cut short never claims credentials that are gone', async () => {
    const { clock, client, sim } = await provisioned();
    const wifi = createModuleWifi(client);
    let markerAtRestore: string | undefined = 'not reached';
    const received = sim.received;
    const push = received.push.bind(received);
    received.push = (...lines: string[]) => {
      if (lines.includes('AT+RESTORE')) markerAtRestore = sim.nvsValue('provision', 'wifi');
      return push(...lines);
    };
    await settle(clock, wifi.forget());
    expect(markerAtRestore).toBeUndefined();
    expect(await settle(clock, wifi.hasStoredCredentials())).toBe(false);
  });

  it('no marker: false (two reads agree)', async () => {
    const { clock, client } = await rig();
    expect(await settle(clock, createModuleWifi(client).hasStoredCredentials())).toBe(false);
  });
});

/** A host that was provisioned (max 3, credentials stored), rebooted with the router down. */
async function provisionedBoot(damage: (sim: EspAtSimulator) => void, opts: { appSetsState?: boolean } = {}) {
  const clock = new SimulatedClock();
  const sim = new EspAtSimulator({ clock, networks: [HOME] });
  // The host opens the module through a real SerialPortStream (mock binding), once per life.
  const mock = attachToMockBinding(sim);
  // First life: provisioned for real through the ports.
  const first = createEsp32Bridge({ transport: () => mock.open(), clock });
  await settle(clock, first.open());
  await settle(clock, first.ports.wifi.connect(HOME, { persist: true }));
  await settle(clock, first.ports.storage.save({ v: 1, max: 3, wifiConfigured: true }));
  await settle(clock, first.close());
  expect(sim.nvsValue('provision', 'record')).toBe(STORED);
  // Power cut; the router is down when everything comes back.
  sim.removeNetwork(HOME.ssid);
  sim.reboot();
  await advance(clock, 500);
  damage(sim);
  let hostReboots = 0;
  const bridge = createEsp32Bridge({ transport: () => mock.open(), clock, hostReboot: () => void hostReboots++ });
  await settle(clock, bridge.open());
  const prov = createProvisioner(bridge.ports);
  const log: Array<{ name: keyof ProvisionEvents; payload: unknown }> = [];
  for (const name of ['reset', 'warning', 'error'] as const) prov.on(name, (payload: unknown) => log.push({ name, payload }));
  await settle(clock, prov.start());
  // The app's first state: "connecting" (state 1), as on every boot. An app call is a real event
  // (R3.7), so the unknown-record case leaves the state to the module's own Wi-Fi events instead.
  if (opts.appSetsState !== false) prov.setCurState(1);
  await advance(clock, 302_000, 100);
  return { sim, prov, log, hostReboots: () => hostReboots };
}

describe('end to end with the provisioner: a dropped UART line at boot (issue: max 3 overwritten, timeout reset at 302 s)', () => {
  it('one dropped line at boot: the record (max 3) is read, never overwritten, and no timeout reset happens at 302 s', async () => {
    let reads: { count: () => number } | undefined;
    const { sim, prov, log, hostReboots } = await provisionedBoot((s) => (reads = damageReads(s, 'record', [dropValueLine])));
    expect(reads!.count()).toBeGreaterThanOrEqual(2); // the damaged read, then the ones that confirmed
    expect(prov.getMaxState()).toBe(3);
    expect(log.filter((e) => e.name === 'warning')).toEqual([]);
    expect(log.filter((e) => e.name === 'reset')).toEqual([]);
    expect(hostReboots()).toBe(0);
    expect(sim.nvsValue('provision', 'record')).toBe(STORED);
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
  });

  // Needs the core's R3.7 (an unreadable record is unknown: no timeout, no bad-credentials reset, no
  // overwrite). The bridge already reports the record unreadable (storage-failed, tests above); with
  // today's core that still starts from defaults, arms the timeout at state 1 and resets at 300 s.
  it('R3.7 a record unreadable at every boot read is never overwritten and no timeout reset happens at 302 s', async () => {
    const { sim, prov, log, hostReboots } = await provisionedBoot((s) => damageReads(s, 'record', [dropValueLine], true), { appSetsState: false });
    expect(prov.getMaxState()).toBe(0); // unknown: nothing proven, nothing persisted (R3.7)
    expect(log.some((e) => e.name === 'warning')).toBe(true);
    expect(log.filter((e) => e.name === 'reset')).toEqual([]);
    expect(hostReboots()).toBe(0);
    expect(sim.nvsValue('provision', 'record')).toBe(STORED);
    expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
  });
});
