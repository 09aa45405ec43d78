import { SimulatedClock } from '@provision/core/testing';
import { describe, expect, it } from 'vitest';
import { KeyHold } from '../src/key-hold';

function setup(): { clock: SimulatedClock; hold: KeyHold; log: string[] } {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const hold = new KeyHold(
    { press: () => log.push(`down@${clock.now()}`), release: () => log.push(`up@${clock.now()}`) },
    600,
    { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h) },
  );
  return { clock, hold, log };
}

describe('KeyHold: holding a key in a terminal that reports no key-up', () => {
  it('stays down while auto-repeats arrive within the window, and goes up 600 ms after the last', () => {
    const { clock, hold, log } = setup();
    hold.key();
    clock.advance(500); // the terminal's initial repeat delay
    for (let i = 0; i < 20; i++) {
      hold.key();
      clock.advance(33);
    }
    expect(log).toEqual(['down@0']);
    expect(hold.isDown()).toBe(true);
    clock.advance(600);
    expect(log).toEqual(['down@0', 'up@1727']);
    expect(hold.isDown()).toBe(false);
  });

  it('a single tap is a 600 ms press', () => {
    const { clock, hold, log } = setup();
    hold.key();
    clock.advance(1000);
    expect(log).toEqual(['down@0', 'up@600']);
  });

  it('B latches the button down until B again; repeats change nothing while latched', () => {
    const { clock, hold, log } = setup();
    hold.toggle();
    hold.key();
    clock.advance(10000);
    expect(log).toEqual(['down@0']);
    expect(hold.isLatched()).toBe(true);
    hold.toggle();
    expect(log).toEqual(['down@0', 'up@10000']);
    expect(hold.isDown()).toBe(false);
  });

  it('latching while held by repeats keeps it down without a second press', () => {
    const { clock, hold, log } = setup();
    hold.key();
    clock.advance(100);
    hold.toggle();
    clock.advance(5000);
    expect(log).toEqual(['down@0']);
    hold.toggle();
    expect(log).toEqual(['down@0', 'up@5100']);
  });
});
