import { spawn, type ChildProcess } from 'node:child_process';
import type { ButtonEdge, ButtonPort, Clock, TimerHandle } from '@provision/core';
import { nodeClock } from '../clock';
import { adapterError, describe } from '../errors';
import { lineSplitter, run, spawnError } from '../exec';
import { detectLibgpiod, gpiogetArgs, gpiomonArgs, parseGpioget, parseGpiomon, resolveLine, type GpioLineOptions } from './libgpiod';

/** Options for {@link createGpioButton}. */
export interface GpioButtonOptions extends GpioLineOptions {
  /** Time source for edge time stamps and the restart delay. Default the Node clock. */
  clock?: Clock;
  /** If `gpiomon` exits unexpectedly it is restarted after this many ms. Default 1000. */
  restartDelayMs?: number;
  /** Told about `gpiomon` failures (the button keeps trying). Default: ignored. */
  onError?: (err: Error) => void;
}

/** A {@link ButtonPort} on a GPIO line, plus `close()`. */
export interface GpioButton extends ButtonPort {
  /** libgpiod tools version in use, e.g. `1.6.3`. */
  readonly libgpiodVersion: string;
  /** Stop every watcher (kills the `gpiomon` processes). */
  close(): void;
}

/**
 * The reset button on a GPIO line, through libgpiod's tools: `gpioget` reads the level, one `gpiomon`
 * process per watcher reports edges. Works with libgpiod v1 (Debian bookworm) and v2 (trixie), detected
 * with `gpiomon --version`. Polarity (`activeLow`) and `bias` are applied by the kernel, so the core
 * sees pressed = true. Debouncing is left to the core.
 *
 * Rejects with a clear error when the tools, the chip or the line are missing.
 *
 * @example
 * ```ts
 * // A button between GPIO17 and ground, with the internal pull-up.
 * const button = await createGpioButton({ chip: 'gpiochip0', line: 17, activeLow: true, bias: 'pull-up' });
 * ```
 */
export async function createGpioButton(options: GpioButtonOptions): Promise<GpioButton> {
  const env = options.env ?? process.env;
  const { major, version } = await detectLibgpiod('gpiomon', env);
  const line = await resolveLine(options, major);
  const clock = options.clock ?? nodeClock;
  const restartDelay = options.restartDelayMs ?? 1000;
  const onError = options.onError ?? (() => undefined);
  const stops = new Set<() => void>();
  // While gpiomon holds the line, gpioget would get EBUSY: the level is then tracked from the edges.
  let level = false;

  async function read(): Promise<boolean> {
    if (stops.size > 0) return level;
    const r = await run('gpioget', gpiogetArgs(line), { env, pkg: 'gpiod' });
    const v = r.code === 0 ? parseGpioget(r.stdout) : undefined;
    if (v === undefined) {
      throw adapterError('invalid-config', `cannot read GPIO ${line.label}: ${r.stderr.trim() || `gpioget exited with ${r.code}`}`);
    }
    level = v;
    return v;
  }

  // Fail at creation, not at the first press, when the line cannot be requested.
  await read();

  function watch(listener: (edge: ButtonEdge) => void): () => void {
    let child: ChildProcess | undefined;
    let timer: TimerHandle | undefined;
    let stopped = false;

    const start = (): void => {
      timer = undefined;
      let stderr = '';
      const c = spawn('gpiomon', gpiomonArgs(line), { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.setEncoding('utf8').on(
        'data',
        lineSplitter((text) => {
          const pressed = parseGpiomon(text);
          if (pressed === undefined || stopped) return;
          level = pressed;
          listener({ pressed, at: clock.now() });
        }),
      );
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('error', (e: NodeJS.ErrnoException) => onError(spawnError('gpiomon', e, 'gpiod')));
      c.on('close', (code, signal) => {
        if (child === c) child = undefined;
        if (stopped) return;
        const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`);
        onError(adapterError('invalid-config', `gpiomon stopped watching GPIO ${line.label}: ${why}; restarting`));
        timer = clock.setTimeout(start, restartDelay);
      });
    };

    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      stops.delete(stop);
      if (timer !== undefined) clock.clearTimeout(timer);
      child?.kill('SIGTERM');
    };

    stops.add(stop);
    try {
      start();
    } catch (e) {
      onError(adapterError('invalid-config', `cannot start gpiomon: ${describe(e)}`, { cause: e }));
    }
    return stop;
  }

  return {
    libgpiodVersion: version,
    read,
    watch,
    close() {
      for (const s of [...stops]) s();
    },
  };
}
