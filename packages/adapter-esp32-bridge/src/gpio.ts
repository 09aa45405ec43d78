import type { ButtonEdge, ButtonPort, LedPort, TimerHandle } from '@provision/core';
import type { AtClient } from './at-client';
import { checkPin, FUN_IE, FUN_PD, FUN_PU, MCU_SEL_M, MCU_SEL_S } from './chips';
import type { ChipGpio, ChipName } from './chips';

const SYSREG_LINE = /^\+SYSREG:(0x[0-9a-fA-F]+|\d+)$/;

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** Read a 32-bit SoC register with `AT+SYSREG=0,<addr>`. */
export async function readRegister(client: AtClient, address: number): Promise<number> {
  const r = await client.send(`AT+SYSREG=0,${hex(address)}`);
  for (const line of r.lines) {
    const m = SYSREG_LINE.exec(line);
    if (m) return Number(m[1]) >>> 0;
  }
  throw new Error(`AT+SYSREG read of ${hex(address)} returned no +SYSREG line`);
}

/** Write a 32-bit SoC register with `AT+SYSREG=1,<addr>,<value>`. */
export async function writeRegister(client: AtClient, address: number, value: number): Promise<void> {
  await client.send(`AT+SYSREG=1,${hex(address)},${hex(value)}`);
}

function bankOf(c: ChipGpio, pin: number): { bank: ChipGpio['banks'][0]; bit: number } {
  return { bank: c.banks[pin >> 5]!, bit: (1 << (pin & 31)) >>> 0 };
}

/** Options of {@link createModuleButton}. */
export interface ModuleButtonOptions {
  /** The module's SoC. */
  chip: ChipName;
  /** GPIO number of the button. */
  pin: number;
  /** Pressed means low (button to GND), the usual wiring (default true). */
  activeLow?: boolean;
  /** Enable the internal pull-up (default: same as `activeLow`). */
  pullUp?: boolean;
  /** How often the level is read over the UART (ms, default 50). */
  pollIntervalMs?: number;
  /** The AT UART pins [tx, rx, cts, rts] when they differ from ESP-AT's default for the chip. */
  atUartPins?: readonly number[];
}

/**
 * A reset button on a module GPIO, read with `AT+SYSREG` (stock ESP-AT has no GPIO commands).
 *
 * The pad is configured once (IO_MUX: GPIO function, input enable, pull-up; output driver off), then
 * `GPIO_IN` is polled every `pollIntervalMs` while someone watches. Each poll is one AT round trip on
 * the shared UART (about 24 bytes each way: at 115200 baud ≈4 ms of line time, so about 8 % of the
 * link at the default 50 ms, plus the module's command handling). While a blocking command runs (`AT+CWJAP` can take up to `jap_timeout`, 15 s by
 * default) the module answers `busy p...`, so a press is seen only when that command has finished:
 * the latency is one poll interval when idle and up to the join time during a join. A press shorter
 * than the poll interval can be missed; the core's debounce runs on the polled edges. The first sample
 * after `watch()` is compared with "released", so a button already held is delivered as a press.
 *
 * @example
 * ```ts
 * const button = createModuleButton(client, { chip: 'esp32', pin: 0 });
 * const stop = button.watch((e) => console.log(e.pressed ? 'pressed' : 'released'));
 * ```
 */
