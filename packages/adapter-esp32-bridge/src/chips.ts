import { provisionError } from '@provision/core';

/** The SoCs whose GPIO registers this adapter knows. */
export type ChipName = 'esp32' | 'esp32c3' | 'esp32s3';

/** One bank of GPIO registers (32 pins each). */
export interface GpioBank {
  /** `GPIO_OUT_W1TS_REG` (bank 1: `GPIO_OUT1_W1TS_REG`): write 1 to drive a pin high. */
  outW1ts: number;
  /** `GPIO_OUT_W1TC_REG`: write 1 to drive a pin low. */
  outW1tc: number;
  /** `GPIO_ENABLE_W1TS_REG`: write 1 to enable a pin's output driver. */
  enableW1ts: number;
  /** `GPIO_ENABLE_W1TC_REG`: write 1 to disable a pin's output driver. */
  enableW1tc: number;
  /** `GPIO_IN_REG`: the pad levels (pins with input enabled). */
  in: number;
}

/**
 * The registers and pin facts of one chip that the button and LED use through `AT+SYSREG`.
 *
 * Addresses come from the chips' technical reference manuals (chapter "IO MUX and GPIO Matrix",
 * register summaries) and match ESP-IDF's `soc/<chip>/include/soc/{reg_base,gpio_reg,io_mux_reg}.h`.
 */
export interface ChipGpio {
  /** Display name, as used in error messages. */
  name: string;
  /** GPIO 0..31 and, where the chip has them, GPIO 32+. */
  banks: [GpioBank] | [GpioBank, GpioBank];
  /** `GPIO_FUNC0_OUT_SEL_CFG_REG`; pin n is at `+ 4n`. */
  funcOutSel0: number;
  /** Signal index that makes the GPIO matrix drive a pad from `GPIO_OUT` (`SIG_GPIO_OUT_IDX`). */
  sigGpioOut: number;
  /** IO_MUX pad register of each valid pin. */
  ioMux: { readonly [pin: number]: number };
  /** `MCU_SEL` value that selects the GPIO function on every pad (`PIN_FUNC_GPIO`). */
  gpioFunction: number;
  /** Pins the app must never drive: SPI flash / PSRAM, and the log UART. Value: why. */
  reserved: { readonly [pin: number]: string };
  /** ESP-AT's default AT UART pins (TX, RX, CTS, RTS), or undefined when there is no official build. */
  atUartDefault?: readonly number[];
  /** Input-only pads (no output driver, no pull resistors). */
  inputOnly: readonly number[];
  /** Pads whose pull resistors are not in IO_MUX (ESP32 RTC pads: pulls live in RTCIO). */
  noIoMuxPull: readonly number[];
}

// Bit fields of every IO_MUX pad register on these three chips (TRM "IO MUX Pad" register
// description; io_mux_reg.h FUN_PD, FUN_PU, FUN_IE, FUN_DRV, MCU_SEL).
/** IO_MUX `FUN_PD`: pull-down enable. */
export const FUN_PD = 1 << 7;
/** IO_MUX `FUN_PU`: pull-up enable. */
export const FUN_PU = 1 << 8;
/** IO_MUX `FUN_IE`: input enable. */
export const FUN_IE = 1 << 9;
/** IO_MUX `MCU_SEL` shift (3 bits, 14:12). */
export const MCU_SEL_S = 12;
/** IO_MUX `MCU_SEL` mask. */
export const MCU_SEL_M = 0x7 << MCU_SEL_S;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function linearIoMux(base: number, pins: number[]): { [pin: number]: number } {
  const out: { [pin: number]: number } = {};
  for (const p of pins) out[p] = base + 0x04 + 4 * p;
  return out;
}

function reasons(entries: Array<[number[], string]>): { [pin: number]: string } {
  const out: { [pin: number]: string } = {};
  for (const [pins, why] of entries) for (const p of pins) out[p] = why;
  return out;
}

/**
 * ESP32. ESP32 TRM, chapter "IO_MUX and GPIO Matrix", section "Register Summary" (GPIO at
 * DR_REG_GPIO_BASE 0x3FF4_4000, IO_MUX at 0x3FF4_9000) and the "IO_MUX Pad List" (pad registers are not
 * in pin order). GPIO function is MCU_SEL 2. Pads 34..39 are input-only; RTC pads take their pulls
 * from RTCIO, not IO_MUX.
 */
const ESP32: ChipGpio = {
  name: 'ESP32',
  banks: [
    { outW1ts: 0x3ff44008, outW1tc: 0x3ff4400c, enableW1ts: 0x3ff44024, enableW1tc: 0x3ff44028, in: 0x3ff4403c },
    { outW1ts: 0x3ff44014, outW1tc: 0x3ff44018, enableW1ts: 0x3ff44030, enableW1tc: 0x3ff44034, in: 0x3ff44040 },
  ],
  funcOutSel0: 0x3ff44530,
  sigGpioOut: 256,
  ioMux: (() => {
    const off: Array<[number, number]> = [
      [0, 0x44], [1, 0x88], [2, 0x40], [3, 0x84], [4, 0x48], [5, 0x6c], [6, 0x60], [7, 0x64], [8, 0x68],
      [9, 0x54], [10, 0x58], [11, 0x5c], [12, 0x34], [13, 0x38], [14, 0x30], [15, 0x3c], [16, 0x4c],
      [17, 0x50], [18, 0x70], [19, 0x74], [20, 0x78], [21, 0x7c], [22, 0x80], [23, 0x8c], [25, 0x24],
      [26, 0x28], [27, 0x2c], [32, 0x1c], [33, 0x20], [34, 0x14], [35, 0x18], [36, 0x04], [37, 0x08],
      [38, 0x0c], [39, 0x10],
    ];
    const out: { [pin: number]: number } = {};
    for (const [pin, o] of off) out[pin] = 0x3ff49000 + o;
    return out;
  })(),
  gpioFunction: 2,
  reserved: reasons([
    [range(6, 11), 'connected to the SPI flash'],
    [[16, 17], 'used by PSRAM on WROVER modules'],
    [[1, 3], 'the UART0 log port of ESP-AT'],
  ]),
  atUartDefault: [17, 16, 15, 14],
  inputOnly: range(34, 39),
  noIoMuxPull: [0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39],
};

