import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPortConformance, SimulatedClock } from '@provision/core/testing';
import { createGpioButton } from '../src/gpio/button';
import { createGpioLed } from '../src/gpio/led';
import { detectLibgpiod, parseGpioget, parseGpiomon } from '../src/gpio/libgpiod';
import { fakeGpio, waitOutput } from './gpio-fake';
import { waitUntil } from './helpers';

for (const version of ['1.6.3', '2.2.1']) {
  runPortConformance(
    { describe, it },
    {
      name: `adapter-linux GPIO with libgpiod v${version} tools`,
      async button() {
        const g = await fakeGpio(version);
        // A button to ground with the internal pull-up: pressed = low.
        await g.setLevel('gpiochip0', 17, 1);
        const port = await createGpioButton({ chip: 'gpiochip0', line: 17, activeLow: true, bias: 'pull-up', env: g.env, devDir: g.devDir });
        // A watcher's gpiomon needs a moment to request the line; move it only once it has.
        let watching = 0;
        const settle = async () => {
          if (watching > 0) await waitUntil(async () => (await g.monitorPid('gpiochip0', 17)) !== undefined, 5000, 'gpiomon to request the line');
        };
        const watchingPort = {
          read: () => port.read(),
          watch: (l: Parameters<typeof port.watch>[0]) => {
            watching++;
            const stop = port.watch(l);
            let stopped = false;
            return () => {
              if (!stopped) watching--;
              stopped = true;
              stop();
            };
          },
        };
        return {
          port: watchingPort,
          press: async () => {
            await settle();
            await g.setLevel('gpiochip0', 17, 0);
          },
          release: async () => {
            await settle();
            await g.setLevel('gpiochip0', 17, 1);
          },
          cleanup: async () => {
            port.close();
            await g.cleanup();
          },
        };
      },
      async led() {
        const g = await fakeGpio(version);
        const port = await createGpioLed({ chip: 'gpiochip0', line: 27, env: g.env, devDir: g.devDir });
        let last: { physical: number; toggle: string | null } | undefined;
        const wrapped = {
          set: async (on: boolean) => {
            await port.set(on);
            await waitOutput(g, 'gpiochip0', 27, (o) => o !== undefined && o.toggle === null && o.physical === (on ? 1 : 0));
          },
          ...(port.blink
            ? {
                blink: async (onMs: number, offMs: number) => {
                  await port.blink!(onMs, offMs);
                  await waitOutput(g, 'gpiochip0', 27, (o) => o?.toggle === `${onMs}ms,${offMs}ms`);
                },
              }
            : {}),
        };
        return {
          port: wrapped,
          observe: async () => {
            last = await g.output('gpiochip0', 27);
            if (!last) throw new Error('nothing drives the line');
            if (last.toggle) {
              const [on, off] = last.toggle.split(',').map((p) => Number(p.replace('ms', '')));
              return { mode: 'blink' as const, onMs: on!, offMs: off! };
            }
            return { mode: 'steady' as const, on: last.physical === 1 };
          },
          cleanup: async () => {
            port.close();
            await g.cleanup();
          },
        };
      },
    },
  );
}

