import { describe, expect, it } from 'vitest';
import { createMemoryStorage, createSimulatedDevice } from '@provision/core/testing';
import { boot, HOME, names, payloads, rebootDevice, record, startDevice } from './helpers';
import type { StateEvent } from '@provision/core';

describe('§3 provisioning state', () => {
  it('R3.1 cur is 0 at every start and max is persisted across reboots', async () => {
    const { dev } = await boot();
    dev.prov.setCurState(2);
    expect(dev.prov.getMaxState()).toBe(2);
    await rebootDevice(dev);
    expect(dev.prov.getCurState()).toBe(0);
    expect(dev.prov.getMaxState()).toBe(2);
  });

  it('R3.2 setCurState to the current state does nothing (no event, no write)', async () => {
    const { dev, log } = await boot();
    dev.prov.setCurState(1);
    const writes = dev.storage.writes;
    const events = log.length;
    dev.prov.setCurState(1);
    expect(log.length).toBe(events);
    expect(dev.storage.writes).toBe(writes);
  });

  it('R3.2 raising cur above max raises max and emits exactly one state event with prev values', async () => {
    const { dev, log } = await boot();
    log.length = 0;
    dev.prov.setCurState(4);
    expect(payloads<StateEvent>(log, 'state')).toEqual([{ cur: 4, max: 4, prevCur: 0, prevMax: 0 }]);
  });

  it('R3.2 cur never lowers max', async () => {
    const { dev, log } = await boot();
    dev.prov.setCurState(3);
    log.length = 0;
    dev.prov.setCurState(1);
    expect(dev.prov.getMaxState()).toBe(3);
    expect(payloads<StateEvent>(log, 'state')).toEqual([{ cur: 1, max: 3, prevCur: 3, prevMax: 3 }]);
  });

  it('R3.2 rejects states outside 0..255 with invalid-state', async () => {
    const { dev } = await boot();
    expect(() => dev.prov.setCurState(256)).toThrow(expect.objectContaining({ code: 'invalid-state' }));
    expect(() => dev.prov.setCurState(-1)).toThrow(/0 to 255/);
    expect(() => dev.prov.setMaxState(1.5)).toThrow(expect.objectContaining({ code: 'invalid-state' }));
  });

  it('R3.3 setMaxState to the current max does nothing', async () => {
    const { dev, log } = await boot();
    dev.prov.setMaxState(2);
    const writes = dev.storage.writes;
    const n = log.length;
    dev.prov.setMaxState(2);
    expect(log.length).toBe(n);
    expect(dev.storage.writes).toBe(writes);
  });

  it('R3.3 persists rewinds and intermediate maxima at once (unlike mgos, which persists only at stable)', async () => {
    const { dev, log } = await boot();
    dev.prov.setMaxState(1);
    expect(JSON.parse(dev.storage.rawRecord()!).max).toBe(1);
    dev.prov.setMaxState(5);
    dev.prov.setMaxState(2); // rewind
    expect(JSON.parse(dev.storage.rawRecord()!).max).toBe(2);
    expect(payloads<StateEvent>(log, 'state').slice(-1)).toEqual([{ cur: 0, max: 2, prevCur: 0, prevMax: 5 }]);
    await rebootDevice(dev);
    expect(dev.prov.getMaxState()).toBe(2);
  });

  it('R3.4 Wi-Fi connecting → 1, connected with IP → 2, disconnect → 1 whatever cur was', async () => {
    const { dev } = await boot({ joinMs: 1000 });
    await dev.prov.configureSta(HOME);
    expect(dev.prov.getCurState()).toBe(1);
    dev.clock.advance(1000);
    expect(dev.prov.getCurState()).toBe(2);
    dev.prov.setCurState(3);
    dev.wifi.drop('other', 'BEACON_TIMEOUT');
    expect(dev.prov.getCurState()).toBe(1);
    expect(dev.prov.getMaxState()).toBe(3);
    dev.clock.advance(5000 + 1000); // the station retries and gets its IP back
    expect(dev.prov.getCurState()).toBe(2);
  });

  it('R3.5 isProvisioned is max ≥ stableState, or wifiConfigured when stableState is 0', async () => {
    const a = await boot({ config: { stableState: 2 } });
    expect(a.dev.prov.isProvisioned()).toBe(false);
    a.dev.prov.setCurState(2);
    expect(a.dev.prov.isProvisioned()).toBe(true);
    const b = await boot({ config: { stableState: 0 } });
    b.dev.prov.setCurState(5);
    expect(b.dev.prov.isProvisioned()).toBe(false);
    await b.dev.prov.configureSta(HOME);
    expect(b.dev.prov.isWifiConfigured()).toBe(true);
    expect(b.dev.prov.isProvisioned()).toBe(true);
  });

  it('R3.6 start() emits an initial state event {cur: 0, max} before anything else', async () => {
    const storage = createMemoryStorage({ record: { v: 1, max: 2, wifiConfigured: false } });
    const dev = createSimulatedDevice({ storage, config: { timeoutMs: 1000 } });
    const log = record(dev.prov);
    await startDevice(dev);
    expect(log[0]).toEqual(['state', { cur: 0, max: 2, prevCur: 0, prevMax: 2 }]);
  });

  it('R3.6 a corrupt record recovers to defaults with a warning and never factory-resets', async () => {
    const storage = createMemoryStorage();
    storage.corrupt('{"v":1,"max":');
    const dev = createSimulatedDevice({ storage });
    const log = record(dev.prov);
    await startDevice(dev);
    expect(names(log, ['warning', 'reset'])).toEqual(['warning']);
    expect(payloads<{ message: string }>(log, 'warning')[0].message).toMatch(/could not be read.*nothing was reset/);
    expect(dev.prov.getMaxState()).toBe(0);
    expect(dev.system.reboots).toEqual([]);
    expect(storage.rawRecord()).toBe('{"v":1,"max":');
  });

  it('R3.6 an unreadable storage (load throws) also recovers without reset', async () => {
    const storage = createMemoryStorage();
    storage.failNext('load', new Error('EIO: i/o error'));
    const dev = createSimulatedDevice({ storage });
    const log = record(dev.prov);
    await startDevice(dev);
    expect(payloads<{ message: string }>(log, 'warning')[0].message).toContain('EIO');
    expect(names(log, ['reset'])).toEqual([]);
  });
});

