// The core's adapter conformance suite against the Espruino ports, running in Node over the simulated
// Espruino built-ins of espruino-sim.ts (Storage journal, pins and setWatch, each platform's Wifi).
import { afterEach, describe, it, vi } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import type { ConformanceTarget } from '@provision/core/testing';
import { createEspruinoButton, createEspruinoClock, createEspruinoLed, createEspruinoStorage, createEspruinoSystem, createEspruinoWifi } from '../src/index';
import { EspruinoSim, simClock, type WifiPlatform } from './espruino-sim';

const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };

/** A fresh board with its globals installed on this process (timers excepted); `cleanup` undoes it. */
function board(wifi?: WifiPlatform): { sim: EspruinoSim; cleanup(): void } {
  const sim = new EspruinoSim({ wifi });
  const undo = sim.install(globalThis, { timers: false });
  return { sim, cleanup: undo };
}

function target(platform: WifiPlatform, debounceMs: number): ConformanceTarget {
  return {
    name: `adapter-espruino (simulated ${platform}${debounceMs ? `, firmware debounce ${debounceMs} ms` : ''})`,
    storage: () => {
      const { sim, cleanup } = board();
      const port = createEspruinoStorage({ files: ['app.json'], compact: debounceMs > 0 });
      return {
        port,
        cleanup,
        // A reboot: RAM is gone, the flash stays.
        reopen: () => createEspruinoStorage({ files: ['app.json'] }),
        corruptRecord: (raw: string) => {
          sim.storage.write('prov.r0', raw);
          sim.storage.write('prov.r1', raw);
        },
        writeUserConfig: () => void sim.storage.write('app.json', '{"theme":"dark"}'),
        userConfigExists: () => sim.storage.read('app.json') !== undefined,
      };
    },
    button: () => {
      const { sim, cleanup } = board();
      const port = createEspruinoButton({ pin: 'D0', activeLow: true, pullUp: true, debounceMs });
      return {
        port,
        cleanup,
        // Active low with the pull-up: pressed shorts the pin to ground, released lets it float high.
        // The firmware's debounce passes on a change once the line was stable that long.
        press: () => {
          sim.pins.drive('D0', 0);
          sim.time.advance(debounceMs);
        },
        release: () => {
          sim.pins.drive('D0', undefined);
          sim.time.advance(debounceMs);
        },
      };
    },
    led: () => {
      const { sim, cleanup } = board();
      const port = createEspruinoLed({ pin: 'D5', activeHigh: debounceMs === 0 });
      const high = debounceMs === 0;
      return {
        port,
        cleanup,
        observe: () => ({ mode: 'steady', on: sim.pins.level('D5') === (high ? 1 : 0) }),
      };
    },
    wifi: () => {
      const { sim, cleanup } = board(platform);
      const w = sim.wifi!;
      w.networks[HOME.ssid] = HOME.passphrase;
      return {
        port: createEspruinoWifi({ clock: simClock(sim.time), retryDelayMs: 1000, connectTimeoutMs: 5000 }),
        good: HOME,
        wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
        missingNetwork: { ssid: 'Elsewhere', passphrase: 'whatever123' },
        tick: () => sim.time.advance(50),
        cleanup,
      };
    },
    system: () => {
      const { sim, cleanup } = board();
      return { port: createEspruinoSystem(), reboots: () => sim.reboots, cleanup };
    },
    clock: () => {
      // The clock calls the global timers: fake them, and let getTime() follow the faked Date.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      vi.stubGlobal('getTime', () => Date.now() / 1000);
      return {
        port: createEspruinoClock(),
        advance: (ms: number) => void vi.advanceTimersByTime(ms),
        cleanup: () => {
          vi.useRealTimers();
          vi.unstubAllGlobals();
        },
      };
    },
  };
}

runPortConformance({ describe, it }, target('esp32', 0));
runPortConformance({ describe, it }, target('esp8266', 25));
runPortConformance({ describe, it }, target('espruino-wifi', 0));

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});
