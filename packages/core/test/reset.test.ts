import { describe, expect, it } from 'vitest';
import { createProvisioner, type StoragePort } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi, SimulatedClock } from '@provision/core/testing';
import { boot, HOME, names, payloads } from './helpers';

describe('§7 factory reset', () => {
  it('R7.1 factoryReset is idempotent: a second call while one runs does nothing more', async () => {
    const { dev, log } = await boot();
    const a = dev.prov.factoryReset('app');
    const b = dev.prov.factoryReset('timeout');
    expect(b).toBe(a);
    dev.clock.advance(1000);
    await a;
    expect(payloads(log, 'reset')).toEqual([{ cause: 'app' }]);
    expect(dev.system.reboots).toHaveLength(1);
    expect(dev.prov.getResetJournal().resets.map((r) => r.cause)).toEqual(['app']);
  });

  it('R7.1 rejects an unknown cause', async () => {
    const { dev } = await boot();
    await expect(dev.prov.factoryReset('oops' as never)).rejects.toMatchObject({ code: 'invalid-state' });
    expect(dev.prov.isResetting()).toBe(false);
  });

  it('R7.2 runs in order: stop timers, journal (before anything is wiped), wipe, forget credentials, compact, reset event, reboot after the delay', async () => {
    const clock = new SimulatedClock();
    const order: string[] = [];
    const mem = createMemoryStorage();
    const storage: StoragePort = {
      load: () => mem.load(),
      save: (r) => (order.push('save'), mem.save(r)),
      wipe: () => (order.push('wipe'), mem.wipe()),
      loadJournal: () => mem.loadJournal(),
      saveJournal: (j) => (order.push('journal'), mem.saveJournal(j)),
      compact: () => void order.push('compact'),
    };
    const wifi = createSimulatedWifi(clock);
    const forget = wifi.forget.bind(wifi);
    wifi.forget = () => (order.push('forget'), forget());
    const system = { reboot: () => void order.push(`reboot@${clock.now()}`) };
    const prov = createProvisioner({ clock, storage, wifi, system }, { rebootDelayMs: 100, timeoutMs: 1000 });
    prov.on('reset', () => order.push('reset-event'));
    await prov.start();
    prov.setCurState(1);
    order.length = 0;
    void prov.factoryReset('app');
    expect(clock.pending()).toBe(1); // only the reboot timer is left
    clock.advance(100);
    expect(order).toEqual(['journal', 'wipe', 'forget', 'compact', 'reset-event', 'reboot@100']);
    expect(mem.load()).toBeUndefined();
    expect(mem.loadJournal()).toEqual({ resets: [{ cause: 'app', at: clock.epoch }], buttonLatched: false });
  });

  it('R7.2 no persistence after a reset begins: a save during the reboot delay cannot rewrite the config (mgos race)', async () => {
    const { dev } = await boot({ config: { rebootDelayMs: 500 } });
    dev.prov.setCurState(2);
    void dev.prov.factoryReset('app');
    const writes = dev.storage.writes;
    dev.prov.setCurState(3);
    dev.prov.setMaxState(7);
    await dev.prov.configureSta(HOME).catch(() => undefined);
    dev.clock.advance(500);
    expect(dev.storage.writes).toBe(writes);
    expect(dev.storage.load()).toBeUndefined();
  });

  it('R7.2 a reset wipes max and wifiConfigured and forgets stored credentials, keeping the journal', async () => {
    const { dev } = await boot();
    await dev.prov.configureSta(HOME);
    expect(dev.wifi.hasStoredCredentials()).toBe(true);
    void dev.prov.factoryReset('app');
    dev.clock.advance(1000);
    expect(dev.wifi.hasStoredCredentials()).toBe(false);
    expect(dev.storage.load()).toBeUndefined();
    expect(dev.prov.getMaxState()).toBe(0);
    expect(dev.prov.isWifiConfigured()).toBe(false);
    expect(dev.storage.loadJournal()!.resets).toHaveLength(1);
  });

  it('R7.2 the journal keeps the last 16 resets', async () => {
    const { dev } = await boot();
    const journal = { resets: Array.from({ length: 16 }, (_, i) => ({ cause: 'app' as const, at: i })), buttonLatched: false };
    dev.storage.saveJournal(journal);
    const { dev: d2 } = await boot({ storage: dev.storage });
    void d2.prov.factoryReset('timeout');
    const j = d2.storage.loadJournal()!;
    expect(j.resets).toHaveLength(16);
    expect(j.resets[0].at).toBe(1);
    expect(j.resets[15].cause).toBe('timeout');
  });

  it('R7.3 a failing step is reported and the remaining steps still run; the reboot always happens', async () => {
    const { dev, log } = await boot();
    dev.storage.failNext('wipe', new Error('EROFS: read-only file system'));
    dev.storage.failNext('saveJournal');
    dev.storage.failNext('compact');
    void dev.prov.factoryReset('app');
    dev.clock.advance(100);
    const errors = payloads<{ code: string; message: string }>(log, 'error');
    expect(errors.map((e) => e.message)).toEqual([
      'factory reset: writing the reset journal failed: injected saveJournal failure',
      'factory reset: wiping storage failed: EROFS: read-only file system',
      'factory reset: compacting storage failed: injected compact failure',
    ]);
    // The journal that failed before the wipe was written again after it (a full disk has room now).
    expect(dev.storage.loadJournal()!.resets.map((r) => r.cause)).toEqual(['app']);
    expect(names(log, ['reset'])).toEqual(['reset']);
    expect(dev.system.reboots).toHaveLength(1);
  });

  it('R7.3 even a throwing reset listener and a failing Wi-Fi forget cannot stop the reboot', async () => {
    const { dev, log } = await boot();
    dev.prov.on('reset', () => {
      throw new Error('listener bug');
    });
    dev.wifi.forget = () => {
      throw new Error('wpa_supplicant gone');
    };
    void dev.prov.factoryReset('app');
    dev.clock.advance(100);
    expect(payloads<{ message: string }>(log, 'error').map((e) => e.message)).toEqual([
      expect.stringContaining('wpa_supplicant gone'),
      expect.stringContaining('listener bug'),
    ]);
    expect(dev.system.reboots).toHaveLength(1);
  });

  it('R7.3 the reboot happens with asynchronous ports too, after the writes in flight', async () => {
    const clock = new SimulatedClock();
    const mem = createMemoryStorage();
    const slow = <T>(v: () => T): Promise<T> => Promise.resolve().then(v);
    const storage: StoragePort = {
      load: () => slow(() => mem.load()),
      save: (r) => slow(() => mem.save(r)),
      wipe: () => slow(() => mem.wipe()),
      loadJournal: () => slow(() => mem.loadJournal()),
      saveJournal: (j) => slow(() => mem.saveJournal(j)),
    };
    const system = createRecordingSystem(clock);
    const prov = createProvisioner({ clock, storage, system }, { button: { holdMs: -1 } });
    await prov.start();
    prov.setCurState(2);
    const done = prov.factoryReset('app');
    // Let the asynchronous steps settle until only the reboot timer is left.
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(clock.pending()).toBe(1); // the reboot timer; each step's time limit was cleared
    clock.advance(100);
    await done;
    expect(system.reboots).toHaveLength(1);
    expect(mem.load()).toBeUndefined();
    expect(mem.loadJournal()!.resets).toHaveLength(1);
  });

  describe('R7.3 a port that never answers cannot stop the reboot: each step waits at most resetStepTimeoutMs', () => {
    const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
    /** Let promise callbacks run, then move the simulated clock on by `ms`, 1 ms at a time. */
    const run = async (clock: SimulatedClock, ms: number): Promise<void> => {
      for (let t = 0; t < ms; t++) {
        for (let i = 0; i < 20; i++) await Promise.resolve();
        clock.advance(1);
      }
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };

    it('a storage and a Wi-Fi whose promises never settle: every step fails after the limit, the others run, the reboot happens', async () => {
      const clock = new SimulatedClock();
      const mem = createMemoryStorage();
      const storage: StoragePort = {
        load: () => mem.load(),
        save: (r) => mem.save(r),
        wipe: () => never(),
        loadJournal: () => mem.loadJournal(),
        saveJournal: () => never(),
        compact: () => never(),
      };
      const wifi = createSimulatedWifi(clock);
      wifi.forget = () => never();
      const system = createRecordingSystem(clock);
      const prov = createProvisioner({ clock, storage, wifi, system }, { resetStepTimeoutMs: 500, rebootDelayMs: 100 });
      const errors: { code: string; message: string; at: number }[] = [];
      prov.on('error', (e) => errors.push({ code: e.code, message: e.message, at: clock.now() }));
      let resetAt = -1;
      prov.on('reset', () => (resetAt = clock.now()));
      await prov.start();
      let resolved = false;
      void prov.factoryReset('app').then(() => (resolved = true));
      await run(clock, 3000);
      // journal, wipe, forget, the journal again (it failed before the wipe), compact: 500 ms each.
      expect(errors).toEqual([
        { code: 'timeout', message: 'factory reset: writing the reset journal failed: no answer within 500 ms (resetStepTimeoutMs)', at: 500 },
        { code: 'timeout', message: 'factory reset: wiping storage failed: no answer within 500 ms (resetStepTimeoutMs)', at: 1000 },
        { code: 'timeout', message: 'factory reset: forgetting Wi-Fi credentials failed: no answer within 500 ms (resetStepTimeoutMs)', at: 1500 },
        { code: 'timeout', message: 'factory reset: writing the reset journal again failed: no answer within 500 ms (resetStepTimeoutMs)', at: 2000 },
        { code: 'timeout', message: 'factory reset: compacting storage failed: no answer within 500 ms (resetStepTimeoutMs)', at: 2500 },
      ]);
      expect(resetAt).toBe(2500);
      expect(system.reboots).toEqual([2600]);
      expect(resolved).toBe(true);
      expect(clock.pending()).toBe(0);
    });

    it('a save in flight that never finishes, and a reboot that never answers: both bounded, factoryReset() resolves', async () => {
      const clock = new SimulatedClock();
      const mem = createMemoryStorage();
      let hangSaves = false;
      const storage: StoragePort = {
        load: () => mem.load(),
        save: (r) => (hangSaves ? never<void>() : mem.save(r)),
        wipe: () => mem.wipe(),
        loadJournal: () => mem.loadJournal(),
        saveJournal: (j) => mem.saveJournal(j),
      };
      let reboots = 0;
      const system = {
        reboot: () => {
          reboots++;
          return never<void>();
        },
      };
      const prov = createProvisioner({ clock, storage, system }, { button: { holdMs: -1 }, resetStepTimeoutMs: 2000 });
      const errors: string[] = [];
      prov.on('error', (e) => errors.push(`${clock.now()} ${e.message}`));
      await prov.start();
      hangSaves = true;
      prov.setCurState(3); // this save never returns
      let resolved = false;
      void prov.factoryReset('timeout').then(() => (resolved = true));
      await run(clock, 1999);
      expect(mem.loadJournal()).toBeUndefined(); // still waiting for the write in flight
      await run(clock, 1);
      expect(mem.loadJournal()!.resets.map((r) => r.cause)).toEqual(['timeout']);
      await run(clock, 100 + 2000);
      expect(reboots).toBe(1);
      expect(resolved).toBe(true);
      expect(errors).toEqual([
        '2000 factory reset: the write in flight did not finish: no answer within 2000 ms (resetStepTimeoutMs)',
        '4100 reboot failed: no answer within 2000 ms (resetStepTimeoutMs)',
      ]);
    });

    it('resetStepTimeoutMs is validated like the other keys', () => {
      const clock = new SimulatedClock();
      const ports = { clock, storage: createMemoryStorage(), system: createRecordingSystem(clock) };
      expect(createProvisioner(ports).config.resetStepTimeoutMs).toBe(2000);
      for (const bad of [0, -1, 600001, 1.5, '2000', null]) {
        expect(() => createProvisioner(ports, { resetStepTimeoutMs: bad as number })).toThrow(
          expect.objectContaining({ code: 'invalid-config', field: 'resetStepTimeoutMs', message: expect.stringContaining('an integer from 1 to 600000') }),
        );
      }
    });
  });
});