/**
 * ESP32-C3. ESP32-C3 TRM, chapter "IO MUX and GPIO Matrix (GPIO, IO MUX)", register summary (GPIO at
 * 0x6000_4000, IO_MUX at 0x6000_9000, pad n at IO_MUX + 0x04 + 4n). GPIO function is MCU_SEL 1; the
 * plain-GPIO output signal is 128.
 */
const ESP32C3: ChipGpio = {
  name: 'ESP32-C3',
  banks: [{ outW1ts: 0x60004008, outW1tc: 0x6000400c, enableW1ts: 0x60004024, enableW1tc: 0x60004028, in: 0x6000403c }],
  funcOutSel0: 0x60004554,
  sigGpioOut: 128,
  ioMux: linearIoMux(0x60009000, range(0, 21)),
  gpioFunction: 1,
  reserved: reasons([
    [range(12, 17), 'connected to the SPI flash'],
    [[20, 21], 'the UART0 log port of ESP-AT'],
  ]),
  atUartDefault: [7, 6, 5, 4],
  inputOnly: [],
  noIoMuxPull: [],
};

/**
 * ESP32-S3. ESP32-S3 TRM, chapter "IO MUX and GPIO Matrix (GPIO, IO MUX)", register summary (GPIO at
 * 0x6000_4000 with a second bank for GPIO 32..48, IO_MUX at 0x6000_9000, pad n at IO_MUX + 0x04 + 4n).
 * GPIO function is MCU_SEL 1. Espressif publishes no ESP-AT build for the S3, so the AT UART pins of a
 * self-built firmware must be given.
 */
const ESP32S3: ChipGpio = {
  name: 'ESP32-S3',
  banks: [
    { outW1ts: 0x60004008, outW1tc: 0x6000400c, enableW1ts: 0x60004024, enableW1tc: 0x60004028, in: 0x6000403c },
    { outW1ts: 0x60004014, outW1tc: 0x60004018, enableW1ts: 0x60004030, enableW1tc: 0x60004034, in: 0x60004040 },
  ],
  funcOutSel0: 0x60004554,
  sigGpioOut: 256,
  ioMux: linearIoMux(0x60009000, [...range(0, 21), ...range(26, 48)]),
  gpioFunction: 1,
  reserved: reasons([
    [range(26, 32), 'connected to the SPI flash'],
    [range(33, 37), 'used by octal flash / PSRAM on -R8/-N16R8 modules'],
    [[43, 44], 'the UART0 log port of ESP-AT'],
  ]),
  inputOnly: [],
  noIoMuxPull: [],
};

/** The register tables by chip. */
export const CHIPS: { readonly [K in ChipName]: ChipGpio } = { esp32: ESP32, esp32c3: ESP32C3, esp32s3: ESP32S3 };

/** How a pin is going to be used, for {@link checkPin}. */
export interface PinUse {
  /** `output` for an LED, `input` for a button. */
  direction: 'input' | 'output';
  /** The internal pull-up is wanted. */
  pullUp?: boolean;
  /** The AT UART pins of this module (TX, RX, CTS, RTS), when they differ from ESP-AT's default. */
  atUartPins?: readonly number[];
}

/**
 * Refuse a pin that is unsafe or unusable on the chip: not a GPIO, SPI flash / PSRAM, the log UART,
 * the AT UART (driving it would cut the link to the host), an input-only pad used as output, or a
 * pull-up that IO_MUX cannot give. Throws an `invalid-config` error naming the pin and the chip.
 */
export function checkPin(chip: ChipName, pin: number, use: PinUse): ChipGpio {
  const c = CHIPS[chip] as ChipGpio | undefined;
  if (!c) {
    throw provisionError('invalid-config', `chip must be one of ${Object.keys(CHIPS).join(', ')}, got ${JSON.stringify(chip)}`, { field: 'chip' });
  }
  const refuse = (why: string): never => {
    throw provisionError('invalid-config', `GPIO${pin} cannot be used on the ${c.name}: ${why}`, { field: 'pin' });
  };
  if (!Number.isInteger(pin) || c.ioMux[pin] === undefined) refuse('no such GPIO pad');
  const uart = use.atUartPins ?? c.atUartDefault;
  if (!uart) {
    throw provisionError(
      'invalid-config',
      `atUartPins is required on the ${c.name} (there is no official ESP-AT build to take the default from): give the AT UART pins [tx, rx, cts, rts]`,
      { field: 'atUartPins' },
    );
  }
  if (uart.includes(pin)) refuse('it is an AT UART pin (the link to the host)');
  const reserved = c.reserved[pin];
  if (reserved !== undefined) refuse(`it is ${reserved}`);
  if (use.direction === 'output' && c.inputOnly.includes(pin)) refuse('it is input-only');
  if (use.pullUp && (c.inputOnly.includes(pin) || c.noIoMuxPull.includes(pin))) {
    refuse('its pull-up is not in IO_MUX (use an external pull-up and pullUp: false)');
  }
  return c;
}
