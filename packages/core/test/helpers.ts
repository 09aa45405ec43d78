import { createSimulatedDevice, type SimulatedDevice, type SimulatedDeviceOptions } from '@provision/core/testing';
import type { ProvisionEvents, Provisioner } from '@provision/core';

export const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };
export const WRONG = { ssid: 'HomeNet', passphrase: 'wrong password!' };
export const MISSING = { ssid: 'NoSuchNet', passphrase: 'whatever123' };

/** Every event a provisioner emitted, in order, as [name, payload]. */
export type Log = [keyof ProvisionEvents, unknown][];

const ALL: (keyof ProvisionEvents)[] = [
  'state', 'reset', 'button', 'wifi', 'warning', 'error',
  'init', 'start', 'set-sta-config', 'cred-recv', 'cred-fail', 'cred-success', 'end', 'deinit',
];

export function record(prov: Provisioner): Log {
  const log: Log = [];
  for (const name of ALL) prov.on(name, (p) => log.push([name, p]));
  return log;
}

export function names(log: Log, only?: (keyof ProvisionEvents)[]): string[] {
  return log.filter(([n]) => !only || only.includes(n)).map(([n]) => n);
}

export function payloads<T = unknown>(log: Log, name: keyof ProvisionEvents): T[] {
  return log.filter(([n]) => n === name).map(([, p]) => p as T);
}

/** A device with the home network in range, started. Boot-hold sampling is skipped unless asked. */
export async function boot(opts: SimulatedDeviceOptions = {}): Promise<{ dev: SimulatedDevice; log: Log }> {
  const dev = createSimulatedDevice({ networks: { HomeNet: HOME.passphrase }, ...opts });
  const log = record(dev.prov);
  await startDevice(dev);
  return { dev, log };
}

/** Start the current provisioner, letting simulated time run the boot-hold sampling (10 ms). */
export async function startDevice(dev: SimulatedDevice): Promise<void> {
  const p = dev.prov.start();
  dev.clock.advance(10);
  await p;
}

/** Reboot and start again; returns the new boot's log. */
export async function rebootDevice(dev: SimulatedDevice): Promise<Log> {
  const prov = dev.reboot();
  const log = record(prov);
  await startDevice(dev);
  return log;
}
