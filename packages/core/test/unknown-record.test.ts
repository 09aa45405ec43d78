// An unreadable, corrupt or newer-version record is unknown, not fresh (R3.7), and a record that says
// Wi-Fi is configured while no credentials are stored is rewound (R3.8): examples, then a property
// over random router-down event sequences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DisconnectReason, ProvisionConfig, WifiCredentials } from '@provision/core';
import { createMemoryStorage, createSimulatedDevice, type MemoryStorage, type NetworkAnswer, type SimulatedDevice } from '@provision/core/testing';
import { names, payloads, record, type Log } from './helpers';

const HOME: WifiCredentials = { ssid: 'Home', passphrase: 'correct horse battery' };
const PROVISIONED = { v: 1, max: 3, wifiConfigured: true };
const NEWER = '{"v":2,"max":3,"wifiConfigured":true,"cloud":{"region":"eu"}}';

/** How the record at boot is unknown. */
type Unknown = 'corrupt JSON' | 'bad fields' | 'read error' | 'newer version';
const UNKNOWN: Unknown[] = ['corrupt JSON', 'bad fields', 'read error', 'newer version'];

/** Storage holding a provisioned device's record, made unknown the given way (a read error: once, or at every boot). */
function unknownStorage(how: Unknown, everyBoot = false): MemoryStorage {
  const storage = createMemoryStorage({ record: PROVISIONED });
  if (how === 'corrupt JSON') storage.corrupt('{"v":1,"max":3,"wifiCon');
  else if (how === 'bad fields') storage.corrupt('{"v":1,"max":"3","wifiConfigured":1}');
  else if (how === 'newer version') storage.corrupt(NEWER);
  else if (everyBoot) {
    // A bad sector: every read fails.
    storage.load = () => {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    };
  }
  // One EIO at boot; the record itself is fine.
  else storage.failNext('load', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
  return storage;
}

/** A device whose router is down (the stored network is not in range), booted on `storage`. */
async function routerDown(storage: MemoryStorage, opts: { stored?: boolean; config?: ProvisionConfig } = {}): Promise<{ dev: SimulatedDevice; log: Log }> {
  const dev = createSimulatedDevice({
    storage,
    storedCredentials: opts.stored === false ? undefined : HOME,
    retryMs: 1000,
    config: { timeoutMs: 10_000, button: { holdMs: -1 }, ...opts.config },
  });
  const log = record(dev.prov);
  await dev.start();
  storage.resetCounters();
  return { dev, log };
}

describe('R3.7 an unknown record is not a fresh one', () => {
  it.each(UNKNOWN)('%s, router down for an hour: no timeout, no bad-credentials reset, nothing written', async (how) => {
    const storage = unknownStorage(how);
    const raw = storage.rawRecord();
    const { dev, log } = await routerDown(storage, { config: { wifi: { badCredentialAttempts: 1 } } });
    dev.clock.advance(30_000); // ap-not-found every second
    dev.wifi.answer('auth-error'); // a router that rejects the key for a while
    dev.clock.advance(30_000);
    dev.wifi.answer('other');
    dev.clock.advance(3_600_000);
    expect(dev.wifi.attempts).toBeGreaterThan(100);
    expect(names(log, ['reset'])).toEqual([]);
    expect(dev.system.reboots).toEqual([]);
    expect(storage.calls.save).toBeUndefined();
    expect(storage.calls.wipe).toBeUndefined();
    expect(storage.rawRecord()).toBe(raw);
    expect(payloads<{ message: string }>(log, 'warning')[0].message).toMatch(how === 'newer version' ? /newer version \(v2\).*without saving/ : /state unknown: nothing is saved or reset/);
    // The stored credentials say Wi-Fi was configured.
    expect(dev.prov.isWifiConfigured()).toBe(true);
  });

  it.each(UNKNOWN)('%s without stored credentials: still no reset while nothing proves the state', async (how) => {
    const storage = unknownStorage(how);
    const { dev, log } = await routerDown(storage, { stored: false, config: { wifi: { badCredentialAttempts: 1 } } });
    expect(dev.prov.isWifiConfigured()).toBe(false);
    // A Wi-Fi the app did not configure reports failures (a platform that joined on its own).
    for (const reason of ['auth-error', 'ap-not-found', 'auth-error'] as DisconnectReason[]) dev.wifi.drop(reason);
    dev.prov.setCurState(dev.prov.getCurState()); // the same state: proves nothing
    dev.clock.advance(3_600_000);
    expect(names(log, ['reset'])).toEqual([]);
    expect(storage.writes).toBe(0);
  });

  it('a read error, then the router comes back: Wi-Fi connected proves the state and the usual rules apply', async () => {
    const storage = unknownStorage('read error');
    const { dev, log } = await routerDown(storage);
    dev.clock.advance(60_000);
    expect(storage.writes).toBe(0);
    dev.wifi.addNetwork(HOME.ssid, HOME.passphrase);
    let connectedAt = -1;
    dev.prov.on('wifi', (w) => {
      if (w.state === 'connected') connectedAt = dev.clock.now();
    });
    dev.clock.advance(1000);
    expect(dev.prov.getCurState()).toBe(2);
    // Known from now on: the record is written, and the timeout runs for a max below stableState.
    expect(JSON.parse(storage.rawRecord()!)).toEqual({ v: 1, max: 2, wifiConfigured: true });
    expect(dev.prov.getTimeoutDeadline()).toBe(connectedAt + 10_000);
    dev.prov.setCurState(3);
    expect(JSON.parse(storage.rawRecord()!)).toEqual({ v: 1, max: 3, wifiConfigured: true });
    dev.clock.advance(60_000);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('a corrupt record: the app setting a state proves it (then the timeout may fire)', async () => {
    const storage = unknownStorage('corrupt JSON');
    const { dev, log } = await routerDown(storage, { stored: false });
    dev.prov.setCurState(1);
    expect(JSON.parse(storage.rawRecord()!)).toEqual({ v: 1, max: 1, wifiConfigured: false });
    dev.clock.advance(10_000);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'timeout' }]);
  });

  it('a corrupt record and no stored credentials: configureSta() proves it; wrong credentials then reset as usual (R8.2)', async () => {
    const storage = unknownStorage('corrupt JSON');
    const { dev, log } = await routerDown(storage, { stored: false });
    dev.wifi.addNetwork(HOME.ssid, HOME.passphrase);
    await dev.prov.configureSta({ ssid: HOME.ssid, passphrase: 'not the passphrase' });
    dev.clock.advance(2_500);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'bad-credentials' }]);
  });

  it('a newer-version record is never overwritten, not even once the state is proven; only an explicit reset wipes it', async () => {
    const storage = unknownStorage('newer version');
    const { dev, log } = await routerDown(storage);
    dev.wifi.addNetwork(HOME.ssid, HOME.passphrase);
    dev.clock.advance(1000);
    expect(dev.prov.getCurState()).toBe(2);
    dev.prov.setCurState(3);
    dev.prov.setMaxState(5);
    dev.prov.setMaxState(1);
    // Runs in RAM (the LED, the state, the app's view) without saving; no timeout for max 1.
    expect(dev.prov.getMaxState()).toBe(1);
    expect(dev.prov.getTimeoutDeadline()).toBeUndefined();
    dev.clock.advance(3_600_000);
    expect(storage.rawRecord()).toBe(NEWER);
    expect(storage.calls.save).toBeUndefined();
    expect(names(log, ['reset'])).toEqual([]);
    // A reboot finds it again, just as it was.
    const again = record(dev.reboot());
    await dev.start();
    expect(payloads<{ message: string }>(again, 'warning')[0].message).toContain('newer version (v2)');
    void dev.prov.factoryReset('app');
    dev.clock.advance(200);
    expect(storage.rawRecord()).toBeUndefined();
    expect(dev.system.reboots).toHaveLength(1);
  });

  it('the Wi-Fi port cannot tell whether credentials are stored: an error event, and the unknown record stays unknown', async () => {
    const storage = unknownStorage('corrupt JSON');
    const dev = createSimulatedDevice({ storage, config: { button: { holdMs: -1 }, timeoutMs: 1000 } });
    dev.wifi.hasStoredCredentials = () => {
      throw new Error('wpa_supplicant not running yet');
    };
    const log = record(dev.prov);
    await dev.start();
    expect(payloads<{ message: string }>(log, 'error').map((e) => e.message)).toEqual([expect.stringContaining('wpa_supplicant not running yet')]);
    expect(dev.prov.isWifiConfigured()).toBe(false);
    dev.clock.advance(60_000);
    expect(names(log, ['reset'])).toEqual([]);
  });
});

