// The Espruino bundle (dist/espruino/provision-core.min.js) in a Node `vm` context stripped of the
// built-ins Espruino lacks, with deterministic timers and Espruino's `getTime()` simulated inside the
// context: proves the bundle needs nothing Espruino does not have, and that a whole provisioning
// story runs through it. The real interpreter runs the same stories in espruino-real.test.ts.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEspruinoContext, ensureBundle, evaluateBundle } from '../../../test-utils/espruino';
import { ESPRUINO_FAKES } from './espruino-fakes';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PKG, '..', '..');
const BUNDLE = join(PKG, 'dist', 'espruino', 'provision-core.min.js');

/**
 * Runs inside the stripped context before the bundle: installs Espruino-like timers driven by
 * `__clock.advance`.
 */
const CLOCK = `
(function (g) {
  var now = 0, seq = 0, timers = [], fired = 0;
  g.setTimeout = function (fn, ms) {
    if (typeof fn !== 'function') throw new Error('setTimeout needs a function');
    var id = ++seq;
    timers.push({ id: id, due: now + (ms > 0 ? ms : 0), fn: fn });
    return id;
  };
  // Espruino: clearTimeout() without an id clears every timer, and an unknown id throws.
  g.clearTimeout = function (id) {
    if (id === undefined) throw new Error('clearTimeout(undefined) would clear every timer on Espruino');
    for (var i = 0; i < timers.length; i++) if (timers[i].id === id) { timers.splice(i, 1); return; }
    throw new Error('Unknown Timeout');
  };
  g.getTime = function () { return now / 1000; };
  Date.now = function () { return 1767225600000 + now; };
  g.__clock = {
    now: function () { return now; },
    pending: function () { return timers.length; },
    fired: function () { return fired; },
    advance: function (ms) {
      var end = now + ms;
      for (;;) {
        var best = -1;
        for (var i = 0; i < timers.length; i++) if (timers[i].due <= end && (best < 0 || timers[i].due < timers[best].due)) best = i;
        if (best < 0) break;
        var t = timers.splice(best, 1)[0];
        if (t.due > now) now = t.due;
        fired++;
        t.fn();
      }
      now = end;
    }
  };
})(this);
`;

/** The fakes, as `H`. */
const FAKES = `var H = ${ESPRUINO_FAKES};`;

interface Summary {
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
}

interface Device {
  boot(): Promise<void>;
  summary(): Summary;
  prov: {
    configureSta(c: { ssid: string; passphrase?: string }): Promise<void>;
    setCurState(n: number): void;
  };
  button: { press(): void };
  events: string[];
}

interface Sandbox {
  __clock: { advance(ms: number): void; now(): number; pending(): number; fired(): number };
  H: { device(P: unknown, config: unknown, networks: { [ssid: string]: string }, joinMs: number, retryMs: number): Device };
}

// Small values, the same as on the real interpreter.
const CONFIG = { timeoutMs: 300, rebootDelayMs: 10, button: { holdMs: 100, debounceMs: 10 } };
const NETWORKS = { Home: 'correct horse' };

let code = '';

function load(): { ctx: Sandbox; P: unknown } {
  const ctx = createEspruinoContext();
  vm.runInContext(CLOCK, ctx, { filename: 'espruino-clock.js' });
  const P = evaluateBundle(ctx, code, 'provision-core.min.js');
  vm.runInContext(FAKES, ctx, { filename: 'fakes.js' });
  return { ctx: ctx as unknown as Sandbox, P };
}

