// Whole-device scenarios as scripts in the Espruino subset, run unchanged by the bundle test (a Node
// `vm` context stripped of what Espruino lacks, over the simulated built-ins) and by the real
// interpreter test. Each script is one boot: it loads the module with `require('provision')`, builds
// the ports with createEspruinoPorts and prints its findings with `out({...})`. A reboot is the next
// script on the same flash.
//
// What each environment provides before a script runs: `out(o)`, `done()`, `press()`, `release()`,
// `reboots()`, the pins `BTN` and `LEDPIN`, and an ESP32-like `Wifi` module knowing `Home` with the
// passphrase `correct horse`, answering a join after 20 ms (never, when `SILENT` is true).
import { expect } from 'vitest';

/**
 * Small times, the same in both environments. The provisioning timeout is far above what the Wi-Fi
 * stories take (three failed joins ≈ 200 ms), so that on a loaded machine it cannot overtake them.
 */
export const CONFIG = '{ timeoutMs: 1500, rebootDelayMs: 10, button: { holdMs: 100, debounceMs: 10 } }';

const DEVICE = `
var P = require('provision');
// The button + LED build (provision-led.min.js) has no Wi-Fi: its ports have none (and it exports no validateCredentials).
var WIFI = typeof P.validateCredentials === 'function';
var ports = P.createEspruinoPorts({ button: { pin: BTN }, led: { pin: LEDPIN }, wifi: WIFI ? { retryDelayMs: 50, connectTimeoutMs: 2000 } : undefined, storage: { files: ['app.json'] } });
var prov = P.createProvisioner(ports, ${CONFIG});
var events = [];
var t0 = Math.round(getTime() * 1000);
// One listener for every event, told apart by the payload's shape: each function costs memory on the
// board, and a scenario must fit an ESP8266-sized pool beside the module.
function log(x) {
  events.push(x.cur !== undefined ? 'state ' + x.cur + '/' + x.max
    : x.cause !== undefined && x.message === undefined ? 'reset ' + x.cause + ' @' + (Math.round(getTime() * 1000) - t0)
    : x.state !== undefined ? 'wifi ' + x.state + (x.reason ? ' ' + x.reason : '') + (x.raw !== undefined ? ' ' + x.raw : '')
    : x.type !== undefined ? 'button ' + x.type
    : (x.code !== undefined ? 'error ' : 'warning ') + x.message);
}
['state', 'reset', 'wifi', 'button', 'error', 'warning'].forEach(function (n) { prov.on(n, log); });
function summary() {
  return {
    cur: prov.getCurState(), max: prov.getMaxState(), provisioned: prov.isProvisioned(), wifiConfigured: prov.isWifiConfigured(),
    record: ports.storage.load() || null, journal: ports.storage.loadJournal() || null, storedCredentials: WIFI ? ports.wifi.hasStoredCredentials() : false,
    appConfig: require('Storage').read('app.json') !== undefined, ledLit: ports.led.isLit(), reboots: reboots(), events: events
  };
}
// Steps wait for what they follow (polled on the script's own clock), never for a fixed window of time
// that a loaded machine can stretch; the watchdog ends a boot whose awaited event never comes.
function when(cond, then) { if (cond()) then(); else setTimeout(function () { when(cond, then); }, 10); }
function rebooted() { return reboots() > 0; }
function finish(afterMs) { setTimeout(function () { out(summary()); prov.stop(); if (WIFI) ports.wifi.disconnect(); done(); }, afterMs); }
`;

/**
 * The scenarios every build runs, the button + LED build (provision-led.min.js) included: the others
 * need Wi-Fi, which only the full build (provision.min.js) has.
 */
export const LED_SCENARIOS = ['appProvisioned', 'longPress', 'stuckButton', 'appTimeout', 'noWifi'];

