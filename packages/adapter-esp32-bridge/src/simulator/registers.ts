import { CHIPS, FUN_IE, FUN_PD, FUN_PU, MCU_SEL_M, MCU_SEL_S } from '../chips';
import type { ChipGpio, ChipName } from '../chips';

/** What a simulated pad is doing, as read back from the register file. */
export interface SimPinState {
  /** IO_MUX selects the GPIO function. */
  gpio: boolean;
  /** The output driver is enabled and routed to `GPIO_OUT`. */
  output: boolean;
  /** Input enable (`FUN_IE`). */
  inputEnabled: boolean;
  /** Internal pull-up (`FUN_PU`). */
  pullUp: boolean;
  /** The level on the pad: the driven output, else the external drive, else the pull. */
  high: boolean;
}

interface Bank {
  out: number;
  enable: number;
}

// IO_MUX pads come out of reset with drive strength 2 (FUN_DRV = 2) and function 0.
const PAD_RESET = 2 << 10;

/**
 * The GPIO part of a chip's register file, with the behaviour `AT+SYSREG` sees on silicon: W1TS / W1TC
 * set and clear `GPIO_OUT` and `GPIO_ENABLE`, `GPIO_IN` reflects the pads (only when input is
 * enabled), IO_MUX and `FUNCn_OUT_SEL` registers keep what is written. Every other address is plain
 * memory that reads back what was written (0 at reset).
 */
export class SimRegisters {
  /** The chip whose map is simulated. */
  readonly chip: ChipGpio;
  private mem = new Map<number, number>();
  private banks: Bank[] = [];
  private external = new Map<number, boolean>();

  /** @param chip - the SoC whose register map to simulate */
  constructor(chip: ChipName) {
    this.chip = CHIPS[chip];
    this.reset();
  }

  /** Power-on reset: outputs off, pads back to function 0. External drives are kept. */
  reset(): void {
    this.mem.clear();
    this.banks = this.chip.banks.map(() => ({ out: 0, enable: 0 }));
  }

  /** Drive a pad from outside (a button): `true` high, `false` low, `undefined` released (floating). */
  setExternal(pin: number, level: boolean | undefined): void {
    if (level === undefined) this.external.delete(pin);
    else this.external.set(pin, level);
  }

  /** Read a register as the SoC would return it. */
  read(address: number): number {
    const a = address >>> 0;
    for (let i = 0; i < this.chip.banks.length; i++) {
      const b = this.chip.banks[i]!;
      const s = this.banks[i]!;
      if (a === b.in) return this.inputWord(i);
      if (a === b.outW1ts - 4) return s.out >>> 0; // GPIO_OUT_REG / GPIO_OUT1_REG
      if (a === b.enableW1ts - 4) return s.enable >>> 0; // GPIO_ENABLE_REG / GPIO_ENABLE1_REG
      if (a === b.outW1ts || a === b.outW1tc || a === b.enableW1ts || a === b.enableW1tc) return 0; // write-only
    }
    return this.mem.get(a) ?? this.resetValue(a);
  }

  /** Write a register as the SoC would take it. */
  write(address: number, value: number): void {
    const a = address >>> 0;
    const v = value >>> 0;
    for (let i = 0; i < this.chip.banks.length; i++) {
      const b = this.chip.banks[i]!;
      const s = this.banks[i]!;
      if (a === b.outW1ts) return void (s.out = (s.out | v) >>> 0);
      if (a === b.outW1tc) return void (s.out = (s.out & ~v) >>> 0);
      if (a === b.enableW1ts) return void (s.enable = (s.enable | v) >>> 0);
      if (a === b.enableW1tc) return void (s.enable = (s.enable & ~v) >>> 0);
      if (a === b.outW1ts - 4) return void (s.out = v);
      if (a === b.enableW1ts - 4) return void (s.enable = v);
      if (a === b.in) return; // read-only
    }
    this.mem.set(a, v);
  }

  /** What a pad is doing now. */
  pin(pin: number): SimPinState {
    const pad = this.chip.ioMux[pin];
    const cfg = pad === undefined ? 0 : this.read(pad);
    const gpio = ((cfg & MCU_SEL_M) >>> MCU_SEL_S) === this.chip.gpioFunction;
    const bank = this.banks[pin >> 5];
    const bit = (1 << (pin & 31)) >>> 0;
    const enabled = bank !== undefined && (bank.enable & bit) !== 0;
    const routed = this.read(this.chip.funcOutSel0 + 4 * pin) === this.chip.sigGpioOut;
    const output = gpio && enabled && routed;
    const ext = this.external.get(pin);
    let high: boolean;
    if (output) high = bank !== undefined && (bank.out & bit) !== 0;
    else if (ext !== undefined) high = ext;
    else if (cfg & FUN_PU) high = true;
    else if (cfg & FUN_PD) high = false;
    else high = false;
    return { gpio, output, inputEnabled: (cfg & FUN_IE) !== 0, pullUp: (cfg & FUN_PU) !== 0, high };
  }

  private resetValue(a: number): number {
    for (const key of Object.keys(this.chip.ioMux)) {
      if (this.chip.ioMux[Number(key)] === a) return PAD_RESET;
    }
    return 0;
  }

  private inputWord(bank: number): number {
    let word = 0;
    for (let bit = 0; bit < 32; bit++) {
      const pin = bank * 32 + bit;
      if (this.chip.ioMux[pin] === undefined) continue;
      const p = this.pin(pin);
      if (p.inputEnabled && p.high) word |= 1 << bit;
    }
    return word >>> 0;
  }
}
