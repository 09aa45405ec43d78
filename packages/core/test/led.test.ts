import { describe, expect, it } from 'vitest';
import { createProvisioner, patternFor } from '@provision/core';
import { createMemoryStorage, createRecordingLed, createRecordingSystem, createSimulatedDevice, SimulatedClock } from '@provision/core/testing';
import { boot, startDevice } from './helpers';

/** Intervals between consecutive LED changes from index `from`. */
function gaps(times: { at: number }[], from = 0): number[] {
  const t = times.slice(from);
  return t.slice(1).map((c, i) => c.at - t[i].at);
}

describe('§6 LED', () => {
  it('R6.1 the mgos table: 0 → 1000 ms, 1 → 500 ms, 2 → 250 ms, ≥ stable → solid on', () => {
    expect(patternFor(0, 3)).toEqual({ on: 1000, off: 1000 });
    expect(patternFor(1, 3)).toEqual({ on: 500, off: 500 });
    expect(patternFor(2, 3)).toEqual({ on: 250, off: 250 });
    expect(patternFor(3, 3)).toEqual({ on: 1, off: 0 });
    expect(patternFor(9, 3)).toEqual({ on: 1, off: 0 });
  });

  it('R6.1 states between 3 and stable-1 blink every 250 ms (mgos leaves the old pattern running)', () => {
    expect(patternFor(3, 5)).toEqual({ on: 250, off: 250 });
    expect(patternFor(4, 5)).toEqual({ on: 250, off: 250 });
    expect(patternFor(5, 5)).toEqual({ on: 1, off: 0 });
  });

  it('R6.1 stableState 0 uses 3 as the effective stable state', () => {
    expect(patternFor(2, 0)).toEqual({ on: 250, off: 250 });
    expect(patternFor(3, 0)).toEqual({ on: 1, off: 0 });
  });

  it('R6.1 led.patterns overrides by state and for stable', () => {
    const o = { '1': { on: 100, off: 900 }, stable: { on: 50, off: 2950 } };
    expect(patternFor(1, 3, o)).toEqual({ on: 100, off: 900 });
    expect(patternFor(4, 3, o)).toEqual({ on: 50, off: 2950 });
    expect(patternFor(0, 3, o)).toEqual({ on: 1000, off: 1000 });
  });

  it('R6.1 the LED follows cur through a whole provisioning', async () => {
    const { dev } = await boot();
    dev.led.timeline.length = 0;
    dev.prov.setCurState(1);
    dev.clock.advance(2000);
    expect(gaps(dev.led.timeline)).toEqual([500, 500, 500, 500]);
    dev.led.timeline.length = 0;
    dev.prov.setCurState(2);
    dev.clock.advance(1000);
    expect(gaps(dev.led.timeline)).toEqual([250, 250, 250, 250]);
    dev.led.timeline.length = 0;
    dev.prov.setCurState(3);
    dev.clock.advance(10_000);
    expect(dev.led.timeline).toEqual([{ at: dev.clock.now() - 10_000, on: true }]);
  });

  it('R6.2 the LED is off from construction until the first state event', async () => {
    const clock = new SimulatedClock();
    const led = createRecordingLed(clock);
    const prov = createProvisioner({ clock, led, storage: createMemoryStorage(), system: createRecordingSystem(clock) });
    expect(led.timeline).toEqual([{ at: 0, on: false }]);
    clock.advance(5000);
    expect(led.timeline).toEqual([{ at: 0, on: false }]);
    const p = prov.start();
    clock.advance(10);
    await p;
    expect(led.timeline[1]).toEqual({ at: 5000, on: true });
  });

  it('R6.2 toggle times are computed from the pattern start: no drift after a day of blinking', async () => {
    const { dev } = await boot({ config: { timeoutMs: 0 } });
    const start = dev.clock.now();
    dev.led.timeline.length = 0;
    dev.prov.setCurState(1); // 500/500 from `start`
    dev.clock.advance(86_400_000);
    const tl = dev.led.timeline;
    expect(tl.length).toBe(86_400_000 / 500 + 1);
    for (let k = 0; k < tl.length; k++) {
      expect(tl[k].at).toBe(start + k * 500);
      expect(tl[k].on).toBe(k % 2 === 0);
    }
  });

  it('R6.2 a late timer lands on the right phase instead of shifting later toggles', async () => {
    // A clock whose timers fire 30 ms late.
    const base = new SimulatedClock();
    const late = { ...base, now: () => base.now(), setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms + 30), clearTimeout: (h: unknown) => base.clearTimeout(h) };
    const led = createRecordingLed(base);
    const prov = createProvisioner({ clock: late, led, storage: createMemoryStorage(), system: createRecordingSystem(base) }, { button: { holdMs: -1 } });
    await prov.start();
    base.advance(10_030);
    // Every toggle is late by the same 30 ms: none accumulates.
    const ats = led.timeline.slice(1).map((c) => c.at);
    expect(ats.slice(1)).toEqual(ats.slice(1).map((_, i) => (i + 1) * 1000 + 30));
  });

  it('R6.2 when the port can blink(), the core delegates and sets no timer of its own', async () => {
    const { dev } = await boot({ ledBlink: true, config: { button: { holdMs: -1 }, timeoutMs: 0 } });
    expect(dev.led.blinks).toEqual([{ at: 0, onMs: 1000, offMs: 1000 }]);
    dev.prov.setCurState(2);
    expect(dev.led.blinks.slice(-1)).toEqual([{ at: 10, onMs: 250, offMs: 250 }]);
    expect(dev.clock.pending()).toBe(0);
    dev.prov.setCurState(3);
    expect(dev.led.mode()).toBe('steady');
    expect(dev.led.isLit()).toBe(true);
  });

  it('R6.3 reset pending toggles every 100 ms; a factory reset in progress is solid off', async () => {
    const { dev } = await boot({ config: { button: { holdMs: 2000 } } });
    dev.button.press();
    dev.clock.advance(50);
    const from = dev.led.timeline.length;
    dev.clock.advance(1000);
    expect(gaps(dev.led.timeline, from - 1).every((g) => g === 100)).toBe(true);
    dev.clock.advance(1000);
    expect(dev.prov.isResetting()).toBe(true);
    const after = dev.led.timeline.length;
    expect(dev.led.timeline[after - 1].on).toBe(false);
    dev.clock.advance(5000);
    expect(dev.led.timeline.length).toBe(after);
  });

  it('R6.2 a device without an LED port works', async () => {
    const dev = createSimulatedDevice();
    const prov = createProvisioner({ clock: dev.clock, storage: dev.storage, system: dev.system });
    dev.prov = prov;
    await startDevice(dev);
    prov.setCurState(2);
    expect(prov.getCurState()).toBe(2);
  });
});

describe('§6 LED overrides', () => {
  it('R6.3 led.patterns.resetPending overrides the reset-pending pattern', async () => {
    const { dev } = await boot({ ledBlink: true, config: { button: { holdMs: 2000 }, led: { patterns: { resetPending: { on: 50, off: 150 } } } } });
    dev.button.press();
    dev.clock.advance(50);
    expect(dev.led.blinks.slice(-1)).toEqual([{ at: 60, onMs: 50, offMs: 150 }]);
  });
});
