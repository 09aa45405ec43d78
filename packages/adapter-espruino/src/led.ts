import { provisionError, type LedPort } from '@provision/core';
import { G, type EspruinoPin } from './espruino';

/** Options of {@link createEspruinoLed}. */
export interface EspruinoLedOptions {
  /** The LED's pin (default `LED1`, the board's first LED). */
  pin?: EspruinoPin;
  /** Lit when the pin is high (default true). False for an LED wired to the supply (most ESP8266 boards). */
  activeHigh?: boolean;
}

/** The LED port, plus the state it last set. */
export interface EspruinoLedPort extends LedPort {
  /** Whether the LED was last set lit. Kept in JS: reading an output pin back would make it an input. */
  isLit(): boolean;
}

/** An LED port's own state; its methods are shared (see LED). */
interface EspruinoLed extends EspruinoLedPort {
  pin_: EspruinoPin;
  high_: boolean;
  /** 1 when lit: on Espruino a number costs one variable less than a boolean. */
  lit_?: number;
}

// The methods every LED port shares (a port of closures would keep its factory's scope alive).
const LED = {
  set: function (this: EspruinoLed, on: boolean): void {
    this.lit_ = on ? 1 : 0;
    G.digitalWrite(this.pin_, !!on === this.high_ ? 1 : 0);
  },
  isLit: function (this: EspruinoLed): boolean {
    return !!this.lit_;
  },
};

/**
 * The status {@link LedPort} on any pin or `LED1`, active high or low. The state is kept in JS and
 * the pin is only ever written: `digitalRead` on an output pin switches it to an input.
 * No `blink()`: the core blinks it with its own timers (R6.2).
 *
 * @example
 * ```js
 * var led = createEspruinoLed({ pin: D2, activeHigh: false });
 * ```
 */
export function createEspruinoLed(options?: EspruinoLedOptions): EspruinoLedPort {
  const o = options || {};
  const pin = o.pin === undefined ? G.LED1 : o.pin;
  if (pin === undefined || pin === null) throw provisionError('invalid-config', 'led.pin is required on a board without LED1', { field: 'led.pin' });
  const high = o.activeHigh !== false;
  const port = Object.create(LED) as EspruinoLed;
  port.pin_ = pin;
  port.high_ = high;
  return port;
}
