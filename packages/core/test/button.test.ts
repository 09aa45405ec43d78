import { describe, expect, it } from 'vitest';
import { createMemoryStorage, createSimulatedDevice } from '@provision/core/testing';
import { boot, names, payloads, rebootDevice, record } from './helpers';

const LONG = { button: { holdMs: 5000, debounceMs: 50 } };

function buttonTypes(log: ReturnType<typeof record>): string[] {
  return payloads<{ type: string }>(log, 'button').map((b) => b.type);
}

describe('§5 reset button', () => {
  it('R5.1 no button port, or holdMs < 0, disables the button', async () => {
    const { dev, log } = await boot({ config: { button: { holdMs: -1 } } });
    dev.button.press();
    dev.clock.advance(60_000);
    expect(names(log, ['button', 'reset'])).toEqual([]);
    expect(dev.button.watchers()).toBe(0);
  });

  it('R5.2 hold while booting: more than 7 of 10 samples pressed → factory reset, cause button', async () => {
    const dev = createSimulatedDevice({ config: { button: { holdMs: 0 } } });
    const log = record(dev.prov);
    dev.button.press();
    const started = dev.prov.start();
    dev.clock.advance(10);
    dev.clock.advance(200);
    await started;
    expect(buttonTypes(log)).toEqual(['activated']);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'button' }]);
    expect(dev.system.reboots).toHaveLength(1);
  });

  it('R5.2 SimulatedDevice.start() resolves when the boot-hold reset fires; the reboot follows rebootDelayMs later', async () => {
    const dev = createSimulatedDevice({ storedCredentials: { ssid: 'HomeNet', passphrase: 'correct horse battery' }, config: { button: { holdMs: 0 }, rebootDelayMs: 100 } });
    const log = record(dev.prov);
    dev.button.press();
    await dev.start();
    expect(dev.clock.now()).toBe(10);
    expect(dev.prov.isResetting()).toBe(true);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'button' }]);
    // Wi-Fi is subscribed only after sampling, so a boot-hold reset never races a join.
    expect(dev.wifi.subscribers()).toBe(0);
    expect(dev.system.reboots).toEqual([]);
    dev.clock.advance(100);
    expect(dev.system.reboots).toEqual([109]); // the 10th sample (t = 9) started the reset
  });

  it('R5.2 Wi-Fi is subscribed once the boot sampling is over, not before', async () => {
    const dev = createSimulatedDevice({ storedCredentials: { ssid: 'HomeNet', passphrase: 'correct horse battery' }, config: { button: { holdMs: 0 } } });
    const p = dev.prov.start(); // samples at t = 0..9
    dev.clock.advance(8);
    expect(dev.wifi.subscribers()).toBe(0);
    expect(dev.wifi.attempts).toBe(0);
    dev.clock.advance(1);
    await p;
    expect(dev.wifi.subscribers()).toBe(1);
    expect(dev.wifi.attempts).toBe(1); // the stored network is joined from then on
  });

  it('R5.2 exactly 7 pressed samples out of 10 is not enough', async () => {
    const dev = createSimulatedDevice({ config: { button: { holdMs: 0 } } });
    const log = record(dev.prov);
    dev.button.press();
    const started = dev.prov.start(); // sample 1 at t=0
    for (let t = 1; t < 10; t++) {
      if (t === 7) dev.button.release(); // samples at t=7,8,9 released: 7 pressed
      dev.clock.advance(1);
    }
    await started;
    expect(names(log, ['reset', 'button'])).toEqual([]);
  });

  it('R5.3 a long press resets after debounce + hold; events pressed then activated', async () => {
    const { dev, log } = await boot({ config: LONG });
    dev.button.press();
    dev.clock.advance(50);
    expect(buttonTypes(log)).toEqual(['pressed']);
    dev.clock.advance(4999);
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(1);
    expect(buttonTypes(log)).toEqual(['pressed', 'activated']);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'button' }]);
  });

  it('R5.3 a release before the hold ends cancels it and emits released (mgos never looks at releases)', async () => {
    const { dev, log } = await boot({ config: LONG });
    dev.button.press();
    dev.clock.advance(3000);
    dev.button.release();
    dev.clock.advance(60_000);
    expect(buttonTypes(log)).toEqual(['pressed', 'released']);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('R5.3 bounces shorter than debounceMs are ignored', async () => {
    const { dev, log } = await boot({ config: LONG });
    dev.button.bounce(5);
    dev.clock.advance(20);
    dev.button.bounce(3);
    dev.clock.advance(10_000);
    expect(buttonTypes(log)).toEqual([]);
  });

  it('R5.3 a button already pressed at start counts as a press', async () => {
    const dev = createSimulatedDevice({ config: LONG });
    const log = record(dev.prov);
    dev.button.press();
    await dev.prov.start();
    dev.clock.advance(5050);
    expect(buttonTypes(log)).toEqual(['pressed', 'activated']);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'button' }]);
  });

  it('R5.3 hardwareDebounce ports skip the software debounce', async () => {
    const { dev, log } = await boot({ config: LONG });
    dev.button.hardwareDebounce = true;
    dev.button.press();
    expect(buttonTypes(log)).toEqual(['pressed']);
  });

  it('R5.4 after inhibitAfterMs of uptime a press emits inhibited and nothing else', async () => {
    const { dev, log } = await boot({ config: { button: { holdMs: 1000, inhibitAfterMs: 60_000 } } });
    dev.clock.advance(30_000);
    dev.button.press();
    dev.clock.advance(1050);
    expect(buttonTypes(log)).toEqual(['pressed', 'activated']);
    const second = await boot({ config: { button: { holdMs: 1000, inhibitAfterMs: 60_000 } } });
    second.dev.clock.advance(60_001);
    second.dev.button.press();
    second.dev.clock.advance(10_000);
    second.dev.button.release();
    expect(buttonTypes(second.log)).toEqual(['inhibited']);
    expect(names(second.log, ['reset'])).toEqual([]);
  });

  it('R5.5 stuck button: after a button reset, a still-pressed button cannot reset again; release clears the latch', async () => {
    const { dev } = await boot({ config: LONG });
    dev.button.press();
    dev.clock.advance(5050 + 100);
    expect(dev.prov.getResetJournal().buttonLatched).toBe(true);
    // The device reboots with the button still jammed down.
    let log = await rebootDevice(dev);
    dev.clock.advance(5050);
    expect(buttonTypes(log)).toEqual(['pressed', 'stuck']);
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(3_600_000);
    expect(dev.system.reboots).toHaveLength(1);
    // Released at last: the latch clears, and a real long press works again.
    dev.button.release();
    expect(dev.prov.getResetJournal().buttonLatched).toBe(false);
    log = await rebootDevice(dev);
    dev.button.press();
    dev.clock.advance(5050);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'button' }]);
  });

  it('R5.5 stuck button in boot-hold mode: no reset loop, and a release seen later clears the latch', async () => {
    const dev = createSimulatedDevice({
      config: { button: { holdMs: 0 } },
      storage: createMemoryStorage({ journal: { resets: [{ cause: 'button', at: 1 }], buttonLatched: true } }),
    });
    dev.button.press();
    const log = record(dev.prov);
    const p = dev.prov.start();
    dev.clock.advance(10);
    await p;
    expect(buttonTypes(log)).toEqual(['stuck']);
    expect(names(log, ['reset'])).toEqual([]);
    dev.button.release();
    expect(dev.prov.getResetJournal().buttonLatched).toBe(false);
    expect(JSON.parse(JSON.stringify(dev.storage.calls))).toMatchObject({ saveJournal: 1 });
  });

  it('R5.6 while the hold timer runs the LED shows reset-pending (100 ms), then returns to the state pattern', async () => {
    const { dev } = await boot({ config: LONG });
    dev.button.press();
    dev.clock.advance(50);
    const start = dev.led.timeline.length;
    dev.clock.advance(1000);
    const pending = dev.led.timeline.slice(start);
    expect(pending.length).toBe(10); // a toggle every 100 ms
    expect(pending.every((c, i) => i === 0 || c.at - pending[i - 1].at === 100)).toBe(true);
    dev.button.release();
    const afterRelease = dev.led.timeline.length;
    dev.clock.advance(4000);
    const back = dev.led.timeline.slice(afterRelease);
    expect(back.length).toBeGreaterThanOrEqual(3);
    expect(back.slice(1).every((c, i) => c.at - back[i].at === 1000)).toBe(true); // state 0 pattern
  });
});
