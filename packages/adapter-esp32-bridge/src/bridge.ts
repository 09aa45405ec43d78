import type { ButtonPort, Clock, LedPort, MaybePromise, StoragePort } from '@provision/core';
import { AtClient } from './at-client';
import type { AtClientOptions, AtTransport } from './at-client';
import type { ChipName } from './chips';
import { createModuleButton, createModuleLed } from './gpio';
import { openSerial } from './serial';
import { createModuleStorage } from './storage';
import type { ModuleStorageOptions } from './storage';
import { createModuleSystem } from './system';
import type { ModuleSystem } from './system';
import { createModuleWifi } from './wifi';
import type { ModuleWifi, ModuleWifiOptions } from './wifi';

/** Options of {@link createEsp32Bridge}. */
export interface Esp32BridgeOptions {
  /** Serial device of the module's AT UART (e.g. `/dev/ttyUSB0`), opened with `serialport`. */
  path?: string;
  /** Baud rate (default 115200). */
  baudRate?: number;
  /** Or any transport instead of `path` (a stream, or a function opening one). */
  transport?: AtTransport;
  /** Clock for all timeouts and polling (default: the global timers). */
  clock?: Clock;
  /** AT client tuning. */
  at?: Omit<AtClientOptions, 'clock'>;
  /** The module's SoC; needed for `button` and `led`. */
  chip?: ChipName;
  /** AT UART pins [tx, rx, cts, rts] when they differ from ESP-AT's default (required on ESP32-S3). */
  atUartPins?: readonly number[];
  /** Reset button on a module GPIO. */
  button?: { pin: number; activeLow?: boolean; pullUp?: boolean; pollIntervalMs?: number };
  /** Status LED on a module GPIO. */
  led?: { pin: number; activeHigh?: boolean };
  /** `module` (default): record and journal in the module's NVS; or the app's own port. */
  storage?: 'module' | StoragePort;
  /** Options of the module storage. */
  moduleStorage?: ModuleStorageOptions;
  /** Wi-Fi options. */
  wifi?: ModuleWifiOptions;
  /** Restart the host after the module restarted (see {@link createModuleSystem}). */
  hostReboot?: () => MaybePromise<void>;
}

/** The AT client and the ports, ready for `createProvisioner(bridge.ports)`. */
export interface Esp32Bridge {
  /** The AT client, for the app's own commands. */
  client: AtClient;
  /** The ports. */
  ports: {
    clock?: Clock;
    storage: StoragePort;
    system: ModuleSystem;
    wifi: ModuleWifi;
    button?: ButtonPort;
    led?: LedPort;
  };
  /** Open the port and switch echo off. */
  open(): Promise<void>;
  /** Stop polling and close the port. */
  close(): Promise<void>;
}

/**
 * Build every port of an ESP-AT module at once.
 *
 * @example
 * ```ts
 * const bridge = createEsp32Bridge({
 *   path: '/dev/ttyUSB0',
 *   chip: 'esp32',
 *   button: { pin: 0 },
 *   led: { pin: 2 },
 *   hostReboot: () => process.exit(0), // systemd restarts the service
 * });
 * await bridge.open();
 * const provisioner = createProvisioner(bridge.ports);
 * ```
 */
export function createEsp32Bridge(options: Esp32BridgeOptions): Esp32Bridge {
  const transport: AtTransport | undefined =
    options.transport ?? (options.path !== undefined ? () => openSerial(options.path!, { baudRate: options.baudRate }) : undefined);
  if (!transport) throw new Error('createEsp32Bridge needs path or transport');
  const client = new AtClient(transport, { ...options.at, clock: options.clock });
  const needChip = (what: string): ChipName => {
    if (!options.chip) throw new Error(`createEsp32Bridge: ${what} needs chip (esp32, esp32c3 or esp32s3)`);
    return options.chip;
  };
  const button = options.button
    ? createModuleButton(client, { ...options.button, chip: needChip('button'), atUartPins: options.atUartPins })
    : undefined;
  const led = options.led ? createModuleLed(client, { ...options.led, chip: needChip('led'), atUartPins: options.atUartPins }) : undefined;
  const storage = options.storage === undefined || options.storage === 'module' ? createModuleStorage(client, options.moduleStorage) : options.storage;
  return {
    client,
    ports: {
      clock: options.clock,
      storage,
      system: createModuleSystem(client, { hostReboot: options.hostReboot }),
      wifi: createModuleWifi(client, { namespace: options.moduleStorage?.namespace, ...options.wifi }),
      button,
      led,
    },
    open: () => client.open(),
    async close() {
      if (button) button.close();
      await client.close();
    },
  };
}