/** Plain copy: context objects have the context's prototypes. */
function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Let simulated time pass in the context, then let promise callbacks run. */
async function advance(ctx: Sandbox, ms: number): Promise<void> {
  ctx.__clock.advance(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

beforeAll(() => {
  code = ensureBundle({ bundle: BUNDLE, sources: [join(PKG, 'src')], build: 'pnpm --filter @provision/core build', cwd: ROOT });
}, 180_000);

describe('the Espruino bundle text', () => {
  it('is a plain script in the Espruino subset', () => {
    expect(code.length).toBeGreaterThan(1000);
    expect(code).toMatch(/module\.exports\s*=\s*\{/);
    expect(code).not.toMatch(/(^|[\s;}])export\s/m);
    expect(code).not.toMatch(/(^|[\s;}])import[\s{(]/m);
    expect(code).not.toContain('??');
    expect(code).not.toMatch(/\?\.(?!\d)/); // optional chaining; `a?.5:b` is a ternary
    expect(code).not.toMatch(/class\s*[\w$]*\s+extends\s+Error\b/);
    expect(code).not.toMatch(/\basync[\s(]/);
    expect(code).not.toMatch(/\bawait\s/);
    expect(code).not.toMatch(/function\s*\*/);
    expect(code).not.toContain('...');
    expect(code).not.toContain('**'); // exponent operator
  });

  it('loads in a context without what Espruino lacks, exporting the public API', () => {
    const { ctx, P } = load();
    for (const name of ['Map', 'Set', 'WeakMap', 'Symbol', 'Proxy', 'Reflect', 'performance', 'structuredClone', 'queueMicrotask']) {
      expect(vm.runInContext(`typeof ${name}`, ctx as unknown as vm.Context)).toBe('undefined');
    }
    for (const expr of ['Array.from', 'Object.freeze', 'Number.isInteger', 'Promise.prototype.finally', 'Promise.race', 'Promise.allSettled']) {
      expect(vm.runInContext(`typeof ${expr}`, ctx as unknown as vm.Context)).toBe('undefined');
    }
    const api = P as { [k: string]: unknown };
    for (const name of ['createProvisioner', 'validateConfig', 'validateCredentials', 'fromMgosConfig', 'isProvisionError', 'patternFor']) {
      expect(typeof api[name]).toBe('function');
    }
    expect(typeof (api.defaultClock as { now?: unknown }).now).toBe('function');
  });
});

describe('a provisioning story through the bundle, Espruino built-ins only', () => {
  it('fresh device → configureSta → connected → setCurState(3): provisioned, persisted, no timeout', async () => {
    const { ctx, P } = load();
    const d = ctx.H.device(P, CONFIG, NETWORKS, 20, 50);
    const started = d.boot();
    await advance(ctx, 0);
    await started;
    expect(plain(d.summary())).toMatchObject({ cur: 0, max: 0, provisioned: false, record: null, events: ['state 0/0'] });
    await d.prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' });
    expect(d.summary().cur).toBe(1);
    await advance(ctx, 20);
    expect(d.summary().cur).toBe(2);
    d.prov.setCurState(3);
    await advance(ctx, 5000); // well past timeoutMs: the timeout was cancelled (R4.2)
    const s = plain(d.summary());
    expect(s).toMatchObject({
      cur: 3,
      max: 3,
      provisioned: true,
      wifiConfigured: true,
      resetting: false,
      record: { v: 1, max: 3, wifiConfigured: true },
      storedSsid: 'Home', // persisted only after the connection succeeded (R8.4)
      reboots: [],
      ledLit: true, // solid on at stableState (R6.1)
    });
    expect(s.events.filter((e) => e.startsWith('state'))).toEqual(['state 0/0', 'state 1/1', 'state 2/2', 'state 3/3']);
    expect(s.events).toContain('wifi connected');
    expect(s.events.filter((e) => /^(reset|error|warning)/.test(e))).toEqual([]);
    expect(ctx.__clock.fired()).toBeGreaterThan(0); // the bundle ran on the context's timers
  });

  it('wrong password ×3 → reset bad-credentials and exactly one reboot rebootDelayMs later', async () => {
    const { ctx, P } = load();
    const d = ctx.H.device(P, CONFIG, NETWORKS, 20, 50);
    const started = d.boot();
    await advance(ctx, 0);
    await started;
    await d.prov.configureSta({ ssid: 'Home', passphrase: 'wrong horse' });
    await advance(ctx, 1000);
    const s = plain(d.summary());
    // Failures at 20, 90 and 160 ms; the reset at the third (R8.2), the reboot 10 ms later (R7.2).
    expect(s.events.filter((e) => e.startsWith('wifi disconnected'))).toEqual(['wifi disconnected auth-error', 'wifi disconnected auth-error', 'wifi disconnected auth-error']);
    expect(s.events.filter((e) => e.startsWith('reset'))).toEqual(['reset bad-credentials @160']);
    expect(s.reboots).toEqual([170]);
    expect(s).toMatchObject({ max: 0, wifiConfigured: false, record: null, storedSsid: null, ledLit: false });
    expect(s.journal).toEqual({ resets: [{ cause: 'bad-credentials', at: 1767225600000 + 160 }], buttonLatched: false });
    expect(s.events.filter((e) => e.startsWith('error') || e.startsWith('warning'))).toEqual([]);
  });

  it('long press → reset button, latched in the journal, one reboot', async () => {
    const { ctx, P } = load();
    const d = ctx.H.device(P, CONFIG, NETWORKS, 20, 50);
    const started = d.boot();
    await advance(ctx, 0);
    await started;
    await advance(ctx, 50);
    d.button.press();
    await advance(ctx, 109); // debounce 10 + hold 100
    expect(d.summary().resetting).toBe(false);
    await advance(ctx, 1);
    await advance(ctx, 100);
    const s = plain(d.summary());
    expect(s.events.filter((e) => e.startsWith('button') || e.startsWith('reset'))).toEqual(['button pressed', 'button activated', 'reset button @160']);
    expect(s.reboots).toEqual([170]);
    expect(s.journal).toMatchObject({ resets: [{ cause: 'button' }], buttonLatched: true });
    expect(s.events.filter((e) => e.startsWith('error'))).toEqual([]);
  });

  it('reboot mid-provisioning → the timeout is re-armed at start (R4.3) → reset timeout', async () => {
    const { ctx, P } = load();
    // The network takes 10 s to answer: the device is rebooted while still connecting.
    const d = ctx.H.device(P, CONFIG, NETWORKS, 10000, 50);
    const first = d.boot();
    await advance(ctx, 0);
    await first;
    await d.prov.configureSta({ ssid: 'Home', passphrase: 'correct horse' });
    await advance(ctx, 100);
    expect(plain(d.summary())).toMatchObject({ cur: 1, max: 1, record: { v: 1, max: 1, wifiConfigured: false } });
    d.events.length = 0;
    const second = d.boot();
    await advance(ctx, 0);
    await second;
    expect(plain(d.summary())).toMatchObject({ cur: 0, max: 1, resetting: false });
    await advance(ctx, 299);
    expect(d.summary().resetting).toBe(false);
    await advance(ctx, 1);
    await advance(ctx, 50);
    const s = plain(d.summary());
    expect(s.events).toEqual(['state 0/1', 'reset timeout @300']);
    expect(s.reboots).toEqual([310]);
    expect(s).toMatchObject({ max: 0, record: null });
    expect(s.journal).toMatchObject({ resets: [{ cause: 'timeout' }], buttonLatched: false });
  });
});
