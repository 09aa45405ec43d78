// Moving a Mongoose OS app over: its provision config, and the calls it made.
import assert from 'node:assert/strict';
import { SimulatedClock, createMemoryStorage, createRecordingSystem } from '@provision/core/testing';
// #region config
import { createProvisioner, State } from '@provision/core';
import { fromMgosConfig } from '@provision/core/mgos';

// The "provision" section of an mgos conf*.json or mos.yml, unchanged.
const mapped = fromMgosConfig({
  provision: {
    btn: { pin: 17, pull_up: true, hold_ms: 5000, inhibit_after_s: 600 },
    led: { pin: 2, active_high: false },
    stable_state: 2,
    timeout: 600,
  },
});
console.log(mapped.config); // { button: { holdMs: 5000, inhibitAfterMs: 600000 }, stableState: 2, timeoutMs: 600000 }
console.log(mapped.button, mapped.led); // { pin: 17, pullUp: true } { pin: 2, activeHigh: false }
// #endregion config

assert.deepEqual(mapped, {
  config: { button: { holdMs: 5000, inhibitAfterMs: 600_000 }, stableState: 2, timeoutMs: 600_000 },
  button: { pin: 17, pullUp: true },
  led: { pin: 2, activeHigh: false },
});

const clock = new SimulatedClock();
const ports = { clock, storage: createMemoryStorage(), system: createRecordingSystem(clock) };
// #region api
const prov = createProvisioner(ports, mapped.config);
// MGOS_EVENT_PROVISION_STATE_CHANGE handler
prov.on('state', (s) => console.log(`state ${s.prevCur} -> ${s.cur}, max ${s.max}`));
await prov.start();

prov.setCurState(State.CloudConnected); // mgos_provision_set_cur_state(3)
console.log(prov.getCurState(), prov.getMaxState()); // mgos_provision_get_cur_state(), _get_max_state(): 3 3
prov.setMaxState(1); // mgos_provision_set_max_state(1): rewind, persisted at once, timeout armed
// #endregion api

assert.equal(prov.getMaxState(), 1);
assert.equal(ports.storage.load()?.max, 1);
assert.equal(prov.getTimeoutDeadline(), 600_000);
prov.stop();