/** Test titles of {@link LED_SCENARIOS}. */
export const LED_TITLES: { [name: string]: string } = {
  appProvisioned: 'the app sets its states: persisted at once, LED solid at the stable state (R3.2, R6.1)',
  longPress: 'long press → reset button, latched in the journal (R5.3, R5.5)',
  stuckButton: 'stuck button across a reboot: reports stuck, cannot reset again (R5.5)',
  appTimeout: 'reboot at state 1 → the timeout is re-armed at start → reset timeout (R4.3, R4.4)',
  noWifi: 'what the build offers: the button + LED build refuses a Wi-Fi port with invalid-config',
};

/** Scenario name → its boots, in order. */
export const SCENARIOS: { [name: string]: string[] } = {
  // R3.2, R6.1: the app sets the states itself (no network); the maximum is persisted at once.
  appProvisioned: [
    `${DEVICE}
prov.start().then(function () { prov.setCurState(1); prov.setCurState(3); finish(50); });`,
  ],
  // R4.3: a reboot at state 1 (the app's step, persisted); the next boot re-arms the timeout at start.
  appTimeout: [
    `${DEVICE}
prov.start().then(function () { prov.setCurState(1); finish(20); });`,
    `${DEVICE}
prov.start().then(function () { when(rebooted, function () { finish(20); }); });`,
  ],
  // What each build offers: the button + LED build refuses a Wi-Fi port, naming the build to use.
  noWifi: [
    `var P = require('provision');
var r = { wifi: typeof P.validateCredentials === 'function', configureSta: typeof P.createProvisioner(P.createEspruinoPorts({})).configureSta };
try { P.createEspruinoPorts({ wifi: true }); r.ports = 'ok'; } catch (e) { r.ports = e.code + ': ' + e.message; }
out(r);
setTimeout(done, 0);`,
  ],
  provisioned: [
    `${DEVICE}
require('Storage').write('app.json', '{"theme":"dark"}');
prov.on('wifi', function (w) { if (w.state === 'connected') setTimeout(function () { prov.setCurState(3); finish(50); }, 0); });
prov.start().then(function () { return prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' }); });`,
  ],
  badCredentials: [
    `${DEVICE}
require('Storage').write('app.json', '{"theme":"dark"}');
prov.start().then(function () { return prov.configureSta({ ssid: 'Home', passphrase: 'wrong horse' }); }).then(function () { when(rebooted, function () { finish(20); }); });`,
  ],
  longPress: [
    `${DEVICE}
prov.start().then(function () {
  setTimeout(press, 50);
  when(rebooted, function () { finish(20); });
});`,
  ],
  // §8: a provisioning session (its code is created only when first used): a wrong passphrase fails
  // the session at once (attempts 0), resetOnFailure() rewinds it, the right one succeeds.
  session: [
    `${DEVICE}
function sessionIs() { events.push('session is ' + prov.getSessionState()); }
// Each step waits for the event it follows (never a fixed time window: a loaded machine stretches them).
function retry() { sessionIs(); prov.resetOnFailure(); prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' }); }
function end() { sessionIs(); prov.stopSession(); sessionIs(); finish(0); }
// One function for every session event, bound to its name: a closure each would cost its scope too,
// and the scenario must fit an ESP8266-sized pool beside the module.
var failed = 0;
function sessionEvent(n) {
  events.push('session ' + n);
  if (n === 'cred-fail' && !failed++) setTimeout(retry, 0);
  if (n === 'cred-success') setTimeout(end, 0);
}
['init', 'start', 'cred-recv', 'cred-fail', 'cred-success', 'end', 'deinit'].forEach(function (n) { prov.on(n, sessionEvent.bind(undefined, n)); });
prov.start().then(function () {
  sessionIs();
  prov.startSession();
  return prov.configureSta({ ssid: 'Home', passphrase: 'wrong horse' });
});`,
  ],
  // R5.5: the button is still held after the reset it caused (stuck); the next boot must not reset again.
  stuckButton: [
    `${DEVICE}
prov.start().then(function () { setTimeout(press, 20); when(rebooted, function () { finish(20); }); });`,
    `press();
${DEVICE}
prov.start().then(function () {
  when(function () { return events.indexOf('button stuck') >= 0; }, function () { out({ held: summary() }); release(); finish(100); });
});`,
  ],
  // R4.3: a reboot while connecting (max 1 persisted); the next boot re-arms the timeout at start.
  rebootMidProvisioning: [
    `SILENT = true;
${DEVICE}
prov.start().then(function () { return prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' }); }).then(function () { finish(100); });`,
    `SILENT = true;
${DEVICE}
prov.start().then(function () { when(rebooted, function () { finish(20); }); });`,
  ],
};

