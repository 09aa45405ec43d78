// Smoke test of the two Espruino apps (the adapter package's examples/puck.js and examples/esp32.js):
// each is run as a board would run it — the adapter's Espruino module loaded with require('provision')
// in a context stripped of what Espruino lacks, over simulated Espruino built-ins — boot after boot on
// the same flash.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEspruinoContext, evaluateBundle } from '../../test-utils/espruino';
import { ensureBundle } from '../../packages/adapter-espruino/test/bundle';
import { EspruinoSim, SimFlash } from '../../packages/adapter-espruino/test/espruino-sim';

const app = (name: string) => readFileSync(fileURLToPath(new URL(`../../packages/adapter-espruino/examples/${name}`, import.meta.url)), 'utf8');

// Each app on the build for its board: the Puck.js app on the button + LED build, the ESP32 app on the full one.
let bundle = '';
let ledBundle = '';
beforeAll(() => {
  bundle = ensureBundle();
  ledBundle = ensureBundle('provision-led.min.js');
}, 180_000);

interface Board {
  ctx: vm.Context;
  sim: EspruinoSim;
  lines: string[];
  /** Let `ms` of simulated time pass in 5 ms steps, promise callbacks in between. */
  pass(ms: number): Promise<void>;
}

/** Power up a board on `flash` and send it `script`, as the Web IDE does after a reset. */
function boot(flash: SimFlash, script: string, options: { wifi?: boolean; board: { [pin: string]: string } }): Board {
  const sim = new EspruinoSim({ flash, board: options.board, ...(options.wifi ? { wifi: 'esp32' as const } : {}) });
  if (sim.wifi) {
    sim.wifi.networks.Home = 'correct horse';
    sim.wifi.joinMs = 2000;
  }
  const ctx = createEspruinoContext();
  const lines: string[] = [];
  const g = sim.globals();
  const requireFn = g.require as (n: string) => unknown;
  let cached: unknown;
  Object.assign(ctx, g, {
    console: { log: (...args: unknown[]) => lines.push(args.map(String).join(' ')) },
    NRF: { getAddress: () => 'e7:a1:00:5c:3d:21' },
    require: (name: string) => {
      if (name !== 'provision') return requireFn(name);
      if (cached === undefined) cached = options.wifi ? evaluateBundle(ctx, bundle, 'provision.min.js') : evaluateBundle(ctx, ledBundle, 'provision-led.min.js');
      return cached;
    },
  });
  vm.runInContext(script, ctx, { filename: 'app.js' });
  return {
    ctx,
    sim,
    lines,
    async pass(ms) {
      for (let t = 0; t < ms; t += 5) {
        await new Promise<void>((r) => setImmediate(r));
        sim.time.advance(5);
      }
      await new Promise<void>((r) => setImmediate(r));
    },
  };
}

describe('Espruino Puck.js app (button + LED, no Wi-Fi)', () => {
  const puck = { BTN1: 'D0', LED1: 'D5' };

  it('first boot stores its settings and is set up; a 5 s press wipes them and reboots; the next boot starts over', async () => {
    const flash = new SimFlash();
    const b1 = boot(flash, app('puck.js'), { board: puck });
    await b1.pass(100);
    expect(b1.lines).toContain('state 1 max 1');
    expect(b1.sim.storage.readJSON('app.json')).toEqual({ name: 'Puck 3d:21' });
    expect(b1.sim.pins.level('D5')).toBe(1); // stable state reached: solid on

    b1.sim.pins.drive('D0', 1); // BTN1 is active high
    await b1.pass(5300);
    expect(b1.lines).toContain('keep holding to reset…');
    expect(b1.lines).toContain('factory reset: button');
    expect(b1.sim.reboots).toBe(1);
    expect(b1.sim.storage.readJSON('app.json', true)).toBeUndefined();
    b1.sim.pins.drive('D0', undefined);

    const b2 = boot(flash, app('puck.js'), { board: puck });
    await b2.pass(100);
    expect(b2.lines).toContain('state 1 max 1');
    expect(b2.sim.storage.readJSON('app.json')).toEqual({ name: 'Puck 3d:21' });
  });
});

describe('Espruino ESP32 app (Wi-Fi, BOOT button, LED)', () => {
  const esp32 = { D0: 'D0', D2: 'D2' };

  it('asks for credentials, joins with setWifi(), and joins by itself after a reboot', async () => {
    const flash = new SimFlash();
    const b1 = boot(flash, app('esp32.js'), { wifi: true, board: esp32 });
    await b1.pass(100);
    expect(b1.lines).toContain('not provisioned: call setWifi("ssid", "passphrase") from the console');

    vm.runInContext(`setWifi('Home', 'correct horse')`, b1.ctx);
    await b1.pass(2500);
    expect(b1.lines).toContain('state 2 max 2');
    expect(b1.lines.some((l) => l.startsWith('wifi connected'))).toBe(true);
    expect(b1.sim.pins.level('D2')).toBe(1); // stable state 2: solid on

    const b2 = boot(flash, app('esp32.js'), { wifi: true, board: esp32 });
    await b2.pass(2500);
    expect(b2.lines).not.toContain('not provisioned: call setWifi("ssid", "passphrase") from the console');
    expect(b2.lines).toContain('state 2 max 2');
  });

  it('a wrong passphrase typed into a fresh board resets it after three failures', async () => {
    const b = boot(new SimFlash(), app('esp32.js'), { wifi: true, board: esp32 });
    await b.pass(100);
    vm.runInContext(`setWifi('Home', 'wrong passphrase')`, b.ctx);
    await b.pass(20_000);
    expect(b.lines.filter((l) => l.startsWith('wifi disconnected auth-error')).length).toBeGreaterThanOrEqual(1);
    expect(b.lines).toContain('factory reset: bad-credentials');
    expect(b.sim.reboots).toBe(1);
  });
});
