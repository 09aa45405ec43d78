// Getting started on the simulated device: every port simulated, time moving only when told to.
import assert from 'node:assert/strict';
// #region device
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({
  networks: { HomeNet: 'correct horse battery' },
  joinMs: 2000, // a join takes 2 s of simulated time
  config: { stableState: 3, timeoutMs: 300_000, button: { holdMs: 5000 } },
});
dev.prov.on('state', (s) => console.log(`t=${dev.clock.now()} state ${s.cur} (max ${s.max})`));

await dev.start(); // start() plus the 10 ms boot-button check
await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(2000); // the join completes: state 2, credentials stored
dev.prov.setCurState(3); // your app reached its cloud: provisioned
console.log('provisioned:', dev.prov.isProvisioned());
// #endregion device

assert.equal(dev.prov.getCurState(), 3);
assert.equal(dev.prov.isProvisioned(), true);
assert.deepEqual(dev.wifi.stored(), { ssid: 'HomeNet', passphrase: 'correct horse battery' });

// #region reboot
const next = dev.reboot(); // power cycle: same storage, same radio
await dev.start();
console.log('after reboot: cur', next.getCurState(), 'max', next.getMaxState()); // cur 1 (joining), max 3
dev.clock.advance(2000); // the stored network is joined again by itself
console.log('cur', next.getCurState()); // 2
// #endregion reboot

assert.equal(next.getMaxState(), 3);
assert.equal(next.getCurState(), 2);
assert.equal(next.getTimeoutDeadline(), undefined);
