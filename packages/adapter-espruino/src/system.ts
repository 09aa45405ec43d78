import type { SystemPort } from '@provision/core';
import { monoMs } from './clock';
import { G } from './espruino';

// One object for every caller: the port has no state of its own, and each object costs memory on Espruino.
const SYSTEM: SystemPort = {
  reboot: function () {
    G.E.reboot();
  },
  uptimeMs: monoMs,
};

/**
 * The {@link SystemPort}: `reboot()` is `E.reboot()` (a hard reboot: RAM is cleared and the app runs
 * from its saved code again), `uptimeMs()` reads `getTime()` kept monotonic (see
 * {@link createEspruinoClock}).
 *
 * @example
 * ```js
 * var system = createEspruinoSystem();
 * ```
 */
export function createEspruinoSystem(): SystemPort {
  return SYSTEM;
}
