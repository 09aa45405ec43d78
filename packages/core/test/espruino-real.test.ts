// The Espruino bundle on the real Espruino interpreter: a release build named by ESPRUINO_BIN and a
// debug build (assertions on) named by ESPRUINO_BIN_DEBUG, each skipped without it. The module is first written into the interpreter's Storage in chunks, the way
// the Espruino tools upload a module for `require()` (and the lowest-RAM way to run it: a whole bundle
// uploaded into RAM does not fit a Puck.js-sized variable pool); then each scenario runs as a script
// with real timers and fake ports, printing `RESULT {...}` lines that are parsed and asserted here.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFlash, ensureBundle, ESPRUINO_INTERPRETERS, espruinoWorkDir, expectClean, isFailureLine, runEspruino, SCRIPT_HEAD, uploadToStorage, type EspruinoRun } from '../../../test-utils/espruino';
import { ESPRUINO_FAKES } from './espruino-fakes';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PKG, '..', '..');
const BUNDLE = join(PKG, 'dist', 'espruino', 'provision-core.min.js');
const MODULE = 'provision'; // the Storage file name, as `require('provision')` finds it
const FAKES_MODULE = 'provfakes';
const MEMORY_BUDGET = 700; // variables (blocks), module + one running instance with its ports; measures 642 (Puck.js layout), 649 (1700 variables)

/**
 * The fakes as a Storage module, uploaded like the bundle (a script holding them would not fit a
 * Puck.js pool).
 */
const FAKES = `var F = ${ESPRUINO_FAKES};
exports.device = F.device;`;

/** Every scenario script: report uncaught errors as lines the test fails on, and never hang. */
function script(body: string): string {
  return `${SCRIPT_HEAD}setTimeout(function () { out({ watchdog: true }); quit(); }, 8000);
// The provisioning timeout far above what the Wi-Fi stories take (three failed joins, about 200 ms), so
// that on a loaded machine it cannot overtake them; steps wait for the event they follow (\`when\`,
// polled on the script's clock), never for a fixed window of time.
var CONFIG = { timeoutMs: 1500, rebootDelayMs: 10, button: { holdMs: 100, debounceMs: 10 } };
var NETWORKS = { Home: 'correct horse' };
function when(cond, then) { if (cond()) then(); else setTimeout(function () { when(cond, then); }, 10); }
function end(d) { out(d.summary()); d.prov.stop(); quit(); }
${body}
`;
}

const SCENARIOS: { [name: string]: string } = {
  // process.memory() collects garbage first. The fake ports are test scaffolding: measured apart.
  memory: `
var H = require('${FAKES_MODULE}');
var d = H.device(undefined, CONFIG, NETWORKS, 20, 50);
var ports = { storage: d.storage, wifi: d.wifi, button: d.button, led: d.led, system: d.system };
var m0 = process.memory().usage;
var P = require('${MODULE}');
var m1 = process.memory().usage;
var prov = P.createProvisioner(ports, CONFIG);
prov.start().then(function () {
  var m = process.memory();
  out({ module: m1 - m0, instance: m.usage - m1, total: m.usage - m0, pool: m.total, free: m.free, sizeOfModule: E.getSizeOf(P), sizeOfInstance: E.getSizeOf(prov), stored: require('Storage').read('${MODULE}').length, exports: Object.keys(P) });
  prov.stop();
  quit();
});
`,
  provisioned: `
var P = require('${MODULE}');
var H = require('${FAKES_MODULE}');
var d = H.device(P, CONFIG, NETWORKS, 20, 50);
d.boot().then(function () {
  d.prov.on('wifi', function (w) { if (w.state === 'connected') setTimeout(function () { d.prov.setCurState(3); setTimeout(end, 50, d); }, 0); });
  return d.prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' });
});
`,
  badCredentials: `
var P = require('${MODULE}');
var H = require('${FAKES_MODULE}');
var d = H.device(P, CONFIG, NETWORKS, 20, 50);
d.boot().then(function () {
  return d.prov.configureSta({ ssid: 'Home', passphrase: 'wrong horse' });
}).then(function () {
  when(function () { return d.system.reboots.length > 0; }, function () { setTimeout(end, 20, d); });
});
`,
  longPress: `
var P = require('${MODULE}');
var H = require('${FAKES_MODULE}');
var d = H.device(P, CONFIG, NETWORKS, 20, 50);
d.boot().then(function () {
  setTimeout(function () { d.button.press(); }, 50);
  when(function () { return d.system.reboots.length > 0; }, function () { setTimeout(end, 20, d); });
});
`,
  rebootMidProvisioning: `
var P = require('${MODULE}');
var H = require('${FAKES_MODULE}');
var d = H.device(P, CONFIG, NETWORKS, 10000, 50);
d.boot().then(function () {
  return d.prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' });
}).then(function () {
  setTimeout(function () {
    var before = d.summary();
    out({ before: { cur: before.cur, max: before.max, record: before.record } });
    d.events = []; // (arr.length = 0 throws on Espruino)
    d.boot().then(function () {
      when(function () { return d.system.reboots.length > 0; }, function () { setTimeout(end, 20, d); });
    });
  }, 100);
});
`,
};

