// A Node app whose Wi-Fi, reset button and status LED live on an ESP32 running stock ESP-AT firmware.
// The same code runs on real hardware (a serial port) and on the package's simulated module.
import { createProvisioner, type Clock, type ProvisionConfig, type Provisioner } from '@provision/core';
import {
  createEsp32Bridge,
  ModuleProvisioning,
  type AtTransport,
  type BlufiOptions,
  type Esp32Bridge,
  type ModeOptions,
  type ProvisioningModeName,
  type SmartConfigOptions,
} from '@provision/adapter-esp32-bridge';

/** Where the module is and how it is wired. */
export interface BridgeAppOptions {
  /** The module's AT UART: a serial device path, or any transport (the simulator is one). */
  port: string | AtTransport;
  /** Time source; the global timers unless given (the demo and the tests use a simulated clock). */
  clock?: Clock;
  /** Called with one line per event. */
  log(line: string): void;
  /** Restart the host after a factory reset restarted the module. */
  hostReboot(): void | Promise<void>;
  /**
   * The module's own provisioning modes to offer while the device is unprovisioned, in this order,
   * one at a time: each runs until its `timeoutMs`, then the next one starts (and round again).
   */
  transports?: BridgeTransports;
}

/**
 * `transports` of the app's config, as in `config.json`: each mode's options, or `false` (off).
 * Phone apps: SmartConfig — Espressif's ESP-Touch (AirKiss: WeChat); BluFi — Espressif's EspBlufi;
 * WPS — none, the router's WPS button.
 */
export interface BridgeTransports {
  smartconfig?: SmartConfigOptions | false;
  wps?: ModeOptions | false;
  blufi?: BlufiOptions | false;
}

const MODES: readonly ProvisioningModeName[] = ['smartconfig', 'wps', 'blufi'];

/** Check a `transports` object from a config file; throws naming the bad key and what is allowed. */
export function checkTransports(value: unknown): BridgeTransports {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('transports must be an object { smartconfig?, wps?, blufi? }');
  for (const [key, v] of Object.entries(value)) {
    if (!(MODES as readonly string[]).includes(key)) throw new Error(`unknown transport ${key}; allowed: ${MODES.join(', ')}`);
    if (v !== false && (!v || typeof v !== 'object' || Array.isArray(v))) throw new Error(`transports.${key} must be an options object or false`);
  }
  return value as BridgeTransports;
}

/** The button and LED pins of the example wiring (an ESP32-WROOM-32 module). */
export const BUTTON_PIN = 18; // push button to GND, internal pull-up
export const LED_PIN = 2; // GPIO → resistor → LED → GND

/** Provisioned once connected (state 2); 5 minutes to get there; hold the button 5 s to start over. */
export const CONFIG: ProvisionConfig = { stableState: 2, timeoutMs: 300_000, button: { holdMs: 5000 } };

/** A running app. */
export interface BridgeApp {
  bridge: Esp32Bridge;
  provisioner: Provisioner;
  /** The module's SmartConfig / WPS / BluFi. */
  modes: ModuleProvisioning;
  stop(): Promise<void>;
}

/** Open the module, build the ports, log every event and start provisioning. */
export async function startBridgeApp(options: BridgeAppOptions): Promise<BridgeApp> {
  const bridge = createEsp32Bridge({
    ...(typeof options.port === 'string' ? { path: options.port } : { transport: options.port }),
    ...(options.clock ? { clock: options.clock } : {}),
    chip: 'esp32',
    button: { pin: BUTTON_PIN },
    led: { pin: LED_PIN },
    hostReboot: options.hostReboot,
  });
  await bridge.open();
  const provisioner = createProvisioner(bridge.ports, CONFIG);
  provisioner.on('state', (s) => options.log(`state ${s.cur} (max ${s.max})`));
  provisioner.on('wifi', (w) => options.log(`wifi ${w.state}${w.reason ? ` ${w.reason} (raw ${String(w.raw)})` : ''}${w.ip ? ` ${w.ip}` : ''}`));
  provisioner.on('button', (b) => options.log(`button ${b.type}`));
  provisioner.on('reset', (r) => options.log(`factory reset: ${r.cause}`));
  provisioner.on('warning', (w) => options.log(`warning: ${w.message}`));
  provisioner.on('error', (e) => options.log(`error ${e.code}: ${e.message}`));
  await provisioner.start();
  const modes = new ModuleProvisioning(bridge.client, provisioner, bridge.ports.wifi);
  const offered = MODES.filter((m) => options.transports?.[m]);
  let stopped = false;
  const startMode = (i: number): void => {
    const mode = offered[i % offered.length]!;
    const o = options.transports![mode] as SmartConfigOptions & BlufiOptions;
    const run = mode === 'smartconfig' ? modes.startSmartConfig(o) : mode === 'wps' ? modes.startWps(o) : modes.startBlufi(o);
    run.then(
      () => options.log(`${mode} started`),
      (e: Error) => options.log(`${mode} not started: ${e.message}`),
    );
  };
  modes.on('credentials', (mode, ssid) => options.log(`${mode}: credentials for ${ssid}`));
  modes.on('stopped', (mode, reason) => {
    options.log(`${mode} stopped: ${reason}`);
    if (reason === 'timeout' && !stopped && !provisioner.isProvisioned()) startMode(offered.indexOf(mode) + 1);
  });
  if (offered.length > 0 && !provisioner.isProvisioned()) startMode(0);
  return {
    bridge,
    provisioner,
    modes,
    async stop() {
      stopped = true;
      await modes.stop().catch(() => undefined);
      provisioner.stop();
      await bridge.close();
    },
  };
}
