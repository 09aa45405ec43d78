// A Node app whose Wi-Fi, reset button and status LED live on an ESP32 running stock ESP-AT firmware.
// The same code runs on real hardware (a serial port) and on the package's simulated module.
import { createProvisioner, type Clock, type ProvisionConfig, type Provisioner } from '@provision/core';
import { createEsp32Bridge, type AtTransport, type Esp32Bridge, type ModuleProvisioning } from '@provision/adapter-esp32-bridge';
import { offerTransports, type BridgeTransports } from './transports';

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
  /** The module's own provisioning modes to offer while unprovisioned (see `transports.ts`). */
  transports?: BridgeTransports;
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
  const offer = offerTransports(bridge, provisioner, options.transports ?? {}, options.log);
  return {
    bridge,
    provisioner,
    modes: offer.modes,
    async stop() {
      await offer.close().catch(() => undefined);
      provisioner.stop();
      await bridge.close();
    },
  };
}
