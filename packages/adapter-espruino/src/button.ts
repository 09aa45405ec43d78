import { provisionError, type ButtonEdge, type ButtonPort } from '@provision/core';
import { toMonoMs } from './clock';
import { G, type EspruinoPin, type WatchEvent } from './espruino';

/** Options of {@link createEspruinoButton}. */
export interface EspruinoButtonOptions {
  /** The button's pin (default `BTN1`, the board's button). */
  pin?: EspruinoPin;
  /** Pressed pulls the line low (ESP32 boot buttons, a button to ground). Default false (Puck.js `BTN1`). */
  activeLow?: boolean;
  /** Enable the internal pull-up: `pinMode(pin, 'input_pullup')`. Default false (the pin mode is left alone). */
  pullUp?: boolean;
  /**
   * Debounce in the firmware (`setWatch`'s `debounce`), ms. Default 0: every edge is passed on and the
   * core debounces (`button.debounceMs`). When above 0 the port says `hardwareDebounce` and the core
   * takes the edges as they come.
   */
  debounceMs?: number;
}

/** A button port's own state; its methods are shared (see BUTTON). */
interface EspruinoButton extends ButtonPort {
  pin_: EspruinoPin;
  low_: boolean;
  debounce_: number;
}

/** One `watch()`: its `setWatch` id until unwatched. */
interface Watch {
  id?: unknown;
}

/** `setWatch`'s callback of one watch, bound to its listener and polarity. */
function onWatchEdge(listener: (edge: ButtonEdge) => void, low: boolean, e: WatchEvent): void {
  listener({ pressed: !e.state === low, at: toMonoMs(e.time) });
}

/** What `watch()` returns, bound to its watch. */
function unwatch(w: Watch): void {
  // clearWatch(undefined) throws on Espruino, and clearWatch() clears every watch.
  const id = w.id;
  if (id === undefined) return;
  w.id = undefined;
  try {
    G.clearWatch(id);
  } catch (_e) {
    // Already gone (a clearWatch() elsewhere, or a soft reset).
  }
}

// The methods every button port shares, and bound functions for what a watch hands out: on Espruino a
// closure keeps the scope it was made in alive (ports made of closures over their factory's locals
// would cost that scope for as long as they live), a bound function is about four variables.
const BUTTON = {
  read: function (this: EspruinoButton): boolean {
    return !G.digitalRead(this.pin_) === this.low_;
  },
  watch: function (this: EspruinoButton, listener: (edge: ButtonEdge) => void): () => void {
    const w: Watch = {};
    w.id = G.setWatch(onWatchEdge.bind(undefined, listener, this.low_), this.pin_, { repeat: true, edge: 'both', debounce: this.debounce_ });
    return unwatch.bind(undefined, w);
  },
};

/**
 * The reset {@link ButtonPort} on any pin or `BTN1`: edges through `setWatch` (edge `'both'`, times
 * from the watch's `time`), the level through `digitalRead` (the boot-hold check, R5.2).
 *
 * @example
 * ```js
 * var button = createEspruinoButton({ pin: D0, activeLow: true, pullUp: true }); // ESP32 BOOT button
 * ```
 */
export function createEspruinoButton(options?: EspruinoButtonOptions): ButtonPort {
  const o = options || {};
  const pin = o.pin === undefined ? G.BTN1 : o.pin;
  if (pin === undefined || pin === null) throw provisionError('invalid-config', 'button.pin is required on a board without BTN1', { field: 'button.pin' });
  const debounce = o.debounceMs === undefined ? 0 : o.debounceMs;
  if (typeof debounce !== 'number' || !(debounce >= 0)) {
    throw provisionError('invalid-config', `button.debounceMs must be a number of ms >= 0, got ${JSON.stringify(debounce)}`, { field: 'button.debounceMs' });
  }
  const low = !!o.activeLow;
  if (o.pullUp) G.pinMode(pin, 'input_pullup');
  const port = Object.create(BUTTON) as EspruinoButton;
  port.pin_ = pin;
  port.low_ = low;
  port.debounce_ = debounce;
  if (debounce > 0) port.hardwareDebounce = true;
  return port;
}
