// The timeline of one provisioning, with the LED pattern the core chose at each step.
import assert from 'node:assert/strict';
// #region timeline
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({
  networks: { HomeNet: 'correct horse battery' },
  joinMs: 2000,
  ledBlink: true, // the LED port offers blink(): the core hands it each pattern
});
const log = (what: string) => console.log(`${String(dev.clock.now()).padStart(6)} ms  ${what}`);
const led = () => {
  const b = dev.led.blinks[dev.led.blinks.length - 1];
  return dev.led.mode() === 'blink' && b ? `blink ${b.onMs}/${b.offMs}` : dev.led.isLit() ? 'solid on' : 'off';
};
dev.prov.on('state', (s) => log(`state cur ${s.cur}, max ${s.max}; LED ${led()}`));
dev.prov.on('wifi', (w) => log(`wifi ${w.state}${w.reason ? ` (${w.reason})` : ''}`));

await dev.start();
dev.clock.advance(1000);
await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(2000);
dev.clock.advance(3000); // the app connects to its cloud…
dev.prov.setCurState(3); // …and says so
// #endregion timeline

assert.deepEqual(
  dev.led.blinks.map((b) => [b.at, b.onMs]),
  [
    [0, 1000],
    [1010, 500],
    [3010, 250],
  ],
);
assert.equal(dev.led.mode(), 'steady');
assert.equal(dev.led.isLit(), true);
