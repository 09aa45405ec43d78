// The provision-linux daemon: ports from the config, the provisioner, event log, control socket, lock.
import { promises as fs } from 'node:fs';
import { createProvisioner, type Clock, type LedPort, type ProvisionEvents, type Provisioner, type SystemPort, type TimerHandle } from '@provision/core';
import { nodeClock } from '../clock';
import { adapterError, describe } from '../errors';
import { createGpioButton, type GpioButton } from '../gpio/button';
import { createGpioLed } from '../gpio/led';
import { createSysfsLed } from '../led';
import { createFileStorage, DEFAULT_STATE_DIR } from '../storage';
import { createLinuxSystem } from '../system';
import { createWifi, type LinuxWifi } from '../wifi/detect';
import type { DaemonConfig } from './config';
import { controlSocketPath, DEFAULT_RUNTIME_DIR, serveControl, statusSocketPath, type ControlLimits, type ControlRequest, type ControlServer } from './control';
import { EXIT, type ExitStatus } from './exit-status';
import { lookupGroup } from './group';
import { lockStateDir, type StateDirLock } from './lock';
import type { Logger } from './log';
import { ensurePrivateDir } from './private-dir';
import { retryingReboot, type RebootPolicy } from './reboot';
import { repeatLogger } from './repeat-log';
import { prepareTransports } from './transports';

/** Options for {@link startDaemon}. */
export interface DaemonOptions {
  /** Where event lines go. */
  log: Logger;
  /** Time source (provisioner timers, Wi-Fi retry, reboot retry, control idle timeout). Default the Node clock. */
  clock?: Clock;
  /** Environment for child processes (PATH for libgpiod's tools and flock). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How the reboot after a factory reset is retried. Default 3 requests, 1 s then 2 s apart. */
  reboot?: Partial<RebootPolicy>;
  /** Bounds of the control socket. */
  control?: Partial<ControlLimits>;
  /** The reboot route. Default {@link createLinuxSystem} (logind, then `systemctl reboot`). */
  system?: SystemPort;
}

/** Why a daemon ended by itself, and the exit status its process should end with. */
export interface DaemonEnd {
  status: ExitStatus;
  reason: string;
}

/** A running daemon. */
export interface Daemon {
  /** The provisioner currently in charge (replaced when Wi-Fi becomes available late). */
  readonly provisioner: Provisioner;
  /** The control socket's path. */
  readonly socket: string;
  /** The read-only `status` socket for `statusGroup`, when the config names one. */
  readonly statusSocket?: string;
  /**
   * Resolves when the daemon cannot go on by itself: a factory reset wiped the device but every
   * reboot request failed ({@link EXIT}.REBOOT_FAILED). The process should `stop()` and exit with
   * `status`, so that its supervisor starts it again on the wiped state. Never resolves otherwise.
   */
  readonly ended: Promise<DaemonEnd>;
  /** Stop everything; restores the LED's original trigger and releases the lock. */
  stop(): Promise<void>;
}

const EVENTS: (keyof ProvisionEvents)[] = [
  'state',
  'reset',
  'button',
  'wifi',
  'warning',
  'error',
  'init',
  'start',
  'set-sta-config',
  'cred-recv',
  'cred-fail',
  'cred-success',
  'end',
  'deinit',
];

