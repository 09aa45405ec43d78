// The README's example: a device with simulated ports, provisioned from scratch.
import { createProvisioner } from '@provision/core';
import { SimulatedClock, createMemoryStorage, createRecordingSystem, createSimulatedButton,
  createRecordingLed, createSimulatedWifi } from '@provision/core/testing';

const clock = new SimulatedClock();
const wifi = createSimulatedWifi(clock, { joinMs: 2000 });
wifi.addNetwork('HomeNet', 'correct horse battery');

const prov = createProvisioner(
  { clock, storage: createMemoryStorage(), system: createRecordingSystem(clock), wifi,
    button: createSimulatedButton(clock), led: createRecordingLed(clock) },
  { stableState: 3, timeoutMs: 300_000, button: { holdMs: 5000 } },
);
prov.on('state', (s) => console.log(`t=${clock.now()}ms state ${s.cur} (max ${s.max})`));
prov.on('wifi', (w) => console.log(`t=${clock.now()}ms wifi ${w.state}${w.reason ? ` (${w.reason})` : ''}`));
prov.on('reset', (r) => console.log(`t=${clock.now()}ms factory reset: ${r.cause}`));

await prov.start();
await prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
clock.advance(2000);            // the join takes 2 s: connected, state 2
prov.setCurState(3);            // the app reached its cloud: provisioned
console.log('provisioned:', prov.isProvisioned());