type Summary = {
  cur: number;
  max: number;
  provisioned: boolean;
  wifiConfigured: boolean;
  resetting: boolean;
  record: { v: number; max: number; wifiConfigured: boolean } | null;
  journal: { resets: { cause: string; at: number }[]; buttonLatched: boolean } | null;
  storedSsid: string | null;
  reboots: number[];
  ledLit: boolean;
  events: string[];
};

function resetAt(s: Summary, cause: string): number {
  const r = s.events.filter((e) => e.startsWith('reset '));
  expect(r.length, s.events.join(', ')).toBe(1);
  const m = /^reset (\S+) @(\d+)$/.exec(r[0]);
  expect(m, r[0]).not.toBeNull();
  expect((m as RegExpExecArray)[1]).toBe(cause);
  return Number((m as RegExpExecArray)[2]);
}

for (const { name: build, env, bin } of ESPRUINO_INTERPRETERS) {
  describe.skipIf(!bin)(`on the real Espruino interpreter, ${build} (set ${env} to an interpreter binary to run these)`, () => {
    let base = '';
    const runs: { [name: string]: EspruinoRun } = {};

    beforeAll(async () => {
      const code = ensureBundle({ bundle: BUNDLE, sources: [join(PKG, 'src')], build: 'pnpm --filter @provision/core build', cwd: ROOT });
      // The interpreter reads scripts byte by byte: the bundle must be plain ASCII.
      const odd = code.split('').filter((c) => (c < ' ' || c > '~') && c !== '\n' && c !== '\r' && c !== '\t');
      expect(odd).toEqual([]);
      base = espruinoWorkDir('provision-espruino-');
      const install = join(base, 'install');
      mkdirSync(install);
      // Upload the modules into Storage in chunks (each run is small enough for a Puck.js pool).
      await uploadToStorage(install, MODULE, code, [], bin);
      await uploadToStorage(install, FAKES_MODULE, FAKES, [], bin);
      // Each scenario gets its own copy of the flash, so they can run side by side.
      await Promise.all(
        Object.keys(SCENARIOS).map(async (name) => {
          const dir = join(base, name);
          copyFlash(install, dir);
          // From Storage, like the module: a script run from a file sits in RAM (its text and its
          // functions' code), which an ESP8266-sized pool cannot spare beside the module; and for the
          // memory figures, freeing it between the two readings would hide that much of the instance.
          await uploadToStorage(dir, 'boot', script(SCENARIOS[name]), [], bin);
          runs[name] = await runEspruino(dir, `require('boot');`, bin);
        }),
      );
    }, 180_000);

    afterAll(() => {
      if (base) rmSync(base, { recursive: true, force: true });
    });

    it('loads from Storage, and the module plus one started instance with its ports fit the memory budget', () => {
      const run = runs.memory;
      expectClean(run);
      expect(run.results.length).toBe(1);
      const r = run.results[0] as { module: number; instance: number; total: number; pool: number; free: number; stored: number; exports: string[] };
      expect(r.stored).toBe(readFileSync(BUNDLE, 'utf8').length);
      expect(r.exports).toEqual(expect.arrayContaining(['createProvisioner', 'validateConfig', 'validateCredentials', 'fromMgosConfig']));
      console.log(`espruino memory: ${r.total} vars (module loaded from Storage ${r.module}, createProvisioner + start() ${r.instance}; pool ${r.pool}, free ${r.free})`);
      expect(r.module).toBeGreaterThan(0);
      expect(r.instance).toBeGreaterThan(0);
      expect(r.total).toBeLessThan(MEMORY_BUDGET);
    });

    it('fresh device → configureSta → connected → setCurState(3): provisioned, persisted, no timeout', () => {
      const run = runs.provisioned;
      expectClean(run);
      expect(run.results.length).toBe(1);
      const s = run.results[0] as Summary;
      expect(s).toMatchObject({
        cur: 3,
        max: 3,
        provisioned: true,
        wifiConfigured: true,
        resetting: false,
        record: { v: 1, max: 3, wifiConfigured: true },
        storedSsid: 'Home',
        reboots: [],
        ledLit: true,
      });
      expect(s.events.filter((e) => e.startsWith('state'))).toEqual(['state 0/0', 'state 1/1', 'state 2/2', 'state 3/3']);
      expect(s.events.filter((e) => /^(reset|error|warning)/.test(e))).toEqual([]);
    });

    it('wrong password ×3 → reset bad-credentials and exactly one reboot after rebootDelayMs', () => {
      const run = runs.badCredentials;
      expectClean(run);
      expect(run.results.length).toBe(1);
      const s = run.results[0] as Summary;
      expect(s.events.filter((e) => e.startsWith('wifi disconnected'))).toEqual(Array(3).fill('wifi disconnected auth-error'));
      const at = resetAt(s, 'bad-credentials');
      expect(s.reboots.length).toBe(1);
      expect(s.reboots[0] - at).toBeGreaterThanOrEqual(10);
      expect(s.reboots[0] - at).toBeLessThan(200);
      expect(s).toMatchObject({ max: 0, wifiConfigured: false, record: null, storedSsid: null, ledLit: false });
      expect(s.journal).toMatchObject({ resets: [{ cause: 'bad-credentials' }], buttonLatched: false });
      expect(s.events.filter((e) => /^(error|warning)/.test(e))).toEqual([]);
    });

    it('long press → reset button, latched in the journal, one reboot', () => {
      const run = runs.longPress;
      expectClean(run);
      expect(run.results.length).toBe(1);
      const s = run.results[0] as Summary;
      expect(s.events.filter((e) => e.startsWith('button'))).toEqual(['button pressed', 'button activated']);
      const at = resetAt(s, 'button');
      expect(at).toBeGreaterThanOrEqual(160); // pressed at 50, debounce 10, hold 100
      expect(s.reboots.length).toBe(1);
      expect(s.reboots[0] - at).toBeGreaterThanOrEqual(10);
      expect(s.journal).toMatchObject({ resets: [{ cause: 'button' }], buttonLatched: true });
      expect(s.events.filter((e) => /^(error|warning)/.test(e))).toEqual([]);
    });

    it('reboot mid-provisioning → the timeout is re-armed at start (R4.3) → reset timeout', () => {
      const run = runs.rebootMidProvisioning;
      expectClean(run);
      expect(run.results.length).toBe(2);
      expect(run.results[0]).toEqual({ before: { cur: 1, max: 1, record: { v: 1, max: 1, wifiConfigured: false } } });
      const s = run.results[1] as Summary;
      expect(s.events[0]).toBe('state 0/1');
      const at = resetAt(s, 'timeout');
      expect(at).toBeGreaterThanOrEqual(1500);
      expect(at).toBeLessThan(3000);
      expect(s.reboots.length).toBe(1);
      expect(s.reboots[0] - at).toBeGreaterThanOrEqual(10);
      expect(s).toMatchObject({ max: 0, record: null });
      expect(s.journal).toMatchObject({ resets: [{ cause: 'timeout' }], buttonLatched: false });
    });
  });
}

const DEBUG = ESPRUINO_INTERPRETERS.find((i) => i.env === 'ESPRUINO_BIN_DEBUG');

describe.skipIf(!DEBUG?.bin)('the runner on the debug build (set ESPRUINO_BIN_DEBUG to run this)', () => {
  it("counts a failed ASSERT and its memory dump as failures, and stops the run: the known trigger, an arrow using this in a case not taken", async () => {
    const dir = espruinoWorkDir('provision-espruino-assert-');
    try {
      const run = await runEspruino(dir, `function g(){switch(1){case 0: f(()=>this.x);break;case 1:return 1}}\nconsole.log('RESULT ' + g());\nquit();`, DEBUG?.bin);
      const bad = run.lines.filter(isFailureLine);
      expect(bad.some((l) => l.includes('ASSERT(jsvHasChildren(obj)) FAILED'))).toBe(true);
      expect(bad.some((l) => /#\d+\[r\d+,l\d+\]/.test(l))).toBe(true);
      expect(run.code).not.toBe(0); // killed at the assertion, not left to dump memory for the run limit
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
