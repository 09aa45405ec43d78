import { promises as fs } from 'node:fs';
import { createProvisioner, type Clock, type LedPort, type ProvisionEvents, type Provisioner, type TimerHandle } from '@provision/core';
import { nodeClock } from '../clock';
import { describe } from '../errors';
import { createGpioButton, type GpioButton } from '../gpio/button';
import { createGpioLed } from '../gpio/led';
import { createSysfsLed } from '../led';
import { createFileStorage, DEFAULT_STATE_DIR } from '../storage';
import { createLinuxSystem } from '../system';
import { createWifi, type LinuxWifi } from '../wifi/detect';
import type { DaemonConfig } from './config';
import { controlSocketPath, serveControl, type ControlRequest } from './control';
import type { Logger } from './log';

/** Options for {@link startDaemon}. */
export interface DaemonOptions {
  /** Where event lines go. */
  log: Logger;
  /** Time source (provisioner timers, Wi-Fi retry). Default the Node clock. */
  clock?: Clock;
  /** Environment for child processes (PATH for libgpiod's tools). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A running daemon. */
export interface Daemon {
  /** The provisioner currently in charge (replaced when Wi-Fi becomes available late). */
  readonly provisioner: Provisioner;
  /** Stop everything; restores the LED's original trigger. */
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

/**
 * Build the ports from the config, start the provisioner, log every event as one JSON line, and serve
 * `status`/`reset`/`configure` on `<stateDir>/control.sock`. Hardware that the config names but that
 * cannot be opened (button, LED) is a configuration error and rejects; a Wi-Fi backend that is not
 * reachable yet is retried every `wifi.retryMs` while the provisioner runs without Wi-Fi.
 */
export async function startDaemon(config: DaemonConfig, options: DaemonOptions): Promise<Daemon> {
  const log = options.log;
  const clock = options.clock ?? nodeClock;
  const env = options.env ?? process.env;
  const stateDir = config.stateDir ?? DEFAULT_STATE_DIR;
  const storage = createFileStorage({ stateDir, userConfigFiles: config.userConfigFiles ?? [] });
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await storage.compact();
  const system = createLinuxSystem({ onLog: (message) => log('system', { message }) });

  let button: GpioButton | undefined;
  if (config.button) {
    button = await createGpioButton({ ...config.button, ...(config.gpioDevDir ? { devDir: config.gpioDevDir } : {}), env, clock, onError: (e) => log('button-error', { message: e.message }) });
  }
  let led: (LedPort & { close(): unknown }) | undefined;
  try {
    if (config.led && 'sysfs' in config.led) {
      led = await createSysfsLed({ name: config.led.sysfs, ...(config.led.root ? { root: config.led.root } : {}), activeHigh: config.led.activeHigh ?? true });
    } else if (config.led) {
      led = await createGpioLed({ ...config.led, ...(config.gpioDevDir ? { devDir: config.gpioDevDir } : {}), env, onError: (e) => log('led-error', { message: e.message }) });
    }
  } catch (e) {
    button?.close();
    throw e;
  }

  let wifi: LinuxWifi | undefined;
  let provisioner!: Provisioner;
  let unsubs: (() => void)[] = [];
  let retry: TimerHandle | undefined;
  let stopped = false;

  async function launch(): Promise<void> {
    const p = createProvisioner(
      { clock, storage, system, ...(button ? { button } : {}), ...(led ? { led } : {}), ...(wifi ? { wifi: wifi.port } : {}) },
      config.provision ?? {},
    );
    unsubs = EVENTS.map((name) => p.on(name, (payload: unknown) => log(name, (payload ?? {}) as object)));
    provisioner = p;
    await p.start();
  }

  async function openWifi(): Promise<boolean> {
    if (config.wifi === false) return false;
    const w = config.wifi ?? {};
    try {
      wifi = await createWifi({
        ...(w.ifname ? { ifname: w.ifname } : {}),
        ...(w.backend ? { backend: w.backend } : {}),
        ...(w.ctrlDir ? { ctrlDir: w.ctrlDir } : {}),
        ...(w.requireIp === undefined ? {} : { requireIp: w.requireIp }),
        ...(w.eap ? { eap: w.eap } : {}),
        clock,
      });
      log('wifi-backend', { backend: wifi.backend, ifname: w.ifname ?? 'wlan0' });
      return true;
    } catch (e) {
      log('wifi-unavailable', { message: describe(e), retryMs: w.retryMs ?? 5000 });
      return false;
    }
  }

  function scheduleWifiRetry(): void {
    const w = config.wifi || {};
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
    }, w.retryMs ?? 5000);
  }

  const haveWifi = await openWifi();
  await launch();
  if (!haveWifi && config.wifi !== false) scheduleWifiRetry();

  const control = await serveControl(controlSocketPath(stateDir), async (req: ControlRequest) => {
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
          session: p.getSessionState(),
          resetting: p.isResetting(),
          resets: j.resets.length,
          lastReset: j.resets[j.resets.length - 1] ?? null,
        };
      }
      case 'reset':
        log('reset-requested', { via: 'control socket' });
        await p.factoryReset('app');
        return {};
      case 'configure':
        await p.configureSta({ ssid: req.ssid, ...(req.passphrase === undefined ? {} : { passphrase: req.passphrase }) });
        return {};
      default:
        throw new Error(`unknown command ${JSON.stringify((req as { cmd?: unknown }).cmd)}; allowed: status, reset, configure`);
    }
  });

  return {
    get provisioner() {
      return provisioner;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (retry !== undefined) clock.clearTimeout(retry);
      for (const u of unsubs) u();
      provisioner.stop();
      await control.close();
      button?.close();
      await Promise.resolve(led?.close()).catch(() => undefined);
      await wifi?.close().catch(() => undefined);
    },
  };
}
