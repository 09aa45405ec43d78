import type { ProvisionRecord, ResetJournal, WifiCredentials, WifiEvent, WifiPort } from '../ports';
import type {
  ButtonHarness,
  ClockHarness,
  ConformanceTarget,
  Disposable,
  LedHarness,
  StorageHarness,
  SystemHarness,
  TestApi,
  WifiHarness,
} from './conformance-types';

export type {
  ButtonHarness,
  ClockHarness,
  ConformanceTarget,
  Disposable,
  LedHarness,
  LedObservation,
  StorageHarness,
  SystemHarness,
  TestApi,
  WifiHarness,
} from './conformance-types';

/**
 * Mark the running test skipped with a reason when the framework's test context can (vitest's
 * `ctx.skip(note)`); otherwise the test passes having checked nothing more.
 */
function skip(ctx: unknown, reason: string): void {
  const c = ctx as { skip?: (note: string) => void } | undefined;
  if (c && typeof c.skip === 'function') c.skip(reason);
}

// Real peers need real waiting; the core's lib has no timer globals, so look them up here.
const realTimers = globalThis as unknown as {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

function fail(message: string): never {
  throw new Error(`conformance: ${message}`);
}

function assert(cond: unknown, message: string): void {
  if (!cond) fail(message);
}

function same(a: unknown, b: unknown, what: string): void {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) fail(`${what}: expected ${jb}, got ${ja}`);
}

async function rejects(fn: () => unknown, what: string): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return fail(`${what} should have thrown`);
}

/** Run `body` with a fresh harness, always cleaning up. */
async function using<H extends Disposable>(make: () => H | Promise<H>, body: (h: H) => Promise<void> | void): Promise<void> {
  const h = await make();
  try {
    await body(h);
  } finally {
    if (h.cleanup) await h.cleanup();
  }
}

