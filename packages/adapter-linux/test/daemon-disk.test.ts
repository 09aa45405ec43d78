// A read-only or full state directory (real mounts in a private mount namespace) does not stop the daemon.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, daemonWorld, runCli, startCommand } from './daemon-harness';
import { isRoot, waitUntil } from './helpers';

function namespacesMissing(): string | undefined {
  if (!isRoot) return 'needs root for mount namespaces';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d" && umount "$d" && rmdir "$d"']);
  return r.status === 0 ? undefined : `cannot mount in a private mount namespace (unshare -m): ${String(r.stderr).trim()}`;
}
const why = namespacesMissing();

const LATCHED = { resets: [{ cause: 'button', at: 1767225600000 }], buttonLatched: true };
const PROVISIONED = { v: 1, max: 2, wifiConfigured: true };

/** How the state directory is mounted for the daemon only (the test keeps seeing the plain directory). */
const MOUNTS = {
  'read-only': (s: string) => `mount --bind '${s}' '${s}' && mount -o remount,bind,ro '${s}'`,
  // A 64 KiB tmpfs holding the old files, then filled up: every write fails with ENOSPC.
  full: (s: string, seed: string) =>
    `mount -t tmpfs -o size=64k,mode=0700 tmpfs '${s}' && cp '${seed}'/* '${s}'/ && { dd if=/dev/zero of='${s}/fill' bs=1k 2>/dev/null; true; }`,
};

describe.skipIf(why)(`state directory on a read-only or full disk${why ? ` — skipped: ${why}` : ''}`, () => {
  let cli: string;
  let cleanupCli: () => Promise<void>;
  beforeAll(async () => {
    ({ cli, cleanup: cleanupCli } = await buildCli());
  });
  afterAll(() => cleanupCli?.());

  for (const kind of ['read-only', 'full'] as const) {
    it(`R7.3 ${kind}: the button and LED keep working, writes fail as error events, the latch on disk survives`, async () => {
      const w = await daemonWorld();
      const seed = path.join(w.dir, 'seed');
      const out = path.join(w.dir, 'out');
      await Promise.all([fs.mkdir(w.state, { mode: 0o700 }), fs.mkdir(seed), fs.mkdir(out)]);
      for (const dir of [w.state, seed]) {
        await fs.writeFile(path.join(dir, 'record.json'), `${JSON.stringify(PROVISIONED)}\n`, { mode: 0o600 });
        await fs.writeFile(path.join(dir, 'journal.json'), `${JSON.stringify(LATCHED)}\n`, { mode: 0o600 });
      }
      const cfgFile = await w.config({
        gpioDevDir: w.g.devDir,
        provision: { stableState: 2, button: { holdMs: 1500 } },
        button: { chip: 'gpiochip0', line: 17, activeLow: true, bias: 'pull-up' },
        led: { sysfs: 'ACT', root: w.leds },
        wifi: false,
      });
      // The button is still held from the reset that set the latch.
      await w.g.setLevel('gpiochip0', 17, 0);
      const mount = kind === 'full' ? MOUNTS.full(w.state, seed) : MOUNTS['read-only'](w.state);
      const script = `${mount} || exit 97; "${process.execPath}" "${cli}" run --config '${cfgFile}'; rc=$?; cp '${w.state}/journal.json' '${w.state}/record.json' '${out}/' 2>/dev/null; exit $rc`;
      const d = startCommand('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], w.env);
      let daemonPid: number | undefined;
      try {
        daemonPid = Number((await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started')).pid);
        // The latch holds: a stuck button cannot reset the device again (R5.5).
        await d.waitEvent((e) => e.event === 'button' && e.type === 'stuck', 'button stuck');
        // The LED shows the stable state through the kernel (R6.1) although nothing can be written.
        await waitUntil(async () => (await w.led('trigger')) !== 'mmc0', 5000, 'the LED driven');
        // Released: the latch clears in memory; writing that fails, as an error event.
        await w.g.setLevel('gpiochip0', 17, 1);
        await d.waitEvent((e) => e.event === 'error' && /stuck-button latch/.test(String(e.message)), 'the failed latch write');
        // A long press still resets: every write fails, the reboot is still requested (R7.3).
        await w.g.setLevel('gpiochip0', 17, 0);
        await d.waitEvent((e) => e.event === 'reset' && e.cause === 'button', 'the button reset', 15000);
        await waitUntil(async () => (await w.reboots()).includes('reboot'), 10000, 'the reboot request');
        // Read-only: the latch clearing and every reset write fail. Full: the wipe frees space, so only
        // what came before it must fail.
        expect(d.events.filter((e) => e.event === 'error' && e.code === 'storage-failed').length).toBeGreaterThanOrEqual(kind === 'full' ? 1 : 3);
        expect(d.child.exitCode).toBeNull();
        expect(JSON.parse((await runCli(cli, ['status', '--config', cfgFile], w.env)).stdout)).toMatchObject({ running: true, resetting: true });
        process.kill(daemonPid, 'SIGTERM');
        expect(await d.exited()).toBe(0);
        // What is on the disk is a whole journal that is still latched: a button stuck through the
        // reboot cannot reset the device again.
        const onDisk = JSON.parse(await fs.readFile(path.join(kind === 'full' ? out : w.state, 'journal.json'), 'utf8')) as typeof LATCHED;
        expect(onDisk.buttonLatched).toBe(true);
        expect(onDisk.resets[0]).toEqual(LATCHED.resets[0]);
        if (kind === 'read-only') expect(onDisk).toEqual(LATCHED);
        expect(d.stdout()).not.toMatch(/"event":"unparsable"/);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- daemon log:\n${d.stdout()}\n--- stderr:\n${d.stderr()}`);
      } finally {
        // The shell in the namespace waits for the daemon: end the daemon, then the shell ends.
        if (daemonPid && d.child.exitCode === null) process.kill(daemonPid, 'SIGTERM');
        await d.exited();
        await w.cleanup();
      }
    }, 60000);
  }
});
