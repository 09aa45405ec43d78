import type { ButtonPort, Clock, Ports, SystemPort, WifiPort } from '@provision/core';
import { createEspruinoButton, type EspruinoButtonOptions } from './button';
import { createEspruinoClock } from './clock';
import { createEspruinoLed, type EspruinoLedOptions, type EspruinoLedPort } from './led';
import { createEspruinoStorage, type EspruinoStorageOptions, type EspruinoStoragePort } from './storage';
import { createEspruinoSystem } from './system';
import { wifiPort } from './ports-wifi';
import type { EspruinoWifiOptions } from './wifi';

/** Options of {@link createEspruinoPorts}: each optional port is included when its option is given. */
export interface EspruinoPortsOptions {
  /** Storage options (the storage port is always included). */
  storage?: EspruinoStorageOptions;
  /** The reset button: `true` for `BTN1`, or its options. */
  button?: boolean | EspruinoButtonOptions;
  /** The status LED: `true` for `LED1`, or its options. */
  led?: boolean | EspruinoLedOptions;
  /** Wi-Fi (ESP32, ESP8266, Espruino WiFi): `true`, or its options. The clock is shared. */
  wifi?: boolean | Omit<EspruinoWifiOptions, 'clock'>;
}

/** What {@link createEspruinoPorts} returns: the ports for `createProvisioner`. */
export interface EspruinoPorts extends Ports {
  clock: Clock;
  storage: EspruinoStoragePort;
  system: SystemPort;
  button?: ButtonPort;
  led?: EspruinoLedPort;
  wifi?: WifiPort;
}

function opts<T>(v: boolean | T | undefined): T | undefined {
  return v === true ? ({} as T) : v ? (v as T) : undefined;
}

/**
 * All the Espruino ports at once, sharing one clock, for `createProvisioner(ports, config)`.
 *
 * @example
 * ```js
 * var P = require('provision');
 * var ports = P.createEspruinoPorts({ button: true, led: true });      // Puck.js
 * var prov = P.createProvisioner(ports, { stableState: 1, button: { holdMs: 5000 } });
 * prov.start();
 * ```
 */
export function createEspruinoPorts(options?: EspruinoPortsOptions): EspruinoPorts {
  const o = options || {};
  const clock = createEspruinoClock();
  const ports: EspruinoPorts = { clock: clock, storage: createEspruinoStorage(o.storage), system: createEspruinoSystem() };
  const b = opts(o.button);
  if (b) ports.button = createEspruinoButton(b);
  const l = opts(o.led);
  if (l) ports.led = createEspruinoLed(l);
  const w = opts<EspruinoWifiOptions>(o.wifi);
  if (w) ports.wifi = wifiPort(w, clock, o.storage);
  return ports;
}
