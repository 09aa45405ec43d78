// The reset button in long-press mode: debounce, the reset-pending LED, a release that cancels, and a
// hold that resets.
import assert from 'node:assert/strict';
// #region long-press
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({ ledBlink: true, config: { button: { holdMs: 5000, debounceMs: 50 } } });
const events: string[] = [];
dev.prov.on('button', (b) => events.push(`${dev.clock.now()} ${b.type}`));
dev.prov.on('reset', (r) => events.push(`${dev.clock.now()} reset ${r.cause}`));
await dev.start();

dev.button.press();
dev.clock.advance(50); // held for the debounce time: 'pressed', the LED blinks 100/100
dev.clock.advance(2000);
dev.button.release(); // let go before 5 s: 'released', back to the state's pattern

dev.button.press();
dev.clock.advance(5050); // held 50 ms + 5 s: 'activated', factory reset, cause 'button'
dev.clock.advance(100); // rebootDelayMs later: the reboot
console.log(events.join('\n'));
// #endregion long-press

assert.deepEqual(events, ['60 pressed', '2060 released', '2110 pressed', '7110 activated', '7110 reset button']);
assert.deepEqual(
  dev.led.blinks.map((b) => b.onMs),
  [1000, 100, 1000, 100],
);
assert.deepEqual(dev.system.reboots, [7210]);
assert.equal(dev.prov.getResetJournal().buttonLatched, true);

// #region stuck
// The button is still held when the device comes back: it cannot reset the device again.
const after = dev.reboot();
after.on('button', (b) => console.log('after reboot:', b.type));
await dev.start();
dev.clock.advance(6000); // 'pressed', then 'stuck' instead of another reset
dev.button.release(); // the latch clears: the next long press resets again
// #endregion stuck

assert.equal(dev.system.reboots.length, 1);
assert.equal(after.getResetJournal().buttonLatched, false);
