import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LedPort } from '@provision/core';
import { adapterError, describe } from './errors';

/** File access used by {@link createSysfsLed}; replaceable so tests can emulate the kernel. */
export interface SysfsIo {
  read(file: string): Promise<string>;
  write(file: string, value: string): Promise<void>;
}

/** Options for {@link createSysfsLed}. */
export interface SysfsLedOptions {
  /** The LED class device name, e.g. `ACT` or `led0` (see `ls /sys/class/leds`). */
  name: string;
  /** Where LED class devices live. Default `/sys/class/leds`. */
  root?: string;
  /**
   * False when the kernel's "on" is physically dark (an LED wired inverted without the device tree
   * knowing). Default true.
   */
  activeHigh?: boolean;
  /** File access. Default the real filesystem. */
  io?: SysfsIo;
}

/** A {@link LedPort} on an LED class device, plus `close()`. */
export interface SysfsLed extends LedPort {
  blink(onMs: number, offMs: number): Promise<void>;
  /** The LED's directory. */
  readonly dir: string;
  /** Put back the trigger (and brightness, delays) the LED had before it was opened. */
  close(): Promise<void>;
}

const nodeIo: SysfsIo = {
  read: (file) => fs.readFile(file, 'utf8'),
  write: (file, value) => fs.writeFile(file, value),
};

/** The active trigger in a `trigger` file: `none rc-feedback [timer] heartbeat` → `timer`. */
export function activeTrigger(text: string): string | undefined {
  return /\[([^\]]+)\]/.exec(text)?.[1];
}

/**
 * A status LED through the kernel's LED class (`/sys/class/leds/<name>`). `set()` writes `trigger`
 * `none` then `brightness` (`max_brightness` for on); `blink()` selects the kernel `timer` trigger and
 * writes `delay_on`/`delay_off`, so the kernel blinks the LED with no userspace timer or wake-up.
 * `close()` restores the trigger the LED had before (e.g. `mmc0` for the Pi's activity LED).
 *
 * @example
 * ```ts
 * const led = await createSysfsLed({ name: 'ACT' });
 * await led.blink(250, 250);
 * ```
 */
export async function createSysfsLed(options: SysfsLedOptions): Promise<SysfsLed> {
  const io = options.io ?? nodeIo;
  const dir = path.join(options.root ?? '/sys/class/leds', options.name);
  const activeHigh = options.activeHigh ?? true;
  const f = (n: string) => path.join(dir, n);

  async function read(n: string): Promise<string> {
    try {
      return (await io.read(f(n))).trim();
    } catch (e) {
      throw adapterError('invalid-config', `LED '${options.name}': cannot read ${f(n)}: ${describe(e)}`, { field: 'name', cause: e });
    }
  }
  async function write(n: string, v: string): Promise<void> {
    try {
      await io.write(f(n), v);
    } catch (e) {
      throw adapterError('invalid-config', `LED '${options.name}': cannot write ${f(n)}: ${describe(e)}`, { field: 'name', cause: e });
    }
  }

  const max = Number(await read('max_brightness'));
  if (!Number.isInteger(max) || max <= 0) throw adapterError('invalid-config', `LED '${options.name}': bad max_brightness in ${dir}`);
  const triggers = await read('trigger');
  const original = { trigger: activeTrigger(triggers) ?? 'none', brightness: await read('brightness'), delayOn: '', delayOff: '' };
  if (original.trigger === 'timer') {
    original.delayOn = await read('delay_on');
    original.delayOff = await read('delay_off');
  }
  const hasTimer = /(^|\s|\[)timer(\]|\s|$)/.test(triggers);

  async function steady(lit: boolean): Promise<void> {
    const kernelOn = lit === activeHigh;
    await write('trigger', 'none');
    await write('brightness', kernelOn ? String(max) : '0');
  }

  // The core may call set()/blink() again before the previous writes finished: run them in order so
  // the last call wins instead of interleaving trigger and delay writes.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  }

  async function blink(onMs: number, offMs: number): Promise<void> {
    if (onMs <= 0) return steady(false);
    if (offMs <= 0) return steady(true);
    if (!hasTimer) throw adapterError('not-supported', `LED '${options.name}' has no 'timer' trigger (kernel option CONFIG_LEDS_TRIGGER_TIMER)`);
    // The timer trigger's "on" phase is the kernel's on; an inverted LED swaps the phases.
    const [kOn, kOff] = activeHigh ? [onMs, offMs] : [offMs, onMs];
    await write('trigger', 'timer');
    await write('delay_on', String(Math.round(kOn)));
    await write('delay_off', String(Math.round(kOff)));
  }

  return {
    dir,
    set: (on) => serial(() => steady(on)),
    blink: (onMs, offMs) => serial(() => blink(onMs, offMs)),
    close: () =>
      serial(async () => {
        await write('trigger', original.trigger);
        if (original.trigger === 'timer') {
          await write('delay_on', original.delayOn);
          await write('delay_off', original.delayOff);
        } else if (original.trigger === 'none') {
          await write('brightness', original.brightness);
        }
      }),
  };
}
