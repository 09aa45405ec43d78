import { spawn, type ChildProcess } from 'node:child_process';
import type { LedPort } from '@provision/core';
import { adapterError } from '../errors';
import { spawnError } from '../exec';
import { detectLibgpiod, gpiosetArgs, resolveLine, type GpioLineOptions } from './libgpiod';

/** Options for {@link createGpioLed}. */
export interface GpioLedOptions extends Omit<GpioLineOptions, 'activeLow' | 'bias'> {
  /** The LED is lit when the line is high. Default true. */
  activeHigh?: boolean;
  /** Told when a `gpioset` process fails. Default: ignored. */
  onError?: (err: Error) => void;
}

/** A {@link LedPort} on a GPIO line, plus `close()`. */
export interface GpioLed extends LedPort {
  /** libgpiod tools version in use. */
  readonly libgpiodVersion: string;
  /** Release the line (kills the `gpioset` process). */
  close(): void;
}

/**
 * A status LED on a raw GPIO line, for boards without an LED class device. A `gpioset` process holds
 * the line at the requested level (a line released by its last user may revert). With libgpiod v2,
 * `blink()` is offloaded to `gpioset --toggle`, so this process sets no timers; with v1 the port has no
 * `blink()` and the core blinks through `set()`.
 *
 * @example
 * ```ts
 * const led = await createGpioLed({ chip: 'gpiochip0', line: 27 });
 * await led.blink?.(500, 500);
 * ```
 */
export async function createGpioLed(options: GpioLedOptions): Promise<GpioLed> {
  const env = options.env ?? process.env;
  const { major, version } = await detectLibgpiod('gpioset', env);
  const line = await resolveLine({ ...options, activeLow: options.activeHigh === false }, major);
  const onError = options.onError ?? (() => undefined);
  let child: ChildProcess | undefined;

  function hold(value: 0 | 1, toggleMs?: [number, number]): Promise<void> {
    stop();
    return new Promise((resolve, reject) => {
      let stderr = '';
      const c = spawn('gpioset', gpiosetArgs(line, value, toggleMs), { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('spawn', () => resolve());
      c.on('error', (e: NodeJS.ErrnoException) => {
        const err = spawnError('gpioset', e, 'gpiod');
        reject(err);
        onError(err);
      });
      c.on('close', (code, signal) => {
        if (child === c) child = undefined;
        if (signal === 'SIGTERM') return;
        onError(adapterError('invalid-config', `gpioset stopped driving LED ${line.label}: ${stderr.trim() || `exit code ${code}`}`));
      });
    });
  }

  function stop(): void {
    const c = child;
    child = undefined;
    c?.kill('SIGTERM');
  }

  const led: GpioLed = {
    libgpiodVersion: version,
    set: (on) => hold(on ? 1 : 0),
    close: stop,
  };
  if (major === 2) {
    led.blink = (onMs, offMs) => {
      if (onMs <= 0) return hold(0);
      if (offMs <= 0) return hold(1);
      return hold(1, [Math.round(onMs), Math.round(offMs)]);
    };
  }
  return led;
}