describe('libgpiod command lines and formats', () => {
  it('detects v1 and v2 from --version', async () => {
    for (const [version, major] of [['1.6.3', 1], ['2.2.1', 2]] as const) {
      const g = await fakeGpio(version);
      try {
        expect(await detectLibgpiod('gpiomon', g.env)).toEqual({ major, version });
      } finally {
        await g.cleanup();
      }
    }
  });

  it('parses the real v1 and v2 gpiomon and gpioget output', () => {
    expect(parseGpiomon('event:  RISING EDGE offset: 17 timestamp: [    1234.000000042]')).toBe(true);
    expect(parseGpiomon('event: FALLING EDGE offset: 17 timestamp: [1700000000.123456789]')).toBe(false);
    expect(parseGpiomon('1234.000000042\trising\tgpiochip0 17')).toBe(true);
    expect(parseGpiomon('1234.000000042\tfalling\t"GPIO17"')).toBe(false);
    expect(parseGpiomon('Monitoring line 17...')).toBeUndefined();
    expect(parseGpioget('1\n')).toBe(true);
    expect(parseGpioget('"17"=inactive\n')).toBe(false);
    expect(parseGpioget('"GPIO17"=active\n')).toBe(true);
  });

  it('v1: offsets only, -B bias, -b line-buffered gpiomon, line names through gpiofind', async () => {
    const g = await fakeGpio('1.6.3');
    try {
      const b = await createGpioButton({ line: 'GPIO17', activeLow: true, bias: 'pull-up', env: g.env, devDir: g.devDir });
      const stop = b.watch(() => undefined);
      await waitUntil(async () => (await g.monitorPid('gpiochip0', 17)) !== undefined, 5000, 'gpiomon to request the line');
      stop();
      const calls = await g.calls();
      expect(calls).toContain('gpiofind GPIO17');
      expect(calls).toContain('gpioget -l -B pull-up gpiochip0 17');
      expect(calls).toContain('gpiomon -b -l -B pull-up gpiochip0 17');
    } finally {
      await g.cleanup();
    }
  });

  it('v2: -c chip, -b bias, names passed as names; gpioset toggles for blink()', async () => {
    const g = await fakeGpio('2.2.1');
    try {
      const b = await createGpioButton({ line: 'GPIO17', bias: 'pull-down', env: g.env, devDir: g.devDir });
      expect(await b.read()).toBe(true);
      const b2 = await createGpioButton({ chip: path.join(g.devDir, 'gpiochip0'), line: 17, bias: 'disabled', env: g.env, devDir: g.devDir });
      expect(b2.libgpiodVersion).toBe('2.2.1');
      const led = await createGpioLed({ chip: 'gpiochip0', line: 27, activeHigh: false, env: g.env, devDir: g.devDir });
      await led.blink!(100, 900);
      await waitOutput(g, 'gpiochip0', 27, (o) => o?.toggle === '100ms,900ms');
      led.close();
      const calls = await g.calls();
      expect(calls).toContain('gpioget -b pull-down GPIO17');
      expect(calls).toContain(`gpioget -b disabled -c ${path.join(g.devDir, 'gpiochip0')} 17`);
      expect(calls).toContain('gpioset -t 100ms,900ms -l -c gpiochip0 27=1');
    } finally {
      await g.cleanup();
    }
  });

  it('v1 has no gpioset toggle: the LED port offers no blink(), so the core blinks through set()', async () => {
    const g = await fakeGpio('1.6.3');
    try {
      const led = await createGpioLed({ chip: 'gpiochip0', line: 27, env: g.env, devDir: g.devDir });
      expect(led.blink).toBeUndefined();
      await led.set(true);
      await waitOutput(g, 'gpiochip0', 27, (o) => o?.physical === 1);
      led.close();
      expect(await g.calls()).toContain('gpioset -m signal gpiochip0 27=1');
    } finally {
      await g.cleanup();
    }
  });

  it('missing tool, chip or line: a clear error naming it', async () => {
    const g = await fakeGpio('2.2.1');
    try {
      await expect(createGpioButton({ line: 17, env: { PATH: '/nonexistent' } })).rejects.toMatchObject({ code: 'not-supported', message: expect.stringContaining("'gpiomon' was not found") });
      await expect(createGpioButton({ chip: 'gpiochip9', line: 17, env: g.env, devDir: g.devDir })).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining("GPIO chip 'gpiochip9' not found") });
      await expect(createGpioButton({ chip: 'gpiochip0', line: 99, env: g.env, devDir: g.devDir })).rejects.toMatchObject({ message: expect.stringMatching(/line 99 on gpiochip0: gpioget: offset 99 is out of range/) });
      await expect(createGpioButton({ line: 'NOPE', env: g.env, devDir: g.devDir })).rejects.toMatchObject({ message: expect.stringContaining("cannot find line 'NOPE'") });
    } finally {
      await g.cleanup();
    }
    const g1 = await fakeGpio('1.6.3');
    try {
      await expect(createGpioButton({ line: 'NOPE', env: g1.env, devDir: g1.devDir })).rejects.toMatchObject({ message: expect.stringContaining("GPIO line 'NOPE' not found") });
    } finally {
      await g1.cleanup();
    }
  });

  it('a gpiomon that dies is reported and restarted after restartDelayMs on the injected clock', async () => {
    const g = await fakeGpio('2.2.1');
    const clock = new SimulatedClock();
    try {
      const errors: string[] = [];
      const b = await createGpioButton({ chip: 'gpiochip0', line: 17, activeLow: true, env: g.env, devDir: g.devDir, clock, restartDelayMs: 1000, onError: (e) => errors.push(e.message) });
      const edges: boolean[] = [];
      const stop = b.watch((e) => edges.push(e.pressed));
      let pid: number | undefined;
      await waitUntil(async () => (pid = await g.monitorPid('gpiochip0', 17)) !== undefined, 5000, 'gpiomon');
      process.kill(pid!, 'SIGKILL');
      await waitUntil(() => errors.length > 0, 5000, 'the failure report');
      expect(errors[0]).toMatch(/gpiomon stopped watching GPIO line 17 on gpiochip0: .*restarting/);
      const monitors = async () => (await g.calls()).filter((c) => c.startsWith('gpiomon ') && !c.endsWith('--version')).length;
      expect(await monitors()).toBe(1);
      clock.advance(999);
      expect(await monitors()).toBe(1);
      clock.advance(1);
      await waitUntil(async () => (await g.monitorPid('gpiochip0', 17)) !== pid && (await g.monitorPid('gpiochip0', 17)) !== undefined, 5000, 'the restarted gpiomon');
      await g.setLevel('gpiochip0', 17, 0);
      await waitUntil(() => edges.length === 1, 5000, 'an edge from the restarted gpiomon');
      expect(edges).toEqual([true]);
      stop();
    } finally {
      await g.cleanup();
    }
  });
});
