// The ESP32 bridge app's `transports`: the module's own SmartConfig, WPS and BluFi, offered one after another.
import type { Provisioner } from '@provision/core';
import {
  ModuleProvisioning,
  type BlufiOptions,
  type Esp32Bridge,
  type ModeOptions,
  type ProvisioningModeName,
  type SmartConfigOptions,
} from '@provision/adapter-esp32-bridge';

/**
 * `transports` of the app's config (`config.json`): each mode's options, or `false` (off).
 * Phone side: SmartConfig — Espressif's ESP-Touch app (AirKiss: WeChat); BluFi — Espressif's EspBlufi
 * app; WPS — no app, the router's WPS button.
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

/**
 * While the device is unprovisioned, run the enabled modes one at a time (the module has one radio),
 * in the order smartconfig, wps, blufi: each until its `timeoutMs`, then the next, and round again.
 * Credentials reach `provisioner` through its session; success stops the mode.
 */
export function offerTransports(
  bridge: Esp32Bridge,
  provisioner: Provisioner,
  transports: BridgeTransports,
  log: (line: string) => void,
): { modes: ModuleProvisioning; close(): Promise<void> } {
  const modes = new ModuleProvisioning(bridge.client, provisioner, bridge.ports.wifi);
  const offered = MODES.filter((m) => transports[m]);
  let closed = false;
  const start = (i: number): void => {
    const mode = offered[i % offered.length]!;
    const o = transports[mode] as SmartConfigOptions & BlufiOptions;
    const run = mode === 'smartconfig' ? modes.startSmartConfig(o) : mode === 'wps' ? modes.startWps(o) : modes.startBlufi(o);
    run.then(
      () => log(`${mode} started`),
      (e: Error) => log(`${mode} not started: ${e.message}`),
    );
  };
  modes.on('credentials', (mode, ssid) => log(`${mode}: credentials for ${ssid}`));
  modes.on('stopped', (mode, reason) => {
    log(`${mode} stopped: ${reason}`);
    if (reason === 'timeout' && !closed && !provisioner.isProvisioned()) start(offered.indexOf(mode) + 1);
  });
  if (offered.length > 0 && !provisioner.isProvisioned()) start(0);
  return {
    modes,
    close() {
      closed = true;
      return modes.stop();
    },
  };
}
