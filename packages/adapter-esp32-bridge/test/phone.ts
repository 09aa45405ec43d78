// Test helpers for the module's SoftAP: the simulator's phone, and raw bytes on a link.
import type { EspAtSimulator, SimPhoneLink, SimPhoneOptions } from '../src/simulator';
import { createSimPhone, type SimPhone } from '../src/simulator';

export type Phone = SimPhone;
export const phoneTransport = createSimPhone;

/** Send raw bytes on a new link and collect what comes back until the module closes it (or `ms` of polling). */
export function rawLink(sim: EspAtSimulator, options: SimPhoneOptions = {}): { link: SimPhoneLink; text: () => string; ended: () => boolean } {
  const link = sim.softAp.connectPhone(options);
  const got: Buffer[] = [];
  let ended = false;
  link.on('data', (d: Buffer) => got.push(d));
  link.on('end', () => (ended = true));
  link.on('close', () => (ended = true));
  return { link, text: () => Buffer.concat(got).toString('latin1'), ended: () => ended };
}