/** Collects Wi-Fi events and waits for one that matches. */
function recorder(h: WifiHarness): {
  events: WifiEvent[];
  until(pred: (e: WifiEvent) => boolean, what: string): Promise<WifiEvent>;
  stop(): void;
} {
  const events: WifiEvent[] = [];
  let wake: (() => void) | undefined;
  const unsub = h.port.subscribe((e) => {
    events.push(e);
    if (wake) wake();
  });
  const limit = h.eventTimeoutMs === undefined ? 10000 : h.eventTimeoutMs;
  return {
    events: events,
    async until(pred, what) {
      let seen = 0;
      const started = Date.now();
      for (;;) {
        for (; seen < events.length; seen++) if (pred(events[seen])) return events[seen];
        if (Date.now() - started > limit) {
          return fail(`timed out after ${limit} ms waiting for ${what}; got ${JSON.stringify(events)}`);
        }
        if (h.tick) {
          await h.tick();
          await Promise.resolve();
        } else {
          // A real peer: wait for its next event (or a short poll), bounded by the limit above.
          await new Promise<void>((resolve) => {
            const t = realTimers.setTimeout(resolve, 50);
            wake = () => {
              realTimers.clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    },
    stop: unsub,
  };
}

const RECORD_A: ProvisionRecord = { v: 1, max: 2, wifiConfigured: false };
const RECORD_B: ProvisionRecord = { v: 1, max: 3, wifiConfigured: true };
const JOURNAL: ResetJournal = { resets: [{ cause: 'button', at: 1767225600123 }], buttonLatched: true };

function storageTests(t: TestApi, make: () => StorageHarness | Promise<StorageHarness>): void {
  t.it('load() on a fresh medium returns undefined', () =>
    using(make, async (h) => {
      same(await h.port.load(), undefined, 'load() of a fresh medium');
      same(await h.port.loadJournal(), undefined, 'loadJournal() of a fresh medium');
    }));
  t.it('save() then load() returns the record; the last save wins (R10.1)', () =>
    using(make, async (h) => {
      await h.port.save(RECORD_A);
      same(await h.port.load(), RECORD_A, 'load() after save()');
      await h.port.save(RECORD_B);
      same(await h.port.load(), RECORD_B, 'load() after a second save()');
    }));
  t.it('wipe() removes the record and keeps the journal (R7.2)', () =>
    using(make, async (h) => {
      await h.port.save(RECORD_B);
      await h.port.saveJournal(JOURNAL);
      await h.port.wipe();
      same(await h.port.load(), undefined, 'load() after wipe()');
      same(await h.port.loadJournal(), JOURNAL, 'loadJournal() after wipe()');
    }));
  t.it('saveJournal() then loadJournal() round-trips', () =>
    using(make, async (h) => {
      await h.port.saveJournal(JOURNAL);
      same(await h.port.loadJournal(), JOURNAL, 'loadJournal()');
      const next: ResetJournal = { resets: JOURNAL.resets.concat([{ cause: 'timeout', at: 5 }]), buttonLatched: false };
      await h.port.saveJournal(next);
      same(await h.port.loadJournal(), next, 'loadJournal() after a second save');
    }));
  t.it('wipe() on an empty medium succeeds', () => using(make, async (h) => void (await h.port.wipe())));
  t.it('compact(), when offered, succeeds and keeps the journal', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.port.compact) return skip(ctx, 'the storage port has no compact()');
      await h.port.saveJournal(JOURNAL);
      await h.port.compact();
      same(await h.port.loadJournal(), JOURNAL, 'loadJournal() after compact()');
    }));
  t.it('the record and journal survive a reopen (reboot), when the harness can reopen', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.reopen) return skip(ctx, 'the harness cannot reopen the medium');
      await h.port.save(RECORD_B);
      await h.port.saveJournal(JOURNAL);
      const again = await h.reopen();
      same(await again.load(), RECORD_B, 'load() after reopen');
      same(await again.loadJournal(), JOURNAL, 'loadJournal() after reopen');
    }));
  t.it('a corrupt record makes load() throw without changing what is stored (R3.6)', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.corruptRecord) return skip(ctx, 'the harness cannot corrupt the record');
      await h.port.save(RECORD_A);
      await h.port.saveJournal(JOURNAL);
      await h.corruptRecord('{"v":1,"max":');
      await rejects(() => h.port.load(), 'load() of a truncated record');
      await rejects(() => h.port.load(), 'a second load() of a truncated record');
      same(await h.port.loadJournal(), JOURNAL, 'the journal beside a corrupt record');
      await h.port.save(RECORD_B);
      same(await h.port.load(), RECORD_B, 'load() after saving over a corrupt record');
    }));
  t.it('an empty or torn record is not "nothing stored": load() throws (or returns it for the core to refuse), never undefined (R3.7)', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.corruptRecord) return skip(ctx, 'the harness cannot corrupt the record');
      for (const raw of ['', '{"v":1', '{', 'null', '[3]']) {
        await h.port.save(RECORD_B);
        await h.corruptRecord(raw);
        let got: unknown;
        let threw = false;
        try {
          got = await h.port.load();
        } catch (_e) {
          threw = true;
        }
        assert(threw || got !== undefined, `load() of the stored bytes ${JSON.stringify(raw)} returned undefined ("nothing stored"): it must throw`);
      }
    }));
  t.it('a record saved by a newer release loads back with its version, not as an error or undefined (R3.7)', () =>
    using(make, async (h) => {
      const newer = { v: 2, max: 3, wifiConfigured: true, since: 'v2' } as unknown as ProvisionRecord;
      await h.port.save(newer);
      let got: ProvisionRecord | undefined;
      try {
        got = await h.port.load();
      } catch (e) {
        fail(`load() of a version-2 record threw (${(e as Error).message}); it must return it so the core can keep it`);
      }
      assert(got !== undefined, 'load() of a version-2 record returned undefined (that says "nothing stored")');
      same((got as ProvisionRecord).v, 2, 'the version of a newer record');
    }));
  t.it('an unreadable medium makes load() throw, never return undefined (R3.7)', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.makeUnreadable) return skip(ctx, 'the harness cannot make the medium unreadable');
      await h.port.save(RECORD_B);
      await h.makeUnreadable();
      await rejects(() => h.port.load(), 'load() of an unreadable medium');
    }));
  t.it('wipe() deletes the user configuration the app registered', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.writeUserConfig || !h.userConfigExists) return skip(ctx, 'the harness has no user configuration hooks');
      await h.writeUserConfig();
      assert(await h.userConfigExists(), 'user configuration should exist before wipe()');
      await h.port.wipe();
      assert(!(await h.userConfigExists()), 'wipe() must delete the user configuration');
    }));
}

