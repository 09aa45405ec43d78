// The scenarios of scenarios.ts on the real Espruino interpreter: a release build named by
// ESPRUINO_BIN and a debug build (assertions on) named by ESPRUINO_BIN_DEBUG, each skipped without it. The module is written into the interpreter's Storage as the file "provision" in chunks,
// as the Espruino tools upload it (a 32-bit build cannot hold the whole source string in RAM), then
// each boot of a scenario is a new interpreter process on the same flash (./espruino.flash in its
// working directory) doing require('provision').
//
// The Linux build has no Wifi module: a fake ESP32-like one is registered with Modules.addCached. Its
// GPIO goes through a sysfs directory only when one was compiled in, and without it digitalWrite does
// nothing, digitalRead returns 0 and setWatch never fires: so the pin functions are replaced by fakes
// in JS (the ports look them up on the global object at call time), as is E.reboot ("Not implemented"
// on Linux). Everything else is the interpreter's own: parser, timers, Promise, Storage, getTime.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFlash, ESPRUINO_INTERPRETERS, espruinoWorkDir, expectClean, runEspruino, SCRIPT_HEAD, uploadToStorage, type EspruinoRun } from '../../../test-utils/espruino';
import { BUILDS, ensureBundle } from './bundle';
import { CONFIG, checkScenario, LED_SCENARIOS, LED_TITLES, SCENARIOS } from './scenarios';

/** Variables (blocks): the module loaded from Storage plus one started provisioner with all its ports. */
const MEMORY_BUDGET = 920; // measures 867 on the Puck.js layout, 874 on 1700 variables (the test's fakes included)

/** The same for each build, with the ports its boards have: Wi-Fi for the full build, none for the button + LED one. */
const BUILD_BUDGETS: { [file: string]: number } = { 'provision.min.js': 920, 'provision-led.min.js': 700 }; // measure 867–874, 642–647

/** A boot that never finishes prints a line with this word (see PRELUDE). */
const FAILS = ['watchdog'];

/**
 * One boot: the script is stored in Storage and loaded with require(), like the module, so its code
 * stays in flash (a script run from a file is copied into RAM, which a Puck.js-sized pool cannot spare
 * beside the module).
 */
async function bootFromStorage(dir: string, script: string, bin: string | undefined): Promise<EspruinoRun> {
  await uploadToStorage(dir, 'boot', script, FAILS, bin);
  return runEspruino(dir, `require('boot');`, bin);
}

/** What every boot gets before the scenario: the environment scenarios.ts describes, in the subset. */
// Lean, so that a scenario fits the 1700-variable pool of an ESP8266-sized build beside the module: the
// LED is a real pin (the interpreter's own digitalWrite), the button one watched pin in JS.
const PRELUDE = `${SCRIPT_HEAD}var done = quit;
setTimeout(function () { console.log('watchdog: the scenario never finished'); quit(); }, 8000);
global.SILENT = false; // global: the Wifi module below is evaluated in its own scope
var BTN = D0, LEDPIN = D5;
var LEVEL = 0, WATCHES = [], NEXT_WATCH = 1, LAST, REBOOTS = 0;
global.digitalRead = function (p) { return p === BTN ? LEVEL : 0; };
global.setWatch = function (fn, p) { WATCHES.push({ id: NEXT_WATCH, fn: fn, pin: p }); return NEXT_WATCH++; };
global.clearWatch = function (id) {
  if (id === undefined) throw new Error('clearWatch(undefined) not allowed');
  WATCHES = WATCHES.filter(function (w) { return w.id !== id; });
};
function press(v) {
  LEVEL = v === undefined ? 1 : v; // release() is press(0)
  var t = getTime(), ws = WATCHES.slice();
  for (var i = 0; i < ws.length; i++) if (ws[i].pin === BTN) ws[i].fn({ state: !!LEVEL, time: t, lastTime: LAST, pin: BTN });
  LAST = t;
}
var release = press.bind(undefined, 0);
E.reboot = function () { REBOOTS++; };
function reboots() { return REBOOTS; }
Modules.addCached('Wifi', function () {
  var pending;
  exports.connect = function (ssid, o, cb) {
    exports.disconnect();
    if (SILENT) return;
    pending = setTimeout(function () {
      pending = undefined;
      if (ssid === 'Home' && o.password === 'correct horse') { cb(null); exports.emit('connected', { ip: '192.168.1.23' }); return; }
      var known = ssid === 'Home';
      // As the firmware: the event is queued first, then the callback.
      exports.emit('disconnected', { ssid: ssid, reason: known ? '202' : '201', msg: known ? 'AUTH_FAIL' : 'NO_AP_FOUND' });
      setTimeout(cb, 0, known ? 'AUTH_FAIL' : 'NO_AP_FOUND');
    }, 20);
  };
  exports.disconnect = function (cb) { if (pending !== undefined) { clearTimeout(pending); pending = undefined; } if (cb) setTimeout(cb, 0); };
});
`;

const MEMORY = `
require('Wifi');
process.memory();
var m0 = process.memory().usage;
var P = require('provision');
process.memory();
var m1 = process.memory().usage;
var ports = P.createEspruinoPorts({ button: { pin: BTN }, led: { pin: LEDPIN }, wifi: typeof P.validateCredentials === 'function' });
var prov = P.createProvisioner(ports, ${CONFIG});
prov.start().then(function () {
  process.memory();
  var m = process.memory();
  out({ module: m1 - m0, total: m.usage - m0, pool: m.total, stored: require('Storage').read('provision').length, exports: Object.keys(P) });
  prov.stop();
  done();
});
`;