export function createModuleButton(client: AtClient, options: ModuleButtonOptions): ButtonPort & { close(): void } {
  const activeLow = options.activeLow ?? true;
  const pullUp = options.pullUp ?? activeLow;
  const chip = checkPin(options.chip, options.pin, { direction: 'input', pullUp, atUartPins: options.atUartPins });
  const interval = options.pollIntervalMs ?? 50;
  const clock = client.clock;
  const { bank, bit } = bankOf(chip, options.pin);
  const listeners: Array<(edge: ButtonEdge) => void> = [];
  let configured: Promise<void> | undefined;
  let timer: TimerHandle | undefined;
  let polling = false;
  let last: boolean | undefined;

  function configure(): Promise<void> {
    if (!configured) {
      configured = (async () => {
        const pad = chip.ioMux[options.pin]!;
        const v = await readRegister(client, pad);
        let next = (v & ~MCU_SEL_M & ~FUN_PD & ~FUN_PU) | (chip.gpioFunction << MCU_SEL_S) | FUN_IE;
        if (pullUp) next |= FUN_PU;
        await writeRegister(client, pad, next >>> 0);
        await writeRegister(client, bank.enableW1tc, bit);
      })();
      configured.catch(() => (configured = undefined));
    }
    return configured;
  }

  async function level(): Promise<boolean> {
    await configure();
    const v = await readRegister(client, bank.in);
    const high = (v & bit) !== 0;
    return activeLow ? !high : high;
  }

  function schedule(): void {
    if (timer !== undefined || listeners.length === 0) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void poll();
    }, interval);
  }

  async function poll(): Promise<void> {
    if (polling || listeners.length === 0) return;
    polling = true;
    try {
      const pressed = await level();
      // The first sample is compared with "released": a press that happened between watch() and the
      // first poll (or a button already held) is delivered as a pressed edge, never lost.
      if (pressed !== (last ?? false)) {
        const edge: ButtonEdge = { pressed, at: clock.now() };
        for (const l of listeners.slice()) {
          try {
            l(edge);
          } catch {
            // One listener's failure must not stop polling.
          }
        }
      }
      last = pressed;
    } catch {
      // A failed read (timeout, port closed) is retried at the next poll; the AT client reports it.
    } finally {
      polling = false;
      schedule();
    }
  }

  function stopPolling(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    last = undefined;
  }

  return {
    read: level,
    watch(listener) {
      listeners.push(listener);
      if (listeners.length === 1) void poll();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
        if (listeners.length === 0) stopPolling();
      };
    },
    close() {
      listeners.length = 0;
      stopPolling();
    },
  };
}

/** Options of {@link createModuleLed}. */
export interface ModuleLedOptions {
  /** The module's SoC. */
  chip: ChipName;
  /** GPIO number of the LED. */
  pin: number;
  /** The LED lights when the pin is high (default true). */
  activeHigh?: boolean;
  /** The AT UART pins [tx, rx, cts, rts] when they differ from ESP-AT's default for the chip. */
  atUartPins?: readonly number[];
}

/**
 * A status LED on a module GPIO, driven with `AT+SYSREG`: the pad is routed to `GPIO_OUT` once (IO_MUX
 * GPIO function, `GPIO_FUNCn_OUT_SEL_CFG` = plain GPIO output, output enable), then each `set()` is one
 * write to `GPIO_OUT_W1TS` / `GPIO_OUT_W1TC`. There is no `blink()` offload: the core toggles it, one
 * AT command per toggle (R6.1's fastest pattern is 4 per second).
 *
 * @example
 * ```ts
 * const led = createModuleLed(client, { chip: 'esp32c3', pin: 8, activeHigh: false });
 * await led.set(true);
 * ```
 */
export function createModuleLed(client: AtClient, options: ModuleLedOptions): LedPort {
  const chip = checkPin(options.chip, options.pin, { direction: 'output', atUartPins: options.atUartPins });
  const activeHigh = options.activeHigh ?? true;
  const { bank, bit } = bankOf(chip, options.pin);
  let configured: Promise<void> | undefined;

  function configure(): Promise<void> {
    if (!configured) {
      configured = (async () => {
        const pad = chip.ioMux[options.pin]!;
        const v = await readRegister(client, pad);
        await writeRegister(client, pad, ((v & ~MCU_SEL_M) | (chip.gpioFunction << MCU_SEL_S)) >>> 0);
        await writeRegister(client, chip.funcOutSel0 + 4 * options.pin, chip.sigGpioOut);
        await writeRegister(client, bank.enableW1ts, bit);
      })();
      configured.catch(() => (configured = undefined));
    }
    return configured;
  }

  return {
    async set(on: boolean): Promise<void> {
      await configure();
      const high = on === activeHigh;
      await writeRegister(client, high ? bank.outW1ts : bank.outW1tc, bit);
    },
  };
}
