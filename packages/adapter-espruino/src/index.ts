/**
 * `@provision/adapter-espruino`: the ports of `@provision/core` for Espruino boards. On a board, load
 * the ready-made module (`dist/espruino/provision.min.js`, core and adapter in one) from Storage with
 * `require("provision")`; see the README.
 *
 * @module
 */
export { createEspruinoButton } from './button';
export type { EspruinoButtonOptions } from './button';
export { createEspruinoClock } from './clock';
export type { EspruinoPin, EspruinoStorage, EspruinoWifi, WatchEvent } from './espruino';
export { createEspruinoLed } from './led';
export type { EspruinoLedOptions, EspruinoLedPort } from './led';
export { createEspruinoPorts } from './ports';
export type { EspruinoPorts, EspruinoPortsOptions } from './ports';
export { createEspruinoStorage } from './storage';
export type { EspruinoStorageOptions, EspruinoStoragePort } from './storage';
export { createEspruinoSystem } from './system';
export { createEspruinoWifi } from './wifi';
export type { EspruinoWifiOptions } from './wifi';
export { classifyWifiReason } from './wifi-reason';
