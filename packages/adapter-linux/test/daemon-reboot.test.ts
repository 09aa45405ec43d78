// R7.3 on Linux: a reboot that fails is retried, `reset` reports the failure, the daemon exits 3 and restarts wiped.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { SimulatedClock } from '@provision/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/daemon/exit-status';
import { retryingReboot } from '../src/daemon/reboot';
import { buildCli, daemonWorld, runCli, startCli } from './daemon-harness';
import { waitUntil } from './helpers';

/** Let pending promise callbacks run (the simulated clock only fires timers). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('retrying reboot (simulated clock)', () => {
  it('R7.3 retries a failed or hung reboot request a bounded number of times, doubling the delay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ok', 'fail', 'hang'), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 5 }), async (answers, attempts) => {
        const clock = new SimulatedClock();
        let calls = 0;
        const failures: number[] = [];
        const r = retryingReboot(
          {
            reboot: () => {
              const a = answers[calls++] ?? 'fail';
              if (a === 'ok') return Promise.resolve();
              if (a === 'fail') return Promise.reject(new Error('systemctl reboot failed: Access denied'));
              return new Promise<void>(() => undefined);
            },
          },
          { clock, policy: { attempts, retryMs: 1000, attemptTimeoutMs: 5000 }, onAttemptFailed: (n) => failures.push(n) },
        );
        const done = Promise.resolve(r.system.reboot());
        done.catch(() => undefined);
        // Bounded: every attempt times out by 5 s, the waits are 1, 2, 4, 8 s.
        for (let t = 0; t < 60; t++) {
          await settle();
          clock.advance(1000);
        }
        await settle();
        const firstOk = answers.slice(0, attempts).indexOf('ok');
        const o = await r.outcome;
        expect(o.ok).toBe(firstOk >= 0);
        expect(calls).toBe(firstOk >= 0 ? firstOk + 1 : attempts);
        expect(failures).toEqual(Array.from({ length: firstOk >= 0 ? firstOk : attempts }, (_, i) => i + 1));
        if (!o.ok) {
          await expect(done).rejects.toThrow(`the reboot failed ${attempts} time`);
          expect(o.error.message).toMatch(answers[attempts - 1] === 'hang' ? /did not answer within 5000 ms/ : /Access denied/);
        }
        // A second caller joins the first attempt instead of rebooting again.
        await Promise.resolve(r.system.reboot()).catch(() => undefined);
        expect(calls).toBe(firstOk >= 0 ? firstOk + 1 : attempts);
      }),
      { numRuns: 150 },
    );
  });
});

describe('provision-linux daemon: a reset whose reboot fails (R7.3)', () => {
  let cli: string;
  let cleanupCli: () => Promise<void>;
  beforeAll(async () => {
    ({ cli, cleanup: cleanupCli } = await buildCli());
  });
  afterAll(() => cleanupCli?.());

  it('R7.3 retries the reboot, reports the failure to reset, exits 3, and the restarted daemon runs wiped', async () => {
    const w = await daemonWorld({ rebootFails: true });
    const app = path.join(w.dir, 'app.json');
    await fs.writeFile(app, '{"mine":1}');
    const cfgFile = await w.config({ wifi: false, userConfigFiles: [app], provision: { stableState: 2 } });
    const d = startCli(cli, ['run', '--config', cfgFile], w.env);
    let again: ReturnType<typeof startCli> | undefined;
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      // Two resets at once: one reset, one set of reboot attempts, both told it failed.
      const [a, b] = await Promise.all([runCli(cli, ['reset', '--config', cfgFile], w.env), runCli(cli, ['reset', '--config', cfgFile], w.env)]);
      for (const r of [a, b]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/reset failed: the factory reset wiped the device but the reboot failed 3 times; last: systemctl reboot failed: Failed to reboot: Access denied; the daemon exits with status 3/);
      }
      expect(await d.exited()).toBe(EXIT.REBOOT_FAILED);
      expect(d.stderr()).toContain('so that the service manager starts the daemon again on the wiped state');
      expect((await w.reboots()).split('\n').filter((l) => l === 'reboot')).toHaveLength(3);
      expect(d.events.filter((e) => e.event === 'reboot-failed').map((e) => e.attempt)).toEqual([1, 2, 3]);
      expect(d.events.filter((e) => e.event === 'reset')).toHaveLength(1);
      await expect(fs.stat(app)).rejects.toThrow();
      // What the supervisor does next: the daemon starts again on the wiped state, not resetting.
      again = startCli(cli, ['run', '--config', cfgFile], w.env);
      await again.waitEvent((e) => e.event === 'daemon-started', 'the restarted daemon');
      const st = JSON.parse((await runCli(cli, ['status', '--config', cfgFile], w.env)).stdout) as Record<string, unknown>;
      expect(st).toMatchObject({ running: true, resetting: false, max: 0, resets: 1, lastReset: expect.objectContaining({ cause: 'app' }) });
      expect(await again.stop()).toBe(0);
    } finally {
      await d.stop();
      await again?.stop();
      await w.cleanup();
    }
  }, 60000);

  it('R7.3 while the reboot is being retried, status says so and names the failure', async () => {
    const w = await daemonWorld({ rebootFails: true });
    const cfgFile = await w.config({ wifi: false });
    const d = startCli(cli, ['run', '--config', cfgFile], w.env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const reset = runCli(cli, ['reset', '--config', cfgFile], w.env);
      await d.waitEvent((e) => e.event === 'reboot-failed', 'the first failed reboot');
      const st = JSON.parse((await runCli(cli, ['status', '--config', cfgFile], w.env)).stdout) as Record<string, unknown>;
      expect(st).toMatchObject({ running: true, resetting: true, reboot: { attempts: expect.any(Number), lastError: expect.stringContaining('Access denied') } });
      expect((await reset).code).toBe(1);
      expect(await d.exited()).toBe(EXIT.REBOOT_FAILED);
    } finally {
      await d.stop();
      await w.cleanup();
    }
  }, 60000);

  it('a reboot that works still answers reset: ok, once', async () => {
    const w = await daemonWorld();
    const cfgFile = await w.config({ wifi: false });
    const d = startCli(cli, ['run', '--config', cfgFile], w.env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      expect(await runCli(cli, ['reset', '--config', cfgFile], w.env)).toMatchObject({ code: 0, stdout: 'reset: ok\n' });
      await waitUntil(async () => (await w.reboots()).includes('reboot'), 5000, 'the reboot');
      expect(d.events.some((e) => e.event === 'reboot-failed')).toBe(false);
      expect(await d.stop()).toBe(0);
    } finally {
      await d.stop();
      await w.cleanup();
    }
  }, 30000);
});
