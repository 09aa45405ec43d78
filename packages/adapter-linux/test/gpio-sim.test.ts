import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import { createGpioButton } from '../src/gpio/button';
import { createGpioLed } from '../src/gpio/led';
import { isRoot, waitUntil } from './helpers';

// The real kernel: a gpio-sim chip created through configfs, driven with the installed libgpiod tools.
const SIM = '/sys/kernel/config/gpio-sim';
const haveTools = ['/usr/bin/gpiomon', '/usr/bin/gpioget', '/usr/bin/gpioset', '/usr/bin/gpioinfo'].every((f) => existsSync(f));
const why = !existsSync(SIM)
  ? `${SIM} does not exist (needs the gpio-sim kernel module and configfs)`
  : !isRoot
    ? 'creating gpio-sim chips needs root'
    : !haveTools
      ? "libgpiod's tools are not installed (apt install gpiod)"
      : undefined;

interface SimChip {
  chip: string;
  /** True while some process holds line `offset` (gpioinfo shows a consumer). */
  used(offset: number): Promise<boolean>;
  pull(offset: number, level: 'pull-up' | 'pull-down'): Promise<void>;
  value(offset: number): Promise<number>;
  cleanup(): Promise<void>;
}

async function simChip(): Promise<SimChip> {
  const dev = path.join(SIM, `provision-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  await fs.mkdir(dev);
  const bank = path.join(dev, 'bank0');
  await fs.mkdir(bank);
  await fs.writeFile(path.join(bank, 'num_lines'), '8');
  await fs.mkdir(path.join(bank, 'line3'));
  await fs.writeFile(path.join(bank, 'line3', 'name'), 'PROV_BTN');
  await fs.writeFile(path.join(dev, 'live'), '1');
  const chip = (await fs.readFile(path.join(bank, 'chip_name'), 'utf8')).trim();
  const devName = (await fs.readFile(path.join(dev, 'dev_name'), 'utf8')).trim();
  const sysfs = path.join('/sys/devices/platform', devName, chip);
  return {
    chip,
    async used(o) {
      const out = execFileSync('gpioinfo', [chip], { encoding: 'utf8' });
      const row = out.split('\n').find((l) => new RegExp(`^\\s*line\\s+${o}:`).test(l)) ?? '';
      return /\[used\]|consumer=/.test(row);
    },
    pull: (o, level) => fs.writeFile(path.join(sysfs, `sim_gpio${o}`, 'pull'), level),
    value: async (o) => Number((await fs.readFile(path.join(sysfs, `sim_gpio${o}`, 'value'), 'utf8')).trim()),
    async cleanup() {
      await fs.writeFile(path.join(dev, 'live'), '0');
      await fs.rmdir(path.join(bank, 'line3'));
      await fs.rmdir(bank);
      await fs.rmdir(dev);
    },
  };
}

if (why) {
  describe('GPIO on a real gpio-sim chip', () => {
    it.skip(`skipped: ${why}`, () => undefined);
  });
} else {
  runPortConformance(
    { describe, it },
    {
      name: 'adapter-linux GPIO on gpio-sim',
      async button() {
        const sim = await simChip();
        await sim.pull(3, 'pull-up');
        const port = await createGpioButton({ chip: sim.chip, line: 'PROV_BTN', activeLow: true });
        // Move the line only once a watcher's gpiomon holds it (or nobody does, for plain reads).
        let watching = 0;
        const settle = () => waitUntil(async () => (await sim.used(3)) === watching > 0, 5000, 'gpiomon to request the line');
        return {
          port: {
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
          },
          press: async () => {
            await settle();
            await sim.pull(3, 'pull-down');
          },
          release: async () => {
            await settle();
            await sim.pull(3, 'pull-up');
          },
          cleanup: async () => {
            port.close();
            await waitUntil(async () => !(await sim.used(3)), 5000, 'the line to be released');
            await sim.cleanup();
          },
        };
      },
    },
  );

  describe('GPIO LED on gpio-sim', () => {
    it('set() drives the simulated line', async () => {
      const sim = await simChip();
      const led = await createGpioLed({ chip: sim.chip, line: 5 });
      try {
        await led.set(true);
        await waitUntil(async () => (await sim.value(5)) === 1, 5000, 'line 5 high');
        await led.set(false);
        await waitUntil(async () => (await sim.value(5)) === 0, 5000, 'line 5 low');
        expect(await sim.value(5)).toBe(0);
      } finally {
        led.close();
        await waitUntil(async () => !(await sim.used(5)), 5000, 'the line to be released');
        await sim.cleanup();
      }
    });
  });
}