describe('R3.8 boot consistency', () => {
  it('a record that says wifiConfigured without stored credentials is rewound to max 0 with a warning, and provisioning can start again', async () => {
    const storage = createMemoryStorage({ record: PROVISIONED });
    const { dev, log } = await routerDown(storage, { stored: false });
    expect(payloads<{ message: string }>(log, 'warning').map((w) => w.message)).toEqual([expect.stringMatching(/says Wi-Fi is configured but no credentials are stored: rewound to state 0 \(max was 3\)/)]);
    expect(log.findIndex(([n]) => n === 'warning')).toBeLessThan(log.findIndex(([n]) => n === 'state'));
    expect(payloads(log, 'state')[0]).toEqual({ cur: 0, max: 0, prevCur: 0, prevMax: 0 });
    expect(dev.prov.isProvisioned()).toBe(false);
    expect(dev.prov.isWifiConfigured()).toBe(false);
    expect(JSON.parse(storage.rawRecord()!)).toEqual({ v: 1, max: 0, wifiConfigured: false });
    dev.clock.advance(3_600_000);
    expect(names(log, ['reset'])).toEqual([]);
    // Back in provisioning mode: new credentials work as on a fresh device.
    dev.wifi.addNetwork(HOME.ssid, HOME.passphrase);
    await dev.prov.configureSta(HOME);
    expect(dev.prov.isWifiConfigured()).toBe(true);
  });

  it('a consistent record (credentials stored) is adopted as it is and nothing is written', async () => {
    const storage = createMemoryStorage({ record: PROVISIONED });
    const { dev, log } = await routerDown(storage);
    expect(names(log, ['warning', 'reset'])).toEqual([]);
    expect(dev.prov.getMaxState()).toBe(3);
    expect(storage.writes).toBe(0);
  });

  it('without a Wi-Fi port there is nothing to check', async () => {
    const storage = createMemoryStorage({ record: PROVISIONED });
    const dev = createSimulatedDevice({ storage, config: { button: { holdMs: -1 } } });
    const { createProvisioner } = await import('@provision/core');
    const prov = createProvisioner({ clock: dev.clock, storage, system: dev.system });
    const log = record(prov);
    await prov.start();
    expect(names(log, ['warning'])).toEqual([]);
    expect(prov.getMaxState()).toBe(3);
  });
});

