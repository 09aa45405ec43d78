import { SimulatedClock } from '@provision/core/testing';
import { AtClient } from '../src/at-client';
import type { AtClientOptions, AtTransport } from '../src/at-client';
import { EspAtSimulator } from '../src/simulator';
import type { EspAtSimulatorOptions } from '../src/simulator';

export { SimulatedClock };

/** Let queued I/O callbacks run (event-loop turns, no time passes on any clock). */
export async function flush(turns = 6): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advance a simulated clock by `ms` in steps, letting I/O run between steps. */
export async function advance(clock: SimulatedClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await flush();
    clock.advance(Math.min(step, ms - t));
  }
  await flush();
}

/** Drive simulated time until `p` settles (at most `maxMs` of simulated time); return its outcome. */
export async function settle<T>(clock: SimulatedClock, value: T | Promise<T>, maxMs = 120_000, step = 10): Promise<T> {
  const p = Promise.resolve(value);
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let t = 0; t <= maxMs; t += step) {
    await flush();
    if (done) return p;
    clock.advance(step);
  }
  await flush();
  if (!done) throw new Error(`still pending after ${maxMs} ms of simulated time`);
  return p;
}

/** Drive simulated time until `pred()` holds. */
export async function until(clock: SimulatedClock, pred: () => boolean, maxMs = 120_000, step = 10): Promise<void> {
  for (let t = 0; t <= maxMs; t += step) {
    await flush();
    if (pred()) return;
    clock.advance(step);
  }
  throw new Error(`condition not met within ${maxMs} ms of simulated time`);
}

export interface Rig {
  clock: SimulatedClock;
  sim: EspAtSimulator;
  client: AtClient;
}

/** A simulator and a client on one simulated clock, the client opened (echo off). */
export async function rig(
  options: { sim?: EspAtSimulatorOptions; client?: AtClientOptions; transport?: (sim: EspAtSimulator) => AtTransport } = {},
): Promise<Rig> {
  const clock = new SimulatedClock();
  const sim = new EspAtSimulator({ clock, ...options.sim });
  const client = new AtClient(options.transport ? options.transport(sim) : sim, { clock, ...options.client });
  await settle(clock, client.open());
  return { clock, sim, client };
}

export const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };
export const CAFE = { ssid: 'Cafe, "Le Bar" \\ 2.4', passphrase: 'espresso,"doppio"\\' };