function buttonTests(t: TestApi, make: () => ButtonHarness | Promise<ButtonHarness>): void {
  t.it('read() follows the line: pressed, then released', () =>
    using(make, async (h) => {
      await h.release();
      same(await h.port.read(), false, 'read() while released');
      await h.press();
      same(await h.port.read(), true, 'read() while pressed');
      await h.release();
      same(await h.port.read(), false, 'read() after release');
    }));
  t.it('watch() delivers a pressed edge then a released edge, with times', () =>
    using(make, async (h) => {
      await h.release();
      const edges: { pressed: boolean; at: number }[] = [];
      let wake: (() => void) | undefined;
      const unwatch = h.port.watch((e) => {
        edges.push(e);
        if (wake) wake();
      });
      const waitFor = async (n: number): Promise<void> => {
        const started = Date.now();
        while (edges.length < n) {
          if (Date.now() - started > 10000) fail(`expected ${n} edges, got ${JSON.stringify(edges)}`);
          await new Promise<void>((resolve) => {
            const timer = realTimers.setTimeout(resolve, 20);
            wake = () => {
              realTimers.clearTimeout(timer);
              resolve();
            };
          });
        }
      };
      try {
        await h.press();
        await waitFor(1);
        await h.release();
        await waitFor(2);
        same(
          edges.map((e) => e.pressed),
          [true, false],
          'edge order',
        );
        assert(typeof edges[0].at === 'number' && edges[1].at >= edges[0].at, 'edge times must be monotonic numbers');
      } finally {
        unwatch();
      }
    }));
  t.it('the function returned by watch() stops delivery and may be called twice', () =>
    using(make, async (h) => {
      await h.release();
      const edges: unknown[] = [];
      const unwatch = h.port.watch((e) => edges.push(e));
      unwatch();
      unwatch();
      await h.press();
      await h.release();
      await new Promise<void>((r) => realTimers.setTimeout(() => r(), 30));
      same(edges.length, 0, 'edges after unwatch');
    }));
}

function ledTests(t: TestApi, make: () => LedHarness | Promise<LedHarness>): void {
  t.it('set(true) lights the LED and set(false) darkens it', () =>
    using(make, async (h) => {
      await h.port.set(true);
      same(await h.observe(), { mode: 'steady', on: true }, 'after set(true)');
      await h.port.set(false);
      same(await h.observe(), { mode: 'steady', on: false }, 'after set(false)');
    }));
  t.it('blink(), when offered, blinks with the given times, and set() stops it', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.port.blink) return skip(ctx, 'the LED port has no blink()');
      await h.port.blink(250, 750);
      same(await h.observe(), { mode: 'blink', onMs: 250, offMs: 750 }, 'after blink(250, 750)');
      await h.port.blink(500, 500);
      same(await h.observe(), { mode: 'blink', onMs: 500, offMs: 500 }, 'after blink(500, 500)');
      await h.port.set(true);
      same(await h.observe(), { mode: 'steady', on: true }, 'set(true) after blink()');
    }));
}

