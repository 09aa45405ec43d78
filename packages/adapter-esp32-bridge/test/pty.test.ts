import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import type { ConformanceTarget } from '@provision/core/testing';
import type { WifiEvent } from '@provision/core';
import { AtClient } from '../src/at-client';
import { atQuote } from '../src/escape';
import { createModuleButton, createModuleLed } from '../src/gpio';
import { openSerial } from '../src/serial';
import { createModuleStorage } from '../src/storage';
import { createModuleSystem } from '../src/system';
import { createModuleWifi } from '../src/wifi';
import { attachToPty, createPtyPair, EspAtSimulator } from '../src/simulator';
import { CAFE, HOME } from './helpers';

// These tests use a real pseudo-terminal pair (socat) with the real serialport binding on the host end,
// so termios and the native binding are exercised. They run on real time and only wait for events.
const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
const SKIP_REASON = 'PTY tests skipped: socat is not installed (apt-get install socat)';

interface PtyRig {
  sim: EspAtSimulator;
  client: AtClient;
  cleanup(): Promise<void>;
}

async function ptyRig(chip: 'esp32' | 'esp32c3' = 'esp32', commandTimeoutMs?: number): Promise<PtyRig> {
  const pair = await createPtyPair();
  const sim = new EspAtSimulator({ chip, joinDelayMs: 30, bootDelayMs: 10, scanDelayMs: 10, networks: [HOME, CAFE] });
  const device = await attachToPty(sim, pair.device);
  const client = new AtClient(() => openSerial(pair.host, { baudRate: 115200 }), { busyRetryDelayMs: 10, commandTimeoutMs });
  await client.open();
  return {
    sim,
    client,
    async cleanup() {
      await client.close();
      await device.close();
      await pair.close();
      sim.destroy();
    },
  };
}

