import { afterEach, describe, it, vi } from 'vitest';
import {
  createMemoryStorage,
  createRecordingLed,
  createRecordingSystem,
  createSimulatedButton,
  createSimulatedWifi,
  runPortConformance,
  SimulatedClock,
} from '@provision/core/testing';
import { defaultClock } from '@provision/core';

const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };

// The in-memory ports pass the same suite every adapter runs (STYLE §3).
for (const blink of [false, true]) {
  runPortConformance(
    { describe, it },
    {
      name: `simulated ports${blink ? ' (with blink)' : ''}`,
      storage: () => {
        const port = createMemoryStorage({ withCompact: blink });
        const userConfig = 'conf9.json';
        return {
          port,
          reopen: () => port,
          corruptRecord: (raw) => port.corrupt(raw),
          makeUnreadable: () => port.failNext('load', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })),
          writeUserConfig: () => void (port.userConfig[userConfig] = '{}'),
          userConfigExists: () => userConfig in port.userConfig,
        };
      },
      button: () => {
        const clock = new SimulatedClock();
        const port = createSimulatedButton(clock);
        return { port, press: () => port.press(), release: () => port.release() };
      },
      led: () => {
        const clock = new SimulatedClock();
        const port = createRecordingLed(clock, { blink });
        return {
          port,
          observe: () => {
            const last = port.blinks[port.blinks.length - 1];
            return port.mode() === 'blink' ? { mode: 'blink' as const, onMs: last.onMs, offMs: last.offMs } : { mode: 'steady' as const, on: port.isLit() };
          },
        };
      },
      wifi: () => {
        const clock = new SimulatedClock();
        const port = createSimulatedWifi(clock, { joinMs: 100 });
        port.addNetwork(HOME.ssid, HOME.passphrase);
        return {
          port,
          good: HOME,
          wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
          missingNetwork: { ssid: 'Elsewhere', passphrase: 'whatever123' },
          tick: () => clock.advance(50),
        };
      },
      system: () => {
        const clock = new SimulatedClock();
        const port = createRecordingSystem(clock, { uptime: blink });
        return { port, reboots: () => port.reboots.length };
      },
      clock: () => {
        if (blink) {
          // The default clock looks the global timers up at call time, so fake timers drive it.
          vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
          return { port: defaultClock, advance: (ms: number) => void vi.advanceTimersByTime(ms), cleanup: () => void vi.useRealTimers() };
        }
        const clock = new SimulatedClock();
        return { port: clock, advance: (ms: number) => clock.advance(ms) };
      },
    },
  );
}

afterEach(() => {
  vi.useRealTimers();
});
