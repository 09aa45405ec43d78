import { describe, expect, it } from 'vitest';
import { createProvisioner, validateConfig, validateCredentials } from '@provision/core';
import { fromMgosConfig } from '@provision/core/mgos';
import { createMemoryStorage, createSimulatedDevice } from '@provision/core/testing';
import { boot, HOME, rebootDevice, record, startDevice, WRONG } from './helpers';

describe('§9 validation and errors', () => {
  it('R9.1 config is validated at construction with the field and the allowed range named', () => {
    const dev = createSimulatedDevice();
    expect(() => createProvisioner({ storage: dev.storage, system: dev.system }, { stableState: 300 })).toThrow(
      expect.objectContaining({ code: 'invalid-config', field: 'stableState', message: 'stableState must be an integer from 0 to 255, got an integer out of range' }),
    );
    expect(() => validateConfig({ button: { holdMS: 5000 } } as never)).toThrow(
      'unknown config key button.holdMS (did you mean holdMs?); allowed keys of button: holdMs, debounceMs, inhibitAfterMs',
    );
  });

  it('R9.1 missing required ports are invalid-config errors', () => {
    expect(() => createProvisioner({} as never)).toThrow(expect.objectContaining({ code: 'invalid-config', field: 'ports.storage' }));
  });

  it('R9.2 credentials: SSID 1..32 UTF-8 bytes, passphrase empty / 8..63 printable / 64 hex, BSSID 6 octets', () => {
    expect(validateCredentials({ ssid: 'é'.repeat(16) })).toEqual({ ssid: 'é'.repeat(16) });
    expect(() => validateCredentials({ ssid: 'é'.repeat(16) + 'x' })).toThrow(expect.objectContaining({ code: 'invalid-credentials', field: 'ssid' }));
    expect(validateCredentials({ ssid: 'a', passphrase: '' }).passphrase).toBe('');
    expect(validateCredentials({ ssid: 'a', passphrase: 'f'.repeat(64) }).passphrase).toHaveLength(64);
    expect(() => validateCredentials({ ssid: 'a', passphrase: 'g'.repeat(64) })).toThrow(/64 hex digits/);
    expect(validateCredentials({ ssid: 'a', bssid: 'AA:BB:CC:DD:EE:0F' }).bssid).toBe('aa:bb:cc:dd:ee:0f');
    expect(() => validateCredentials({ ssid: 'a', bssid: 'aa:bb:cc:dd:ee' })).toThrow(expect.objectContaining({ field: 'bssid' }));
  });

  it('R9.2 invalid credentials store nothing and leave the current connection untouched', async () => {
    const { dev } = await boot();
    await dev.prov.configureSta(HOME);
    const writes = dev.storage.writes;
    await expect(dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'short' })).rejects.toMatchObject({ code: 'invalid-credentials' });
    expect(dev.wifi.calls.connect).toBe(1);
    expect(dev.storage.writes).toBe(writes);
    expect(dev.prov.getWifiState()).toBe('connected');
  });

  it('R9.3 fromMgosConfig maps a Mongoose OS provision section', () => {
    expect(
      fromMgosConfig({ provision: { btn: { pin: 17, pull_up: true, hold_ms: 5000, inhibit_after_s: 120 }, led: { pin: 2, active_high: false }, stable_state: 2, timeout: 600 } }),
    ).toEqual({
      config: { button: { holdMs: 5000, inhibitAfterMs: 120_000 }, stableState: 2, timeoutMs: 600_000 },
      button: { pin: 17, pullUp: true },
      led: { pin: 2, activeHigh: false },
    });
  });
});

describe('§10 persistence', () => {
  it('R10.1 a normal boot writes nothing', async () => {
    const { dev } = await boot();
    await dev.prov.configureSta(HOME);
    dev.prov.setCurState(3);
    dev.storage.resetCounters();
    for (let i = 0; i < 5; i++) await rebootDevice(dev);
    expect(dev.storage.writes).toBe(0);
  });

  it('R10.1 each change writes once; a whole provisioning cycle writes 3 records', async () => {
    const { dev } = await boot();
    dev.storage.resetCounters();
    await dev.prov.configureSta(HOME); // max 1; then max 2 + wifiConfigured together
    dev.prov.setCurState(3);
    expect(dev.storage.calls.save).toBe(3);
    expect(dev.storage.writes).toBe(3);
  });

  it('R10.2 a crash during any write leaves the old or the new record, never a torn one, and no reset', async () => {
    for (let k = 0; k < 4; k++) {
      const storage = createMemoryStorage();
      const dev = createSimulatedDevice({ storage, networks: { HomeNet: HOME.passphrase } });
      await startDevice(dev);
      storage.crashAfter(k);
      await dev.prov.configureSta(HOME);
      dev.prov.setCurState(3);
      const log = record(dev.reboot());
      await startDevice(dev);
      const raw = storage.rawRecord();
      if (raw !== undefined) expect(() => JSON.parse(raw)).not.toThrow();
      expect(log.filter(([n]) => n === 'reset' || n === 'warning')).toEqual([]);
    }
  });

  it('R10.3 secrets never appear in events, errors or warnings', async () => {
    const { dev, log } = await boot({ config: { session: { attempts: 2 } } });
    dev.prov.startSession();
    await dev.prov.configureSta(WRONG);
    dev.clock.advance(10_000);
    await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'secret\u0001bad' }).catch((e: Error) => {
      expect(e.message).not.toContain('secret');
    });
    await dev.prov.configureSta(HOME);
    const text = JSON.stringify(log);
    expect(text).not.toContain(WRONG.passphrase);
    expect(text).not.toContain(HOME.passphrase);
  });
});