function waitFor<T>(what: string, subscribe: (done: (v: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

if (!hasSocat) {
  describe.skip(SKIP_REASON, () => {
    it('needs socat', () => undefined);
  });
} else {
  describe('over a real PTY pair (socat + serialport binding)', () => {
    let rigs: PtyRig[] = [];
    afterEach(async () => {
      for (const r of rigs) await r.cleanup();
      rigs = [];
    });
    const make = async (chip?: 'esp32' | 'esp32c3', commandTimeoutMs?: number): Promise<PtyRig> => {
      const r = await ptyRig(chip, commandTimeoutMs);
      rigs.push(r);
      return r;
    };

    it('round-trips commands through termios, including a split, escaped join', async () => {
      const { client, sim } = await make();
      const gmr = await client.send('AT+GMR');
      expect(gmr.lines[0]).toMatch(/^AT version:/);
      sim.faults.split = 3;
      const seen: string[] = [];
      client.on('unsolicited', (l) => seen.push(l));
      await client.send(`AT+CWJAP=${atQuote(CAFE.ssid)},${atQuote(CAFE.passphrase)}`, { timeoutMs: 10_000 });
      expect(seen).toEqual(['WIFI CONNECTED', 'WIFI GOT IP']);
      expect((await client.send('AT+CWSTATE?')).lines).toEqual([`+CWSTATE:2,"${CAFE.ssid}"`]);
    });

    it('Wi-Fi port: connect, auth-error, persist over the PTY', async () => {
      const { client, sim } = await make();
      const wifi = createModuleWifi(client, { retryDelayMs: 100 });
      const events: WifiEvent[] = [];
      let notify: ((e: WifiEvent) => void) | undefined;
      wifi.subscribe((e) => {
        events.push(e);
        if (notify) notify(e);
      });
      const bad = waitFor<WifiEvent>('auth-error', (done) => (notify = (e) => e.type === 'disconnected' && done(e)));
      await wifi.connect({ ssid: HOME.ssid, passphrase: 'not the passphrase' }, { persist: false });
      expect(await bad).toEqual({ type: 'disconnected', reason: 'auth-error', raw: 2 });
      const good = waitFor<WifiEvent>('connected', (done) => (notify = (e) => e.type === 'connected' && done(e)));
      await wifi.connect(HOME, { persist: false });
      expect(await good).toEqual({ type: 'connected', ip: '192.168.4.23' });
      expect(sim.storedStation).toBeUndefined();
      await wifi.persist();
      expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
    });

    it('storage, button and LED over the PTY', async () => {
      const { client, sim } = await make('esp32c3');
      const storage = createModuleStorage(client);
      await storage.save({ v: 1, max: 2, wifiConfigured: true });
      expect(await storage.load()).toEqual({ v: 1, max: 2, wifiConfigured: true });
      const led = createModuleLed(client, { chip: 'esp32c3', pin: 8 });
      await led.set(true);
      expect(sim.pin(8)).toMatchObject({ output: true, high: true });
      const button = createModuleButton(client, { chip: 'esp32c3', pin: 9, pollIntervalMs: 20 });
      let edgeSeen: ((pressed: boolean) => void) | undefined;
      const stop = button.watch((e) => edgeSeen && edgeSeen(e.pressed));
      const pressed = waitFor<boolean>('a pressed edge', (done) => (edgeSeen = done));
      sim.setPin(9, false);
      expect(await pressed).toBe(true);
      stop();
    });

    it('a damaged +SYSMFG length field over the PTY (longer, shorter, absurd) never wedges the link; load() returns the record', async () => {
      const { client, sim } = await make('esp32', 300);
      const storage = createModuleStorage(client);
      await storage.save({ v: 1, max: 3, wifiConfigured: true });
      for (const length of ['90', '20', '3700000000']) {
        let damaged = false;
        sim.faults.tamper = (bytes) => {
          const t = Buffer.from(bytes).toString('latin1');
          if (damaged || !t.includes('+SYSMFG:"provision","record",7,')) return bytes;
          damaged = true;
          return Buffer.from(t.replace(/("record",7,)\d+,/, `$1${length},`), 'latin1');
        };
        expect(await storage.load()).toEqual({ v: 1, max: 3, wifiConfigured: true });
        expect(damaged).toBe(true);
        expect(client.bufferedBytes).toBe(0);
      }
      sim.faults.tamper = undefined;
      expect((await client.send('AT+CWMODE?')).lines).toEqual(['+CWMODE:1']);
    });

    it('a module reboot mid-command over the PTY fails the command and the link recovers', async () => {
      const { client, sim } = await make();
      sim.faults.rebootDuring = 'AT+CWJAP';
      await expect(client.send(`AT+CWJAP=${atQuote(HOME.ssid)},${atQuote(HOME.passphrase)}`, { timeoutMs: 10_000 })).rejects.toMatchObject({
        at: { reason: 'reset' },
      });
      expect((await client.send('AT')).result).toBe('OK');
    });
  });

  const ptyTarget: ConformanceTarget = {
    name: 'adapter-esp32-bridge (simulated module behind a real PTY)',
    async storage() {
      const r = await ptyRig();
      const port = createModuleStorage(r.client, { userKeys: ['appcfg'] });
      return {
        port,
        cleanup: r.cleanup,
        reopen: () => createModuleStorage(r.client, { userKeys: ['appcfg'] }),
        corruptRecord: (raw: string) => r.sim.setNvsValue('provision', 'record', raw),
        writeUserConfig: () => port.nvs.write('appcfg', '{}'),
        userConfigExists: async () => (await port.nvs.keys()).includes('appcfg'),
      };
    },
    async button() {
      const r = await ptyRig('esp32c3');
      const port = createModuleButton(r.client, { chip: 'esp32c3', pin: 9, pollIntervalMs: 10 });
      return {
        port,
        press: () => r.sim.setPin(9, false),
        release: () => r.sim.setPin(9, undefined),
        cleanup: async () => {
          port.close();
          await r.cleanup();
        },
      };
    },
    async led() {
      const r = await ptyRig();
      const port = createModuleLed(r.client, { chip: 'esp32', pin: 2 });
      return { port, cleanup: r.cleanup, observe: () => ({ mode: 'steady', on: r.sim.pin(2).output && r.sim.pin(2).high }) };
    },
    async wifi() {
      const r = await ptyRig();
      return {
        port: createModuleWifi(r.client, { retryDelayMs: 100 }),
        good: HOME,
        wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
        missingNetwork: { ssid: 'NotInRange', passphrase: 'whatever123' },
        eventTimeoutMs: 10_000,
        cleanup: r.cleanup,
      };
    },
    async system() {
      const r = await ptyRig();
      let reboots = 0;
      return { port: createModuleSystem(r.client, { hostReboot: () => void reboots++ }), reboots: () => reboots, cleanup: r.cleanup };
    },
  };
  runPortConformance({ describe, it }, ptyTarget);
}