/** What `summary()` prints. */
export interface Summary {
  cur: number;
  max: number;
  provisioned: boolean;
  wifiConfigured: boolean;
  record: { v: number; max: number; wifiConfigured: boolean } | null;
  journal: { resets: { cause: string; at: number }[]; buttonLatched: boolean } | null;
  storedCredentials: boolean;
  appConfig: boolean;
  ledLit: boolean;
  reboots: number;
  events: string[];
}

/** The time of the one reset event, checking its cause. */
export function resetAt(s: Summary, cause: string): number {
  const r = s.events.filter((e) => e.startsWith('reset '));
  if (r.length !== 1) throw new Error(`expected one reset, got ${JSON.stringify(s.events)}`);
  const m = /^reset (\S+) @(\d+)$/.exec(r[0]);
  if (!m || m[1] !== cause) throw new Error(`expected a reset caused by ${cause}, got ${r[0]}`);
  return Number(m[2]);
}

/** What every environment must observe for each scenario: `results` are the `out()` objects, in order. */
export function checkScenario(name: string, results: { [k: string]: unknown }[]): void {
  const noTrouble = (s: Summary): void => expect(s.events.filter((e) => /^(error|warning)/.test(e))).toEqual([]);
  if (name === 'provisioned') {
    expect(results.length).toBe(1);
    const s = results[0] as unknown as Summary;
    expect(s).toMatchObject({
      cur: 3,
      max: 3,
      provisioned: true,
      wifiConfigured: true,
      record: { v: 1, max: 3, wifiConfigured: true },
      storedCredentials: true, // persisted only after the connection succeeded (R8.4)
      appConfig: true,
      ledLit: true, // solid on at stableState (R6.1)
      reboots: 0,
    });
    expect(s.events.filter((e) => e.startsWith('state'))).toEqual(['state 0/0', 'state 1/1', 'state 2/2', 'state 3/3']);
    expect(s.events.filter((e) => e.startsWith('reset'))).toEqual([]);
    noTrouble(s);
  } else if (name === 'badCredentials') {
    expect(results.length).toBe(1);
    const s = results[0] as unknown as Summary;
    expect(s.events.filter((e) => e.startsWith('wifi disconnected'))).toEqual(Array(3).fill('wifi disconnected auth-error 202'));
    resetAt(s, 'bad-credentials');
    expect(s).toMatchObject({ max: 0, wifiConfigured: false, record: null, storedCredentials: false, appConfig: false, ledLit: false, reboots: 1 });
    expect(s.journal).toMatchObject({ resets: [{ cause: 'bad-credentials' }], buttonLatched: false });
    noTrouble(s);
  } else if (name === 'session') {
    expect(results.length).toBe(1);
    const s = results[0] as unknown as Summary;
    expect(s.events.filter((e) => e.startsWith('session'))).toEqual([
      'session is idle',
      'session init',
      'session start',
      'session cred-recv',
      'session cred-fail',
      'session is fail',
      'session cred-recv',
      'session cred-success',
      'session is success',
      'session end',
      'session deinit',
      'session is idle',
    ]);
    expect(s).toMatchObject({ cur: 2, max: 2, wifiConfigured: true, storedCredentials: true, reboots: 0 });
    expect(s.events.filter((e) => e.startsWith('reset'))).toEqual([]);
    noTrouble(s);
  } else if (name === 'appProvisioned') {
    expect(results.length).toBe(1);
    const s = results[0] as unknown as Summary;
    expect(s).toMatchObject({ cur: 3, max: 3, provisioned: true, wifiConfigured: false, record: { v: 1, max: 3, wifiConfigured: false }, ledLit: true, reboots: 0 });
    expect(s.events.filter((e) => e.startsWith('state'))).toEqual(['state 0/0', 'state 1/1', 'state 3/3']);
    noTrouble(s);
  } else if (name === 'appTimeout') {
    expect(results.length).toBe(2);
    expect(results[0]).toMatchObject({ cur: 1, max: 1, record: { v: 1, max: 1, wifiConfigured: false }, reboots: 0 });
    const s = results[1] as unknown as Summary;
    expect(s.events[0]).toBe('state 0/1');
    const at = resetAt(s, 'timeout');
    expect(at).toBeGreaterThanOrEqual(1500);
    expect(at).toBeLessThan(3000);
    expect(s).toMatchObject({ max: 0, record: null, reboots: 1, appConfig: false });
    expect(s.journal).toMatchObject({ resets: [{ cause: 'timeout' }], buttonLatched: false });
    noTrouble(s);
  } else if (name === 'noWifi') {
    expect(results.length).toBe(1);
    const r = results[0] as { wifi: boolean; configureSta: string; ports: string };
    if (r.wifi) expect(r).toMatchObject({ configureSta: 'function', ports: 'ok' });
    else expect(r).toEqual({ wifi: false, configureSta: 'undefined', ports: 'invalid-config: wifi: not in provision-led; use provision.min.js' });
  } else if (name === 'longPress') {
    expect(results.length).toBe(1);
    const s = results[0] as unknown as Summary;
    expect(s.events.filter((e) => e.startsWith('button'))).toEqual(['button pressed', 'button activated']);
    expect(resetAt(s, 'button')).toBeGreaterThanOrEqual(160); // pressed at 50, debounce 10, hold 100
    expect(s).toMatchObject({ max: 0, record: null, reboots: 1, ledLit: false });
    expect(s.journal).toMatchObject({ resets: [{ cause: 'button' }], buttonLatched: true });
    noTrouble(s);
  } else if (name === 'stuckButton') {
    expect(results.length).toBe(3);
    const first = results[0] as unknown as Summary;
    resetAt(first, 'button');
    expect(first.journal).toMatchObject({ buttonLatched: true });
    const held = (results[1] as { held: Summary }).held;
    expect(held.events.filter((e) => e.startsWith('button'))).toEqual(['button pressed', 'button stuck']);
    expect(held.events.filter((e) => e.startsWith('reset'))).toEqual([]);
    expect(held).toMatchObject({ reboots: 0, journal: { buttonLatched: true } });
    const after = results[2] as unknown as Summary;
    expect(after.journal).toMatchObject({ resets: [{ cause: 'button' }], buttonLatched: false }); // released: the latch clears
    expect(after.reboots).toBe(0);
    noTrouble(after);
  } else if (name === 'rebootMidProvisioning') {
    expect(results.length).toBe(2);
    expect(results[0]).toMatchObject({ cur: 1, max: 1, record: { v: 1, max: 1, wifiConfigured: false }, reboots: 0 });
    const s = results[1] as unknown as Summary;
    expect(s.events[0]).toBe('state 0/1');
    const at = resetAt(s, 'timeout');
    expect(at).toBeGreaterThanOrEqual(1500);
    expect(at).toBeLessThan(3000);
    expect(s).toMatchObject({ max: 0, record: null, reboots: 1 });
    expect(s.journal).toMatchObject({ resets: [{ cause: 'timeout' }], buttonLatched: false });
    noTrouble(s);
  } else {
    throw new Error(`unknown scenario ${name}`);
  }
}
