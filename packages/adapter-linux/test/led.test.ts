import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPortConformance, type LedObservation } from '@provision/core/testing';
import { activeTrigger, createSysfsLed, type SysfsIo } from '../src/led';
import { tempDir } from './helpers';

/**
 * A small semantic model of one LED class device, following the kernel's documented behaviour:
 * writing `brightness` 0 removes the trigger; selecting `timer` creates `delay_on`/`delay_off`
 * (500/500 when both are 0); `delay_on=0` is steady off, `delay_off=0` steady on; leaving `timer`
 * removes the delay files. Reading `trigger` lists all triggers with the active one in brackets.
 */
class KernelLed implements SysfsIo {
  trigger: string;
  brightness = 0;
  delayOn = 0;
  delayOff = 0;
  writes: string[] = [];
  constructor(
    readonly dir: string,
    readonly max: number,
    readonly triggers: string[],
    initial: string,
  ) {
    this.trigger = initial;
  }
  private name(file: string): string {
    if (path.dirname(file) !== this.dir) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return path.basename(file);
  }
  async read(file: string): Promise<string> {
    switch (this.name(file)) {
      case 'brightness':
        return `${this.brightness}\n`;
      case 'max_brightness':
        return `${this.max}\n`;
      case 'trigger':
        return `${this.triggers.map((t) => (t === this.trigger ? `[${t}]` : t)).join(' ')}\n`;
      case 'delay_on':
        if (this.trigger !== 'timer') break;
        return `${this.delayOn}\n`;
      case 'delay_off':
        if (this.trigger !== 'timer') break;
        return `${this.delayOff}\n`;
    }
    throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  }
  async write(file: string, value: string): Promise<void> {
    const n = this.name(file);
    this.writes.push(`${n}=${value}`);
    const v = value.trim();
    switch (n) {
      case 'brightness': {
        const b = Math.min(Number(v), this.max);
        if (b === 0) this.trigger = 'none';
        this.brightness = b;
        return;
      }
      case 'trigger':
        if (!this.triggers.includes(v)) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
        this.trigger = v;
        if (v === 'timer') {
          if (this.delayOn === 0 && this.delayOff === 0) [this.delayOn, this.delayOff] = [500, 500];
          if (this.brightness === 0) this.brightness = this.max;
        }
        return;
      case 'delay_on':
      case 'delay_off':
        if (this.trigger !== 'timer') throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
        if (n === 'delay_on') this.delayOn = Number(v);
        else this.delayOff = Number(v);
        return;
    }
    throw Object.assign(new Error(`EACCES: ${file}`), { code: 'EACCES' });
  }
  observe(activeHigh = true): LedObservation {
    const lit = (kernelOn: boolean) => kernelOn === activeHigh;
    if (this.trigger === 'timer') {
      if (this.delayOn === 0) return { mode: 'steady', on: lit(false) };
      if (this.delayOff === 0) return { mode: 'steady', on: lit(true) };
      return activeHigh ? { mode: 'blink', onMs: this.delayOn, offMs: this.delayOff } : { mode: 'blink', onMs: this.delayOff, offMs: this.delayOn };
    }
    if (this.trigger === 'none') return { mode: 'steady', on: lit(this.brightness > 0) };
    return { mode: 'steady', on: false };
  }
}

const ROOT = '/sys/class/leds';
const TRIGGERS = ['none', 'rc-feedback', 'kbd-scrolllock', 'timer', 'oneshot', 'heartbeat', 'mmc0', 'default-on'];

runPortConformance(
  { describe, it },
  {
    name: 'adapter-linux sysfs LED (kernel model)',
    async led() {
      const k = new KernelLed(path.join(ROOT, 'ACT'), 255, TRIGGERS, 'mmc0');
      const port = await createSysfsLed({ name: 'ACT', root: ROOT, io: k });
      return { port, observe: () => k.observe() };
    },
  },
);