/** Does `dir` exist as a directory (so a daemon can run on it read-only)? */
async function isDir(dir: string): Promise<boolean> {
  return fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Build the ports from the config, start the provisioner, log every event as one JSON line, and serve
 * `status`/`reset`/`configure` on `<runtimeDir>/control.sock`.
 *
 * - Only one daemon runs per state directory: a second one rejects with `locked: true` before it
 *   touches anything (see {@link lockStateDir}).
 * - The state and runtime directories are made 0700; the socket is root-only from its creation.
 * - A read-only or full state directory does not stop the daemon: the button and LED keep working and
 *   every failed write is an `error` event.
 * - Hardware that the config names but that cannot be opened (button, LED) is a configuration error
 *   and rejects; a Wi-Fi backend that is not reachable yet is retried every `wifi.retryMs` while the
 *   provisioner runs without Wi-Fi, and its reason is logged once, then only when it changes or at
 *   growing intervals.
 * - A reboot that fails is retried; when every attempt failed, {@link Daemon.ended} resolves.
 */
export async function startDaemon(config: DaemonConfig, options: DaemonOptions): Promise<Daemon> {
  const log = options.log;
  const clock = options.clock ?? nodeClock;
  const env = options.env ?? process.env;
  const stateDir = config.stateDir ?? DEFAULT_STATE_DIR;
  const runtimeDir = config.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  const socket = controlSocketPath(runtimeDir);

  try {
    const r = await ensurePrivateDir(stateDir);
    if (r.tightenedFrom !== undefined) log('state-dir-tightened', { dir: stateDir, from: r.tightenedFrom.toString(8), to: '700' });
  } catch (e) {
    // A read-only disk cannot be created on or tightened, but an existing directory still serves reads.
    if (!(await isDir(stateDir))) throw e;
    log('error', { code: 'storage-failed', message: describe(e) });
  }
  // Before anything touches the state or the socket: a second daemon must change nothing.
  const lock: StateDirLock = await lockStateDir(stateDir, env);

  const cleanups: (() => unknown)[] = [() => lock.release()];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  };
  try {
    return await run();
  } catch (e) {
    await undo();
    throw e;
  }

  async function run(): Promise<Daemon> {
    const storage = createFileStorage({ stateDir, userConfigFiles: config.userConfigFiles ?? [] });
    try {
      await storage.compact();
    } catch (e) {
      log('error', { code: 'storage-failed', message: `compacting the state directory failed: ${describe(e)}` });
    }
    const rebooter = retryingReboot(options.system ?? createLinuxSystem({ onLog: (message) => log('system', { message }) }), {
      clock,
      ...(options.reboot ? { policy: options.reboot } : {}),
      onAttemptFailed: (attempt, of, e) => log('reboot-failed', { attempt, of, message: e.message }),
    });
    cleanups.push(() => rebooter.cancel());

    let button: GpioButton | undefined;
    if (config.button) {
      button = await createGpioButton({ ...config.button, ...(config.gpioDevDir ? { devDir: config.gpioDevDir } : {}), env, clock, onError: (e) => log('button-error', { message: e.message }) });
      cleanups.push(() => button?.close());
    }
    let led: (LedPort & { close(): unknown }) | undefined;
    if (config.led && 'sysfs' in config.led) {
      led = await createSysfsLed({ name: config.led.sysfs, ...(config.led.root ? { root: config.led.root } : {}), activeHigh: config.led.activeHigh ?? true });
    } else if (config.led) {
      led = await createGpioLed({ ...config.led, ...(config.gpioDevDir ? { devDir: config.gpioDevDir } : {}), env, onError: (e) => log('led-error', { message: e.message }) });
    }
    if (led) cleanups.push(() => led?.close());

    let wifi: LinuxWifi | undefined;
    let wifiDown: string | undefined;
    let provisioner!: Provisioner;
    let unsubs: (() => void)[] = [];
    let retry: TimerHandle | undefined;
    let stopped = false;
    let endWith!: (end: DaemonEnd) => void;
    let ending: DaemonEnd | undefined;
    const ended = new Promise<DaemonEnd>((r) => (endWith = r));
    const wifiLog = repeatLogger(log, clock);
    const w = config.wifi || {};
    const retryMs = w.retryMs ?? 5000;

    async function launch(): Promise<void> {
      const p = createProvisioner(
        { clock, storage, system: rebooter.system, ...(button ? { button } : {}), ...(led ? { led } : {}), ...(wifi ? { wifi: wifi.port } : {}) },
        config.provision ?? {},
      );
      unsubs = EVENTS.map((name) => p.on(name, (payload: unknown) => log(name, (payload ?? {}) as object)));
      provisioner = p;
      await p.start();
      await transports.follow(p);
    }

    async function openWifi(): Promise<boolean> {
      if (config.wifi === false) return false;
      try {
        wifi = await createWifi({
          ...(w.ifname ? { ifname: w.ifname } : {}),
          ...(w.backend ? { backend: w.backend } : {}),
          ...(w.ctrlDir ? { ctrlDir: w.ctrlDir } : {}),
          ...(w.requireIp === undefined ? {} : { requireIp: w.requireIp }),
          ...(w.eap ? { eap: w.eap } : {}),
          ...(w.configFile ? { configFile: w.configFile } : {}),
          clock,
        });
        wifiDown = undefined;
        wifiLog.clear();
        log('wifi-backend', { backend: wifi.backend, ifname: w.ifname ?? 'wlan0' });
        return true;
      } catch (e) {
        wifiDown = describe(e);
        wifiLog.report('wifi-unavailable', wifiDown, { retryMs });
        return false;
      }
    }

    function scheduleWifiRetry(): void {
      retry = clock.setTimeout(() => {
        retry = undefined;
        void openWifi().then(async (ok) => {
          if (stopped) {
            await wifi?.close();
            return;
          }
          if (!ok) return scheduleWifiRetry();
          // Restart the provisioner with the Wi-Fi port; the persisted state carries over.
          for (const u of unsubs) u();
          provisioner.stop();
          await launch();
        });
      }, retryMs);
    }

    const haveWifi = await openWifi();
    cleanups.push(() => wifi?.close());
    // Checked before the provisioner starts: a missing package or a readable secret file fails the start.
    const transports = await prepareTransports(config.transports, {
      log,
      clock,
      scan: async () => (wifi?.port.scan ? wifi.port.scan() : []),
      wifi: () => wifi?.port,
      ...(w.ifname ? { ifname: w.ifname } : {}),
    });
    cleanups.push(() => transports.stop());
    await launch();
    cleanups.push(() => {
      for (const u of unsubs) u();
      provisioner.stop();
    });
    if (!haveWifi && config.wifi !== false) scheduleWifiRetry();

    void rebooter.outcome.then((o) => {
      if (o.ok || stopped) return;
      ending = {
        status: EXIT.REBOOT_FAILED,
        reason: `the factory reset wiped the device but ${o.error.message}; exiting with status ${EXIT.REBOOT_FAILED} so that the service manager starts the daemon again on the wiped state`,
      };
      log('daemon-reboot-failed', { status: ending.status, message: ending.reason });
      endWith(ending);
    });

    function noWifi(): Error {
      if (config.wifi === false) return adapterError('not-supported', 'Wi-Fi is off in this daemon\'s config ("wifi": false); set "wifi" (e.g. {"ifname": "wlan0"}) and restart the daemon to configure a network');
      return adapterError(
        'not-supported',
        `Wi-Fi is not up yet, so there is nothing to configure: ${wifiDown ?? 'the Wi-Fi backend is still being opened'}. The daemon tries again every ${retryMs / 1000} s; start the backend, then run configure again`,
      );
    }

    /** One control request; the status socket passes only `status` here. */
    async function handle(req: ControlRequest): Promise<object> {
      const p = provisioner;
      switch (req.cmd) {
        case 'status': {
          const j = p.getResetJournal();
          return {
            cur: p.getCurState(),
            max: p.getMaxState(),
            provisioned: p.isProvisioned(),
            wifiConfigured: p.isWifiConfigured(),
            wifiState: p.getWifiState(),
            wifiBackend: wifi?.backend ?? null,
            ...(wifiDown ? { wifiUnavailable: wifiDown } : {}),
            session: p.getSessionState(),
            transports: transports.status(),
            resetting: p.isResetting(),
            ...(p.isResetting() ? { reboot: rebooter.progress() } : {}),
            resets: j.resets.length,
            lastReset: j.resets[j.resets.length - 1] ?? null,
          };
        }
        case 'reset': {
          if (ending) throw adapterError('not-supported', ending.reason);
          log('reset-requested', { via: 'control socket' });
          await p.factoryReset('app');
          const o = await rebooter.outcome;
          if (!o.ok) {
            throw adapterError(
              'not-supported',
              `the factory reset wiped the device but ${o.error.message}; the daemon exits with status ${EXIT.REBOOT_FAILED} so that the service manager starts it again on the wiped state`,
            );
          }
          return { reboot: 'requested' };
        }
        case 'configure':
          if (!wifi) throw noWifi();
          await p.configureSta({ ssid: req.ssid, ...(req.passphrase === undefined ? {} : { passphrase: req.passphrase }) });
          return {};
        default:
          throw new Error(`unknown command ${JSON.stringify((req as { cmd?: unknown }).cmd)}; allowed: status, reset, configure`);
      }
    }

    await ensurePrivateDir(runtimeDir);
    const statusSocket = statusSocketPath(runtimeDir);
    // Only the lock holder gets here: a status socket left by an earlier run is stale.
    await fs.rm(statusSocket, { force: true });
    const gid = config.statusGroup === undefined ? undefined : await lookupGroup(config.statusGroup);
    const limits = options.control ? { limits: options.control } : {};
    const control: ControlServer = await serveControl(socket, handle, { clock, ...limits });
    cleanups.push(() => control.close());
    if (gid !== undefined) {
      // The group may pass through the directory (not list it) to reach status.sock; control.sock
      // stays 0600, and connecting needs write permission on the socket itself.
      await fs.chown(runtimeDir, process.geteuid?.() ?? -1, gid);
      await fs.chmod(runtimeDir, 0o710);
      const status = await serveControl(
        statusSocket,
        async (req) => {
          if (req.cmd !== 'status') throw adapterError('not-supported', `${statusSocket} answers status only; ${req.cmd} needs root, on ${socket}`);
          return handle(req);
        },
        { clock, ...limits, group: gid },
      );
      cleanups.push(() => status.close());
    }

    return {
      get provisioner() {
        return provisioner;
      },
      socket,
      ...(gid === undefined ? {} : { statusSocket }),
      ended,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (retry !== undefined) clock.clearTimeout(retry);
        await undo();
      },
    };
  }
}