// ---- the property ------------------------------------------------------------------------------

type Ev = { t: 'drop'; reason: DisconnectReason } | { t: 'answer'; a: NetworkAnswer } | { t: 'advance'; ms: number } | { t: 'reboot' };

const RUNS = 1000;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20260314;

describe('R3.7 property: from an unknown record with the router down', () => {
  it(`whatever the disconnects and however long it waits, the device is never reset and the record never written (${RUNS} runs)`, async () => {
    const timeoutMs = 5000;
    const ev: fc.Arbitrary<Ev> = fc.oneof(
      fc.constantFrom<DisconnectReason>('auth-error', 'ap-not-found', 'other').map((reason) => ({ t: 'drop' as const, reason })),
      fc.constantFrom<NetworkAnswer>('auth-error', 'ap-not-found', 'other').map((a) => ({ t: 'answer' as const, a })),
      fc.integer({ min: 0, max: 3 * timeoutMs }).map((ms) => ({ t: 'advance' as const, ms })),
      fc.constant({ t: 'reboot' as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...UNKNOWN),
        fc.boolean(),
        fc.record({
          stableState: fc.integer({ min: 1, max: 4 }),
          badCredentialAttempts: fc.integer({ min: 1, max: 3 }),
          holdMs: fc.constantFrom(-1, 0, 3000),
          retryMs: fc.constantFrom(100, 1000, 5000),
        }),
        fc.array(ev, { minLength: 1, maxLength: 30 }),
        async (how, stored, c, events) => {
          const storage = unknownStorage(how, true);
          const raw = storage.rawRecord();
          const dev = createSimulatedDevice({
            storage,
            storedCredentials: stored ? HOME : undefined,
            retryMs: c.retryMs,
            config: { stableState: c.stableState, timeoutMs, button: { holdMs: c.holdMs }, wifi: { badCredentialAttempts: c.badCredentialAttempts } },
          });
          const resets: string[] = [];
          const watch = (): void => void dev.prov.on('reset', (r) => resets.push(r.cause));
          watch();
          await dev.start();
          for (const e of events) {
            if (e.t === 'drop') dev.wifi.drop(e.reason);
            else if (e.t === 'answer') dev.wifi.answer(e.a);
            else if (e.t === 'advance') dev.clock.advance(e.ms);
            else {
              dev.reboot();
              watch();
              await dev.start();
            }
          }
          dev.clock.advance(2 * timeoutMs);
          expect(resets).toEqual([]);
          expect(dev.system.reboots).toEqual([]);
          expect(storage.calls.wipe).toBeUndefined();
          expect(storage.calls.save).toBeUndefined();
          expect(storage.rawRecord()).toBe(raw);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
