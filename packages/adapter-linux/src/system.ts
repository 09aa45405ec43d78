import { promises as fs } from 'node:fs';
import type { SystemPort } from '@provision/core';
import { connectBus, loadDbus } from './dbus';
import { adapterError, describe } from './errors';
import { run } from './exec';

/** Options for {@link createLinuxSystem}. */
export interface LinuxSystemOptions {
  /** D-Bus address for logind. Default the system bus (`DBUS_SYSTEM_BUS_ADDRESS` honoured). */
  busAddress?: string;
  /** Uptime source. Default `/proc/uptime`. */
  uptimeFile?: string;
  /** Told which route a reboot took (`logind` or `systemctl`) and why logind was skipped. */
  onLog?: (msg: string) => void;
}

/** A {@link SystemPort} for Linux, with `uptimeMs()`. */
export interface LinuxSystem extends SystemPort {
  uptimeMs(): Promise<number>;
}

/**
 * Reboot through systemd-logind over D-Bus (`org.freedesktop.login1.Manager.Reboot`, non-interactive),
 * falling back to `systemctl reboot`; uptime from `/proc/uptime`. The service needs the right to
 * reboot (root, or a polkit rule for `org.freedesktop.login1.reboot`). The D-Bus library is loaded
 * here, not at reboot time, so that a package changed on disk later cannot take the logind route
 * away; when it cannot be loaded, `onLog` says so and reboots use `systemctl`.
 *
 * @example
 * ```ts
 * const system = createLinuxSystem();
 * console.log(await system.uptimeMs());
 * ```
 */
export function createLinuxSystem(options: LinuxSystemOptions = {}): LinuxSystem {
  const log = options.onLog ?? (() => undefined);
  let noDbus: string | undefined;
  try {
    loadDbus();
  } catch (e) {
    noDbus = describe(e);
    log(`${noDbus}; reboots will use systemctl reboot`);
  }
  return {
    async reboot() {
      try {
        if (noDbus) throw new Error(noDbus);
        const bus = await connectBus(options.busAddress);
        try {
          await bus.call('org.freedesktop.login1', '/org/freedesktop/login1', 'org.freedesktop.login1.Manager', 'Reboot', 'b', [false]);
          log('reboot requested from logind');
          return;
        } finally {
          bus.close();
        }
      } catch (e) {
        log(`logind reboot failed (${describe(e)}); using systemctl reboot`);
      }
      const r = await run('systemctl', ['reboot'], { pkg: 'systemd' });
      if (r.code !== 0) throw adapterError('not-supported', `systemctl reboot failed: ${r.stderr.trim() || `exit code ${r.code}`}`);
      log('reboot requested from systemctl');
    },
    async uptimeMs() {
      const file = options.uptimeFile ?? '/proc/uptime';
      const text = await fs.readFile(file, 'utf8');
      const s = Number(text.split(/\s+/)[0]);
      if (!Number.isFinite(s)) throw adapterError('not-supported', `cannot parse uptime from ${file}`);
      return Math.round(s * 1000);
    },
  };
}