async function connectAndWait(h: WifiHarness, creds: WifiCredentials, want: (e: WifiEvent) => boolean, what: string): Promise<WifiEvent[]> {
  const rec = recorder(h);
  try {
    await h.port.connect(creds, { persist: false });
    await rec.until(want, what);
    return rec.events.slice();
  } finally {
    rec.stop();
  }
}

function wifiTests(t: TestApi, make: () => WifiHarness | Promise<WifiHarness>): void {
  const timeout = 60000;
  t.it(
    'connect() with good credentials reports connecting, then connected (R2)',
    () =>
      using(make, async (h) => {
        const events = await connectAndWait(h, h.good, (e) => e.type === 'connected', 'connected');
        const types = events.map((e) => e.type);
        assert(types.indexOf('connected') >= 0, 'connected event');
        const firstConnecting = types.indexOf('connecting');
        assert(firstConnecting >= 0 && firstConnecting < types.indexOf('connected'), `connecting before connected, got ${types.join(',')}`);
      }),
    timeout,
  );
  t.it(
    'credentials are not stored until persist() (R8.4), and forget() erases them',
    () =>
      using(make, async (h) => {
        await h.port.forget();
        same(await h.port.hasStoredCredentials(), false, 'hasStoredCredentials() after forget()');
        await connectAndWait(h, h.good, (e) => e.type === 'connected', 'connected');
        same(await h.port.hasStoredCredentials(), false, 'hasStoredCredentials() before persist()');
        await h.port.persist();
        same(await h.port.hasStoredCredentials(), true, 'hasStoredCredentials() after persist()');
        await h.port.forget();
        same(await h.port.hasStoredCredentials(), false, 'hasStoredCredentials() after forget()');
      }),
    timeout,
  );
  t.it(
    'a wrong passphrase is reported as disconnected: auth-error, with the raw reason',
    (ctx?: unknown) =>
      using(make, async (h) => {
        if (!h.wrongPassphrase) return skip(ctx, 'the harness offers no wrong-passphrase network');
        const events = await connectAndWait(h, h.wrongPassphrase, (e) => e.type === 'disconnected' && e.reason === 'auth-error', 'auth-error');
        const d = events.filter((e) => e.type === 'disconnected' && e.reason === 'auth-error')[0] as { raw?: unknown };
        assert(d.raw !== undefined, 'an auth-error disconnect must keep the raw platform reason');
        assertNoSecret(events, h.wrongPassphrase.passphrase);
      }),
    timeout,
  );
  t.it(
    'a network not in range is reported as disconnected: ap-not-found',
    (ctx?: unknown) =>
      using(make, async (h) => {
        if (!h.missingNetwork) return skip(ctx, 'the harness offers no missing network');
        await connectAndWait(h, h.missingNetwork, (e) => e.type === 'disconnected' && e.reason === 'ap-not-found', 'ap-not-found');
      }),
    timeout,
  );
  t.it(
    'disconnect() drops unpersisted credentials; stored ones stay',
    () =>
      using(make, async (h) => {
        await h.port.forget();
        await connectAndWait(h, h.good, (e) => e.type === 'connected', 'connected');
        await h.port.persist();
        await h.port.disconnect();
        same(await h.port.hasStoredCredentials(), true, 'stored credentials after disconnect()');
        await h.port.forget();
      }),
    timeout,
  );
  t.it('the function returned by subscribe() stops delivery', () =>
    using(make, async (h) => {
      const got: WifiEvent[] = [];
      const unsub = h.port.subscribe((e) => got.push(e));
      unsub();
      await h.port.connect(h.good, { persist: false });
      if (h.tick) await h.tick();
      else await new Promise<void>((r) => realTimers.setTimeout(() => r(), 50));
      same(got.length, 0, 'events after unsubscribe');
      await h.port.disconnect();
    }));
  t.it('scan(), when offered, lists networks with ssid, rssi and secure', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.port.scan) return skip(ctx, 'the Wi-Fi port has no scan()');
      const list = await (h.port as Required<WifiPort>).scan();
      assert(Array.isArray(list), 'scan() returns an array');
      for (let i = 0; i < list.length; i++) {
        assert(typeof list[i].ssid === 'string' && typeof list[i].rssi === 'number' && typeof list[i].secure === 'boolean', `scan entry ${i} shape`);
      }
    }));
}

