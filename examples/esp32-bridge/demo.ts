// The simulated demo of the ESP32 bridge app: the app on the package's simulated ESP-AT module, on a
// simulated clock, so a whole provisioning and a factory reset take a fraction of a second.
import { SimulatedClock } from '@provision/core/testing';
import { EspAtSimulator } from '@provision/adapter-esp32-bridge/simulator';
import { BUTTON_PIN, LED_PIN, startBridgeApp } from './app';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Let `ms` of simulated time pass in 10 ms steps, letting the serial I/O run between steps. */
async function pass(clock: SimulatedClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    for (let i = 0; i < 6; i++) await turn();
    clock.advance(Math.min(10, ms - t));
  }
  for (let i = 0; i < 6; i++) await turn();
}

/** Wait for a promise while simulated time passes. */
async function settle<T>(clock: SimulatedClock, p: Promise<T>): Promise<T> {
  let done = false;
  const watched = p.finally(() => (done = true));
  for (let t = 0; !done && t < 120_000; t += 10) await pass(clock, 10);
  return watched;
}

/** The simulated demo: join a network, then a 5 s button hold factory-resets the device. */
export async function simulatedDemo(print: (line: string) => void): Promise<{ reboots: number; lines: string[] }> {
  const clock = new SimulatedClock();
  const sim = new EspAtSimulator({ clock, networks: [{ ssid: 'HomeNet', passphrase: 'correct horse battery' }], joinDelayMs: 2000 });
  const lines: string[] = [];
  const log = (line: string) => {
    const text = `${(clock.now() / 1000).toFixed(3).padStart(8)}s  ${line}`;
    lines.push(text);
    print(text);
  };
  let reboots = 0;
  const app = await settle(clock, startBridgeApp({ port: sim, clock, log, hostReboot: () => void reboots++ }));
  await pass(clock, 1000);
  log('> configureSta HomeNet');
  await settle(clock, app.provisioner.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' }));
  await pass(clock, 3000);
  log(`> module LED pin ${sim.pin(LED_PIN).high ? 'high' : 'low'}, provisioned: ${app.provisioner.isProvisioned()}`);
  log('> hold the button for 6 s');
  sim.setPin(BUTTON_PIN, false);
  await pass(clock, 6000);
  sim.setPin(BUTTON_PIN, undefined);
  await pass(clock, 2000);
  log(`> host reboots requested: ${reboots}; module station stored: ${sim.storedStation ? 'yes' : 'no'}`);
  await app.stop();
  return { reboots, lines };
}