describe('sysfs LED', () => {
  it('blink() uses the kernel timer trigger with delay_on/delay_off, no userspace timer (R6.2)', async () => {
    const k = new KernelLed(path.join(ROOT, 'led0'), 1, TRIGGERS, 'mmc0');
    const led = await createSysfsLed({ name: 'led0', root: ROOT, io: k });
    await led.blink(1000, 1000);
    expect(k.writes).toEqual(['trigger=timer', 'delay_on=1000', 'delay_off=1000']);
    expect(k.observe()).toEqual({ mode: 'blink', onMs: 1000, offMs: 1000 });
    await led.set(true);
    expect(k.trigger).toBe('none');
    expect(k.brightness).toBe(1);
  });

  it('blink(0, x) is steady off and blink(x, 0) steady on', async () => {
    const k = new KernelLed(path.join(ROOT, 'led0'), 255, TRIGGERS, 'none');
    const led = await createSysfsLed({ name: 'led0', root: ROOT, io: k });
    await led.blink(0, 500);
    expect(k.observe()).toEqual({ mode: 'steady', on: false });
    await led.blink(500, 0);
    expect(k.observe()).toEqual({ mode: 'steady', on: true });
  });

  it('activeHigh: false inverts set() and swaps the blink phases', async () => {
    const k = new KernelLed(path.join(ROOT, 'led0'), 255, TRIGGERS, 'none');
    const led = await createSysfsLed({ name: 'led0', root: ROOT, io: k, activeHigh: false });
    await led.set(true);
    expect(k.brightness).toBe(0);
    expect(k.observe(false)).toEqual({ mode: 'steady', on: true });
    await led.blink(100, 900);
    expect([k.delayOn, k.delayOff]).toEqual([900, 100]);
    expect(k.observe(false)).toEqual({ mode: 'blink', onMs: 100, offMs: 900 });
  });

  it('close() restores the original trigger', async () => {
    const k = new KernelLed(path.join(ROOT, 'ACT'), 255, TRIGGERS, 'mmc0');
    const led = await createSysfsLed({ name: 'ACT', root: ROOT, io: k });
    await led.blink(250, 250);
    await led.close();
    expect(k.trigger).toBe('mmc0');
  });

  it('close() restores a timer trigger with its delays, and brightness under none', async () => {
    const k = new KernelLed(path.join(ROOT, 'x'), 255, TRIGGERS, 'timer');
    k.delayOn = 70;
    k.delayOff = 30;
    const led = await createSysfsLed({ name: 'x', root: ROOT, io: k });
    await led.set(false);
    await led.close();
    expect([k.trigger, k.delayOn, k.delayOff]).toEqual(['timer', 70, 30]);
    const k2 = new KernelLed(path.join(ROOT, 'y'), 255, TRIGGERS, 'none');
    k2.brightness = 17;
    const led2 = await createSysfsLed({ name: 'y', root: ROOT, io: k2 });
    await led2.set(false);
    await led2.close();
    expect([k2.trigger, k2.brightness]).toEqual(['none', 17]);
  });

  it('a kernel without the timer trigger gets a clear not-supported error from blink()', async () => {
    const k = new KernelLed(path.join(ROOT, 'led0'), 255, ['none', 'mmc0'], 'none');
    const led = await createSysfsLed({ name: 'led0', root: ROOT, io: k });
    await expect(led.blink(500, 500)).rejects.toMatchObject({ code: 'not-supported', message: expect.stringContaining('timer') });
  });

  it('parses the active trigger from the trigger file', () => {
    expect(activeTrigger('none rc-feedback [timer] heartbeat\n')).toBe('timer');
    expect(activeTrigger('[none] timer')).toBe('none');
  });
});

describe('sysfs LED on a fake tree of real files', () => {
  async function tree(trigger: string) {
    const t = await tempDir('leds');
    const dir = path.join(t.dir, 'ACT');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'max_brightness'), '255\n');
    await fs.writeFile(path.join(dir, 'brightness'), '0\n');
    await fs.writeFile(path.join(dir, 'trigger'), `none [${trigger}] timer heartbeat\n`);
    return { ...t, dir, read: (n: string) => fs.readFile(path.join(dir, n), 'utf8') };
  }

  it('writes the sysfs files under the injected root', async () => {
    const t = await tree('mmc0');
    try {
      const led = await createSysfsLed({ name: 'ACT', root: path.dirname(t.dir) });
      await led.set(true);
      expect([await t.read('trigger'), await t.read('brightness')]).toEqual(['none', '255']);
      await led.blink(250, 750);
      expect([await t.read('trigger'), await t.read('delay_on'), await t.read('delay_off')]).toEqual(['timer', '250', '750']);
      await led.close();
      expect(await t.read('trigger')).toBe('mmc0');
    } finally {
      await t.cleanup();
    }
  });

  it('a missing LED is a clear error naming it', async () => {
    const t = await tempDir('leds');
    try {
      await expect(createSysfsLed({ name: 'nope', root: t.dir })).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining("LED 'nope'") });
    } finally {
      await t.cleanup();
    }
  });
});

describe('sysfs LED ordering', () => {
  it('calls made before the previous writes finished apply in order: the last one wins', async () => {
    // A slow kernel model: each write completes after a different number of microtask turns.
    const k = new KernelLed(path.join(ROOT, 'led0'), 255, TRIGGERS, 'none');
    let n = 0;
    const slow: SysfsIo = {
      read: (f) => k.read(f),
      write: async (f, v) => {
        for (let i = 0; i < 5 - (n++ % 5); i++) await Promise.resolve();
        await k.write(f, v);
      },
    };
    const led = await createSysfsLed({ name: 'led0', root: ROOT, io: slow });
    const calls = [led.blink(1000, 1000), led.blink(500, 500), led.set(true), led.blink(250, 250)];
    await Promise.all(calls);
    expect(k.observe()).toEqual({ mode: 'blink', onMs: 250, offMs: 250 });
  });
});
