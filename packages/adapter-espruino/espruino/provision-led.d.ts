// Types of dist/espruino/provision-led.min.js, the Espruino build for boards without Wi-Fi (Puck.js,
// Pixl.js, nRF52 boards), for apps written in TypeScript that load it with require("provision"):
// states, timeout, button, LED and reset journal. Compared with the full build it has no Wi-Fi port,
// no provisioning session and none of the provisioner's Wi-Fi or session methods.
import type { Provisioner as FullProvisioner, ProvisionConfig as FullConfig, ResolvedConfig as FullResolvedConfig, Ports } from '@provision/core';
import type { EspruinoPorts as FullPorts, EspruinoPortsOptions as FullPortsOptions } from '@provision/adapter-espruino';

export { isProvisionError, provisionError, State } from '@provision/core';
export type { ProvisionError } from '@provision/core';

/** The configuration of this build: no `wifi` or `session` section (either is an unknown key, `invalid-config`). */
export type ProvisionConfig = Omit<FullConfig, 'wifi' | 'session'>;

/** A configuration of this build with every default filled in. */
export type ResolvedConfig = Omit<FullResolvedConfig, 'wifi' | 'session'>;

/** Validate a configuration of this build and fill in the defaults (R9.1); see the core's `validateConfig`. */
export declare function validateConfig(input?: ProvisionConfig | null, where?: string): ResolvedConfig;

/** The provisioner's methods this build leaves out (Wi-Fi and the provisioning session). */
export type WifiMethods =
  | 'configureSta'
  | 'startSession'
  | 'stopSession'
  | 'getSessionState'
  | 'resetOnFailure'
  | 'resetForReprovision'
  | 'resetProvisioning'
  | 'getWifiState'
  | 'getWifiDisconnectReason';

/** The provisioner of this build: states (R3), timeout (R4), button (R5), LED (R6), factory reset (R7). */
export type Provisioner = Omit<FullProvisioner, WifiMethods>;

/** Options of {@link createEspruinoPorts}: storage, button and LED (no `wifi`: it throws `invalid-config`). */
export type EspruinoPortsOptions = Omit<FullPortsOptions, 'wifi'>;

/** What {@link createEspruinoPorts} returns. */
export type EspruinoPorts = Omit<FullPorts, 'wifi'>;

/** The storage, system, button and LED ports sharing one clock. */
export declare function createEspruinoPorts(options?: EspruinoPortsOptions): EspruinoPorts;

/** Create a provisioner over ports without Wi-Fi (a `wifi` port is ignored: nothing subscribes to it). */
export declare function createProvisioner(ports: Omit<Ports, 'wifi'>, config?: ProvisionConfig): Provisioner;
