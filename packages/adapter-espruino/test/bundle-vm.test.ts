// The whole Espruino module (dist/espruino/provision.min.js: core + adapter) in a Node `vm` context
// stripped of what Espruino lacks, over the simulated Espruino built-ins (timers on simulated time,
// Storage journal on a flash that survives reboots, pins, an ESP32 Wifi module): the scenarios of
// scenarios.ts, each boot a fresh context on the same flash.
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEspruinoContext, evaluateBundle } from '../../../test-utils/espruino';
import { BUILDS, ensureBundle } from './bundle';
import { EspruinoSim, SimFlash } from './espruino-sim';
import { checkScenario, LED_SCENARIOS, LED_TITLES, SCENARIOS } from './scenarios';

let code = '';

interface Boot {
  ctx: vm.Context;
  sim: EspruinoSim;
  results: { [k: string]: unknown }[];
  finished: () => boolean;
}

/** One boot of a board on `flash`: a fresh context with the simulated globals and `require('provision')`. */
function boot(flash: SimFlash, bundle = code): Boot {
  const sim = new EspruinoSim({ wifi: 'esp32', flash });
  sim.wifi!.networks.Home = 'correct horse';
  sim.wifi!.joinMs = 20;
  const ctx = createEspruinoContext();
  const g = sim.globals();
  const results: { [k: string]: unknown }[] = [];
  let finished = false;
  let cached: unknown;
  const requireFn = g.require as (n: string) => unknown;
  Object.assign(ctx, g, {
    BTN: 'D0',
    LEDPIN: 'D5',
    press: () => sim.pins.drive('D0', 1),
    release: () => sim.pins.drive('D0', undefined),
    reboots: () => sim.reboots,
    // Plain copies: what a script prints, as the interpreter would print it.
    out: (o: unknown) => results.push(JSON.parse(JSON.stringify(o))),
    done: () => void (finished = true),
    require: (name: string) => {
      if (name !== 'provision') return requireFn(name);
      if (cached === undefined) cached = evaluateBundle(ctx, bundle, 'provision.min.js');
      return cached;
    },
  });
  Object.defineProperty(ctx, 'SILENT', { set: (v: boolean) => void (sim.wifi!.silent = v), get: () => sim.wifi!.silent });
  vm.runInContext(`Date.now = function () { return Math.round(getTime() * 1000); };`, ctx);
  return { ctx, sim, results, finished: () => finished };
}

/** Run a scenario's boots in turn; simulated time passes in 5 ms steps, promise callbacks in between. */
async function run(name: string, bundle = code): Promise<{ [k: string]: unknown }[]> {
  const flash = new SimFlash();
  const all: { [k: string]: unknown }[] = [];
  for (const script of SCENARIOS[name]) {
    const b = boot(flash, bundle);
    vm.runInContext(script, b.ctx, { filename: `${name}.js` });
    for (let t = 0; t < 5000 && !b.finished(); t += 5) {
      await new Promise<void>((r) => setImmediate(r));
      b.sim.time.advance(5);
    }
    expect(b.finished(), `${name}: the script finished`).toBe(true);
    all.push(...b.results);
  }
  return all;
}

beforeAll(() => {
  code = ensureBundle();
}, 180_000);

describe('the Espruino module (core + adapter) as a file', () => {
  it('is plain ASCII in the Espruino subset, ending in module.exports', () => {
    // eslint-disable-next-line no-control-regex
    expect(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(code)).toBe(true);
    expect(code).toMatch(/module\.exports\s*=\s*\{[^}]*\};\s*$/);
    expect(code).not.toMatch(/(^|[\s;}])export\s/m);
    expect(code).not.toMatch(/(^|[\s;}])import[\s{(]/m);
    expect(code).not.toContain('??');
    expect(code).not.toMatch(/\?\.(?!\d)/);
    expect(code).not.toMatch(/class\s*[\w$]*\s+extends\s+Error\b/);
    expect(code).not.toMatch(/\basync[\s(]/);
    expect(code).not.toMatch(/\bawait\s/);
    expect(code).not.toMatch(/function\s*\*/);
    expect(code).not.toContain('...');
    expect(code).not.toContain('**');
    expect(code).not.toContain('__require');
  });

  it('loads in a context without what Espruino lacks and exports everything an app needs', () => {
    const b = boot(new SimFlash());
    for (const name of ['Map', 'Set', 'WeakMap', 'Symbol', 'Proxy', 'Reflect']) expect(vm.runInContext(`typeof ${name}`, b.ctx)).toBe('undefined');
    for (const expr of ['Array.from', 'Object.freeze', 'Number.isInteger', 'Promise.prototype.finally', 'Promise.race']) {
      expect(vm.runInContext(`typeof ${expr}`, b.ctx)).toBe('undefined');
    }
    const api = vm.runInContext(`require('provision')`, b.ctx) as { [k: string]: unknown };
    for (const name of [
      'createProvisioner',
      'validateConfig',
      'validateCredentials',
      'isProvisionError',
      'provisionError',
      'createEspruinoPorts',
    ]) {
      expect(typeof api[name], name).toBe('function');
    }
    expect(api.State).toEqual({ Unprovisioned: 0, NetworkConfigured: 1, NetworkConnected: 2, CloudConnected: 3 });
    // Each export is a variable on the board: the adapter authors' helpers and the single-port
    // factories (createEspruinoPorts gives every port) stay in the npm packages.
    for (const name of ['fromMgosConfig', 'checkRecord', 'checkJournal', 'Emitter', 'defaultClock', 'patternFor', 'RECORD_VERSION', 'createEspruinoStorage', 'createEspruinoButton', 'createEspruinoLed', 'createEspruinoWifi', 'createEspruinoSystem', 'createEspruinoClock', 'classifyWifiReason']) {
      expect(api[name], name).toBeUndefined();
    }
  });
});

describe('complete scenarios through the module, Espruino built-ins only (simulated)', () => {
  it('fresh device → configureSta → connected → setCurState(3): provisioned, credentials persisted after the connection (R8.4, R6.1)', async () => {
    checkScenario('provisioned', await run('provisioned'));
  });
  it('wrong password ×3 → reset bad-credentials: record, app config and credentials wiped, journal kept, one reboot (R8.2, R7.2)', async () => {
    checkScenario('badCredentials', await run('badCredentials'));
  });
  it('provisioning session: wrong passphrase → cred-fail, resetOnFailure, right one → cred-success, stopSession (§8)', async () => {
    checkScenario('session', await run('session'));
  });
  it('long press → reset button, latched in the journal (R5.3, R5.5)', async () => {
    checkScenario('longPress', await run('longPress'));
  });
  it('stuck button: after its reset, the still-held button reports stuck and cannot reset again; releasing clears the latch (R5.5)', async () => {
    checkScenario('stuckButton', await run('stuckButton'));
  });
  it('reboot mid-provisioning → the timeout is re-armed at start → reset timeout (R4.3, R4.4)', async () => {
    checkScenario('rebootMidProvisioning', await run('rebootMidProvisioning'));
  });
});

// The same scenarios on every build: the button + LED one lacks only what needs Wi-Fi.
describe.each(BUILDS)('scenarios every build runs, $name (simulated)', ({ file }) => {
  for (const name of LED_SCENARIOS) {
    it(LED_TITLES[name], async () => {
      checkScenario(name, await run(name, ensureBundle(file)));
    });
  }
});
