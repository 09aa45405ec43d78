/**
 * The Espruino built-ins the ports use, looked up on the global object at call time. Looking them up
 * late keeps the module loadable anywhere (a bundler, a test runner) and lets a test, or an app on a
 * board without GPIO, replace a built-in by assigning the global.
 *
 * @module
 */

/** A pin: a board constant such as `D2`, `BTN1`, `LED1`, or a pin name string such as `"D2"`. */
export type EspruinoPin = number | string | object;

/** What `setWatch` passes to its callback (times in seconds, as `getTime()`). */
export interface WatchEvent {
  state: boolean;
  time: number;
  lastTime?: number;
  pin?: EspruinoPin;
}

/** The `Storage` module (`require('Storage')`): a journaling flash file system. */
export interface EspruinoStorage {
  read(name: string): string | undefined;
  readJSON(name: string, noExceptions: boolean): unknown;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
  compact(): void;
}

/** The `Wifi` module of the ESP32, ESP8266 and Espruino WiFi firmware (the members the port uses). */
export interface EspruinoWifi {
  connect(ssid: string, options: { password?: string; bssid?: string; channel?: number }, callback: (err: string | null) => void): void;
  disconnect(callback?: () => void): void;
  on(event: string, listener: (details?: { [k: string]: unknown }) => void): void;
  /** ESP32 and ESP8266: store the Wi-Fi settings so the firmware joins at boot; `'clear'` removes them. */
  save?(what?: string): void;
  /** ESP32/ESP8266: `cb(list)`; Espruino WiFi: `cb(err, list)`. */
  scan?(callback: (a: unknown, b?: unknown) => void): void;
}

/** @internal The built-ins, as the global object holds them. */
export interface EspruinoGlobals {
  require(name: string): unknown;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  getTime(): number;
  setWatch(fn: (e: WatchEvent) => void, pin: EspruinoPin, options: { repeat: boolean; edge: string; debounce: number }): unknown;
  clearWatch(id: unknown): void;
  digitalRead(pin: EspruinoPin): number;
  digitalWrite(pin: EspruinoPin, value: number): void;
  pinMode(pin: EspruinoPin, mode: string): void;
  E: { reboot(): void };
  Date: { now(): number };
  BTN1?: EspruinoPin;
  LED1?: EspruinoPin;
}

/** @internal The global object. */
export const G = globalThis as unknown as EspruinoGlobals;
