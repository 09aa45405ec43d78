import type { MaybePromise, SystemPort } from '@provision/core';
import type { AtClient } from './at-client';

/** Options of {@link createModuleSystem}. */
export interface ModuleSystemOptions {
  /**
   * Restart the host (or the app's service), called after the module restarted. Without it `reboot()`
   * restarts only the module and the app must restart itself (e.g. `process.exit` under systemd).
   */
  hostReboot?: () => MaybePromise<void>;
}

/** The system port, plus the module's factory restore. */
export interface ModuleSystem extends SystemPort {
  /**
   * `AT+RESTORE`: erase the module's own settings (stored Wi-Fi credentials, UART and store modes) and
   * restart it; resolves after `ready`. The manufacturing NVS (our storage namespace) is kept.
   */
  restoreFactory(): Promise<void>;
}

/**
 * A {@link SystemPort} for a host with an ESP-AT module: `reboot()` restarts the module (`AT+RST`,
 * awaited until `ready`), then calls the app's `hostReboot` hook. The hook runs even when the module
 * did not answer, so a factory reset always ends in a reboot (R7.3); the module's failure is rethrown
 * afterwards.
 *
 * @example
 * ```ts
 * const system = createModuleSystem(client, { hostReboot: () => execFile('systemctl', ['reboot']) });
 * ```
 */
export function createModuleSystem(client: AtClient, options: ModuleSystemOptions = {}): ModuleSystem {
  return {
    async reboot(): Promise<void> {
      let failure: unknown;
      try {
        await client.restart('AT+RST');
      } catch (e) {
        failure = e;
      }
      if (options.hostReboot) await options.hostReboot();
      if (failure !== undefined) throw failure;
    },
    async restoreFactory(): Promise<void> {
      await client.restart('AT+RESTORE');
    },
  };
}
