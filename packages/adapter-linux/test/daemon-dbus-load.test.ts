// The D-Bus library is loaded when the daemon starts, so a package changed on disk later cannot break the reboot.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { connectBus } from '../src/dbus';
import { daemonWorld, runCli, startCli } from './daemon-harness';
import { tempDir } from './helpers';
import { nmMockUnavailable, startDbusMock } from './nm-peer';

const pkg = path.resolve(__dirname, '..');
const requireHere = createRequire(path.join(pkg, 'package.json'));
const EXTERNAL = ['unix-dgram', '@homebridge/dbus-native', 'eventemitter3'];

/** The CLI installed on its own: a bundle plus a node_modules of links to the real packages. */
async function installCli(dir: string): Promise<string> {
  const cli = path.join(dir, 'cli.mjs');
  await build({ entryPoints: [path.join(pkg, 'src/cli.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', conditions: ['source'], external: EXTERNAL, outfile: cli, logLevel: 'silent' });
  for (const name of EXTERNAL) {
    const real = path.dirname(requireHere.resolve(`${name}/package.json`));
    await fs.mkdir(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    await fs.symlink(real, path.join(dir, 'node_modules', name));
  }
  return cli;
}

const why = nmMockUnavailable();
describe.skipIf(why)(`D-Bus library loaded at start${why ? ` — skipped: ${why}` : ''}`, () => {
  it('a reset after the D-Bus package vanished from disk still reboots through logind', async () => {
    const w = await daemonWorld();
    const inst = await tempDir('install');
    const logind = await startDbusMock('logind', {}, 'org.freedesktop.login1');
    const cli = await installCli(inst.dir);
    const cfgFile = await w.config({ wifi: false });
    // pnpm's NODE_PATH would find the package in the workspace store: the install stands alone.
    const env: NodeJS.ProcessEnv = { ...w.env, DBUS_SYSTEM_BUS_ADDRESS: logind.address };
    delete env.NODE_PATH;
    const d = startCli(cli, ['run', '--config', cfgFile], env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      // An upgrade in progress, or a removed package: the module is no longer resolvable.
      await fs.rm(path.join(inst.dir, 'node_modules', '@homebridge', 'dbus-native'));
      expect(await runCli(cli, ['reset', '--config', cfgFile], env)).toMatchObject({ code: 0, stdout: 'reset: ok\n' });
      await d.waitEvent((e) => e.event === 'system' && e.message === 'reboot requested from logind', 'the logind reboot');
      const bus = await connectBus(logind.address);
      try {
        const [calls] = (await bus.call('org.freedesktop.login1', '/org/freedesktop/login1', 'org.freedesktop.DBus.Mock', 'GetCalls')) as [[number, string, unknown[]][]];
        expect(calls.filter((c) => c[1] === 'Reboot')).toHaveLength(1);
      } finally {
        bus.close();
      }
      expect(await w.reboots()).toBe('');
    } finally {
      await d.stop();
      await logind.cleanup();
      await inst.cleanup();
      await w.cleanup();
    }
  }, 60000);
});