describe('§4 provisioning timeout', () => {
  const cfg = { stableState: 3, timeoutMs: 60_000 };

  it('R4.1 arms when max rises into 1..stableState-1; 1→2→1 does not restart it', async () => {
    const { dev, log } = await boot({ config: cfg });
    dev.clock.advance(100_000);
    expect(names(log, ['reset'])).toEqual([]); // state 0: no timer
    dev.prov.setCurState(1);
    dev.clock.advance(30_000);
    dev.prov.setCurState(2);
    dev.prov.setCurState(1);
    dev.clock.advance(29_999);
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(1);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'timeout' }]);
  });

  it('R4.1 a rewind with setMaxState into the range arms the timer (mgos semantics)', async () => {
    const { dev, log } = await boot({ config: cfg });
    dev.prov.setCurState(3);
    dev.prov.setMaxState(1);
    dev.clock.advance(60_000);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'timeout' }]);
  });

  it('R4.2 reaching stableState cancels the timer', async () => {
    const { dev, log } = await boot({ config: cfg });
    dev.prov.setCurState(1);
    dev.clock.advance(59_000);
    dev.prov.setCurState(3);
    dev.clock.advance(600_000);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('R4.2 setMaxState(0) cancels the timer: a device told it is unprovisioned stays so', async () => {
    const { dev, log } = await boot({ config: cfg });
    dev.prov.setCurState(2);
    dev.prov.setMaxState(0);
    dev.clock.advance(600_000);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('R4.3 re-arms the timeout after a reboot mid-provisioning (mgos silently switches it off)', async () => {
    const { dev } = await boot({ config: cfg });
    dev.prov.setCurState(2);
    dev.clock.advance(50_000);
    const log = await rebootDevice(dev);
    dev.clock.advance(59_000);
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(1_000);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'timeout' }]);
  });

  it('R4.4 expiry factory-resets with cause timeout and reboots', async () => {
    const { dev, log } = await boot({ config: { ...cfg, rebootDelayMs: 250 } });
    dev.prov.setCurState(1);
    dev.clock.advance(60_000);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'timeout' }]);
    expect(dev.prov.getMaxState()).toBe(0);
    expect(dev.system.reboots).toEqual([]);
    dev.clock.advance(250);
    expect(dev.system.reboots).toEqual([60_250 + 10]);
  });

  it('R4.5 stableState 0 or timeoutMs ≤ 0 disables the timer; state 0 never resets', async () => {
    for (const config of [{ stableState: 0, timeoutMs: 1000 }, { stableState: 3, timeoutMs: 0 }, { stableState: 3, timeoutMs: -1 }]) {
      const { dev, log } = await boot({ config });
      dev.prov.setCurState(1);
      dev.clock.advance(10_000_000);
      expect(names(log, ['reset'])).toEqual([]);
    }
    const { dev, log } = await boot({ config: { timeoutMs: 1000 } });
    dev.clock.advance(10_000_000);
    expect(dev.prov.getMaxState()).toBe(0);
    expect(names(log, ['reset'])).toEqual([]);
  });
});

describe('§4 timeout deadline', () => {
  it('R4.1 getTimeoutDeadline() tells when the armed timeout fires, and undefined once cancelled (R4.2)', async () => {
    const { dev } = await boot({ config: { timeoutMs: 60_000 } });
    expect(dev.prov.getTimeoutDeadline()).toBeUndefined();
    dev.prov.setCurState(1);
    expect(dev.prov.getTimeoutDeadline()).toBe(dev.clock.now() + 60_000);
    dev.prov.setCurState(3);
    expect(dev.prov.getTimeoutDeadline()).toBeUndefined();
  });
});