function assertNoSecret(events: unknown, secret: string | undefined): void {
  if (!secret) return;
  assert(JSON.stringify(events).indexOf(secret) < 0, 'a passphrase appeared in an event (R10.3)');
}

function systemTests(t: TestApi, make: () => SystemHarness | Promise<SystemHarness>): void {
  t.it('reboot() reaches the platform exactly once per call', () =>
    using(make, async (h) => {
      const before = await h.reboots();
      await h.port.reboot();
      same((await h.reboots()) - before, 1, 'reboots after one reboot()');
    }));
  t.it('uptimeMs(), when offered, is a non-negative number that does not go backwards', (ctx?: unknown) =>
    using(make, async (h) => {
      if (!h.port.uptimeMs) return skip(ctx, 'the system port has no uptimeMs()');
      const a = await h.port.uptimeMs();
      const b = await h.port.uptimeMs();
      assert(typeof a === 'number' && a >= 0 && isFinite(a), `uptimeMs() returned ${a}`);
      assert(b >= a, 'uptimeMs() went backwards');
    }));
}

function clockTests(t: TestApi, make: () => ClockHarness | Promise<ClockHarness>): void {
  t.it('now() is monotonic and a timer fires once after its delay', () =>
    using(make, async (h) => {
      const t0 = h.port.now();
      let fired = 0;
      let firedAt = -1;
      h.port.setTimeout(() => {
        fired++;
        firedAt = h.port.now();
      }, 100);
      await h.advance(99);
      same(fired, 0, 'fired before the delay');
      await h.advance(50);
      same(fired, 1, 'fired after the delay');
      assert(firedAt - t0 >= 100, `fired after ${firedAt - t0} ms, expected at least 100`);
      await h.advance(200);
      same(fired, 1, 'a one-shot timer fired twice');
    }));
  t.it('realTimers.clearTimeout() cancels, and accepts a handle that already fired', () =>
    using(make, async (h) => {
      let fired = 0;
      const a = h.port.setTimeout(() => fired++, 10);
      h.port.clearTimeout(a);
      const b = h.port.setTimeout(() => fired++, 10);
      await h.advance(20);
      h.port.clearTimeout(b);
      h.port.clearTimeout(b);
      same(fired, 1, 'timers fired');
    }));
}

/**
 * The adapter conformance suite (STYLE §3): registers one `describe` block per port with the behaviour
 * every adapter must have, as documented on the port interfaces. Ports the target leaves out appear as
 * skipped tests that say why.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runPortConformance, createMemoryStorage } from '@provision/core/testing';
 *
 * runPortConformance({ describe, it }, {
 *   name: 'my-adapter',
 *   storage: () => ({ port: createMemoryStorage() }),
 * });
 * ```
 */
export function runPortConformance(t: TestApi, target: ConformanceTarget): void {
  const sections: [string, unknown, (t: TestApi, make: never) => void][] = [
    ['storage', target.storage, storageTests],
    ['button', target.button, buttonTests],
    ['led', target.led, ledTests],
    ['wifi', target.wifi, wifiTests],
    ['system', target.system, systemTests],
    ['clock', target.clock, clockTests],
  ];
  t.describe(`${target.name}: port conformance`, () => {
    for (const s of sections) {
      const name = s[0];
      const make = s[1];
      const run = s[2];
      t.describe(`${name} port`, () => {
        if (!make) {
          t.it.skip(`${name} port: not provided by ${target.name}`, () => undefined);
          return;
        }
        run(t, make as never);
      });
    }
  });
}
