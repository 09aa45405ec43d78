// The reset button in hold-while-booting mode (holdMs 0, the default).
import assert from 'node:assert/strict';
// #region boot-hold
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({ config: { button: { holdMs: 0 } } });
dev.prov.on('reset', (r) => console.log('factory reset:', r.cause));
dev.button.press(); // held while the device powers up
const boot = dev.start(); // 10 samples 1 ms apart: more than 7 pressed → reset
dev.clock.advance(100); // rebootDelayMs later: the reboot
await boot; // start() settles once the reboot was requested
// #endregion boot-hold

assert.deepEqual(dev.system.reboots, [109]);
assert.deepEqual(
  dev.prov.getResetJournal().resets.map((r) => r.cause),
  ['button'],
);