for (const { name: build, env, bin } of ESPRUINO_INTERPRETERS) {
  describe.skipIf(!bin)(`on the real Espruino interpreter, ${build} (set ${env} to an interpreter binary to run these)`, () => {
    let base = '';
    let code = '';
    const runs: { [name: string]: EspruinoRun[] } = {};

    beforeAll(async () => {
      code = ensureBundle();
      base = espruinoWorkDir('provision-adapter-espruino-');
      const install = join(base, 'install');
      mkdirSync(install);
      await uploadToStorage(install, 'provision', code, FAILS, bin);
      const jobs = Object.keys(SCENARIOS).map(async (name) => {
        const dir = join(base, name);
        copyFlash(install, dir);
        runs[name] = [];
        for (const boot of SCENARIOS[name]) runs[name].push(await bootFromStorage(dir, PRELUDE + boot, bin));
      });
      jobs.push(
        (async () => {
          const dir = join(base, 'memory');
          copyFlash(install, dir);
          // From Storage like every boot: a script run from a file sits in RAM until it has run, and
          // freeing it between the two readings would hide that much of the provisioner's memory.
          runs.memory = [await bootFromStorage(dir, PRELUDE + MEMORY, bin)];
        })(),
      );
      await Promise.all(jobs);
    }, 240_000);

    afterAll(() => {
      if (base) rmSync(base, { recursive: true, force: true });
    });

    const results = (name: string): { [k: string]: unknown }[] => {
      const all: { [k: string]: unknown }[] = [];
      for (const run of runs[name]) {
        expectClean(run, FAILS);
        all.push(...run.results);
      }
      return all;
    };

    it('loads from Storage; the module plus a started provisioner with all its ports fits the memory budget', () => {
      const r = results('memory');
      expect(r.length).toBe(1);
      const m = r[0] as { module: number; total: number; pool: number; stored: number; exports: string[] };
      expect(m.stored).toBe(code.length);
      expect(m.exports).toEqual(expect.arrayContaining(['createProvisioner', 'createEspruinoPorts', 'validateConfig', 'State']));
      console.log(`espruino memory: ${m.total} vars (module ${m.module}, running provisioner with ports ${m.total - m.module}; pool ${m.pool})`);
      expect(m.module).toBeGreaterThan(0);
      expect(m.total).toBeLessThan(MEMORY_BUDGET);
    });

    it('fresh device → configureSta → connected → setCurState(3): provisioned, credentials persisted after the connection (R8.4, R6.1)', () => {
      checkScenario('provisioned', results('provisioned'));
    });
    it('wrong password ×3 → reset bad-credentials: record, app config and credentials wiped, journal kept, one reboot (R8.2, R7.2)', () => {
      checkScenario('badCredentials', results('badCredentials'));
    });
    it('provisioning session: wrong passphrase → cred-fail, resetOnFailure, right one → cred-success, stopSession (§8)', () => {
      checkScenario('session', results('session'));
    });
    it('long press → reset button, latched in the journal (R5.3, R5.5)', () => {
      checkScenario('longPress', results('longPress'));
    });
    it('stuck button across a reboot: reports stuck, cannot reset again; releasing clears the latch (R5.5)', () => {
      checkScenario('stuckButton', results('stuckButton'));
    });
    it('reboot mid-provisioning (a new process on the same flash) → timeout re-armed at start → reset timeout (R4.3, R4.4)', () => {
      checkScenario('rebootMidProvisioning', results('rebootMidProvisioning'));
    });
  });
}

// The scenarios every build runs, on each interpreter: the button + LED build lacks only Wi-Fi.
for (const { name: build, env, bin } of ESPRUINO_INTERPRETERS) {
  for (const { name, file } of BUILDS) {
    describe.skipIf(!bin)(`${name} on the real Espruino interpreter, ${build} (set ${env} to run these)`, () => {
      let base = '';
      const runs: { [name: string]: EspruinoRun[] } = {};
      beforeAll(async () => {
        const code = ensureBundle(file);
        base = espruinoWorkDir('provision-adapter-espruino-builds-');
        const install = join(base, 'install');
        mkdirSync(install);
        await uploadToStorage(install, 'provision', code, FAILS, bin);
        await Promise.all(
          LED_SCENARIOS.map(async (scenario) => {
            const dir = join(base, scenario);
            copyFlash(install, dir);
            runs[scenario] = [];
            for (const boot of SCENARIOS[scenario]) runs[scenario].push(await bootFromStorage(dir, PRELUDE + boot, bin));
          }),
        );
        const dir = join(base, 'memory');
        copyFlash(install, dir);
        runs.memory = [await bootFromStorage(dir, PRELUDE + MEMORY, bin)];
      }, 240_000);
      afterAll(() => {
        if (base) rmSync(base, { recursive: true, force: true });
      });
      it(`the module plus a started provisioner with its board's ports fits the memory budget (${BUILD_BUDGETS[file]})`, () => {
        expectClean(runs.memory[0], FAILS);
        const m = runs.memory[0].results[0] as { module: number; total: number; pool: number };
        console.log(`espruino memory, ${name}: ${m.total} vars (module ${m.module}, running provisioner with ports ${m.total - m.module}; pool ${m.pool})`);
        expect(m.total).toBeLessThan(BUILD_BUDGETS[file]);
      });
      for (const scenario of LED_SCENARIOS) {
        it(LED_TITLES[scenario], () => {
          const all: { [k: string]: unknown }[] = [];
          for (const run of runs[scenario]) {
            expectClean(run, FAILS);
            all.push(...run.results);
          }
          checkScenario(scenario, all);
        });
      }
    });
  }
}
