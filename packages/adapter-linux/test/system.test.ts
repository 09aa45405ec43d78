import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPortConformance, type SystemHarness } from '@provision/core/testing';
import { connectBus } from '../src/dbus';
import { createLinuxSystem } from '../src/system';
import { tempDir } from './helpers';
import { nmMockUnavailable, startDbusMock } from './nm-peer';

const unavailable = nmMockUnavailable();

if (unavailable) {
  describe('system port against a logind mock', () => it.skip(`skipped: ${unavailable}`, () => undefined));
} else {
  runPortConformance(
    { describe, it },
    {
      name: 'adapter-linux system (logind mock on a private bus)',
      async system(): Promise<SystemHarness> {
        const peer = await startDbusMock('logind', {}, 'org.freedesktop.login1');
        const port = createLinuxSystem({ busAddress: peer.address });
        return {
          port,
          async reboots() {
            const bus = await connectBus(peer.address);
            try {
              const [calls] = (await bus.call('org.freedesktop.login1', '/org/freedesktop/login1', 'org.freedesktop.DBus.Mock', 'GetCalls')) as [[number, string, unknown[]][]];
              return calls.filter((c) => c[1] === 'Reboot').length;
            } finally {
              bus.close();
            }
          },
          cleanup: peer.cleanup,
        };
      },
    },
  );
}

runPortConformance(
  { describe, it },
  {
    name: 'adapter-linux system (no logind: systemctl fallback)',
    async system(): Promise<SystemHarness> {
      const t = await tempDir('system');
      const log = path.join(t.dir, 'systemctl.log');
      await fs.writeFile(path.join(t.dir, 'systemctl'), `#!/bin/sh\necho "$@" >> "${log}"\n`, { mode: 0o755 });
      const saved = process.env.PATH;
      process.env.PATH = `${t.dir}:${saved}`;
      const port = createLinuxSystem({ busAddress: `unix:path=${path.join(t.dir, 'no-bus')}` });
      return {
        port,
        reboots: async () => (await fs.readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l === 'reboot').length,
        cleanup: async () => {
          process.env.PATH = saved;
          await t.cleanup();
        },
      };
    },
  },
);

describe('system port', () => {
  it('uptime comes from /proc/uptime (injectable)', async () => {
    const t = await tempDir('uptime');
    try {
      await fs.writeFile(path.join(t.dir, 'uptime'), '12345.67 54321.00\n');
      expect(await createLinuxSystem({ uptimeFile: path.join(t.dir, 'uptime') }).uptimeMs()).toBe(12345670);
      expect(await createLinuxSystem().uptimeMs()).toBeGreaterThan(0);
    } finally {
      await t.cleanup();
    }
  });

  it('a failing systemctl reboot is an error, after logind was tried', async () => {
    const t = await tempDir('system');
    const saved = process.env.PATH;
    try {
      await fs.writeFile(path.join(t.dir, 'systemctl'), '#!/bin/sh\necho "Failed to reboot: Access denied" >&2\nexit 1\n', { mode: 0o755 });
      process.env.PATH = `${t.dir}:${saved}`;
      const lines: string[] = [];
      const sys = createLinuxSystem({ busAddress: `unix:path=${path.join(t.dir, 'no-bus')}`, onLog: (m) => lines.push(m) });
      await expect(sys.reboot()).rejects.toThrow(/systemctl reboot failed: Failed to reboot: Access denied/);
      expect(lines[0]).toMatch(/logind reboot failed/);
    } finally {
      process.env.PATH = saved;
      await t.cleanup();
    }
  });
});
