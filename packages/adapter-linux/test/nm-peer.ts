import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectBus } from '../src/dbus';
import { fixtures, isRoot, tempDir, waitUntil } from './helpers';

const execFileP = promisify(execFile);

/** Why the NetworkManager mock cannot run here, or undefined. */
export function nmMockUnavailable(): string | undefined {
  if (!isRoot) return 'unshare -m -p needs root';
  if (!existsSync('/usr/bin/python3')) return '/usr/bin/python3 is missing';
  if (!existsSync('/usr/lib/python3/dist-packages/dbusmock')) return 'python3-dbusmock is not installed';
  if (!existsSync('/usr/bin/nmcli')) return 'nmcli is not installed (apt install network-manager)';
  if (!existsSync('/usr/bin/dbus-daemon')) return 'dbus-daemon is not installed';
  return undefined;
}

export interface NmPeer {
  address: string;
  /** Run the real nmcli against the mock. */
  nmcli(...args: string[]): Promise<string>;
  cleanup(): Promise<void>;
}

/** A private system bus with the NetworkManager mock, in a pid namespace that dies with it. */
export function startNmMock(params: { ifname: string; networks: { ssid: string; psk: string; bssid: string }[] }): Promise<NmPeer> {
  return startDbusMock(path.join(fixtures, 'nm_template.py'), params, 'org.freedesktop.NetworkManager');
}

/** A private system bus running a python-dbusmock template (a built-in name or a file). */
export async function startDbusMock(template: string, params: object, busName: string): Promise<NmPeer> {
  const t = await tempDir('nm');
  const socket = path.join(t.dir, 'system_bus_socket');
  const conf = path.join(t.dir, 'bus.conf');
  await fs.writeFile(conf, (await fs.readFile(path.join(fixtures, 'nm-bus.conf.in'), 'utf8')).replace('@SOCKET@', socket));
  let log = '';
  const child: ChildProcess = spawn(
    'unshare',
    ['-m', '-p', '-f', '--kill-child', '--mount-proc', path.join(fixtures, 'nm-mock.sh'), socket, conf, template, JSON.stringify(params)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const address = `unix:path=${socket}`;
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once('close', r));
      // unshare ignores SIGTERM while it waits, and the namespace's init (python) ignores it too:
      // SIGKILL unshare; --kill-child then kills init, and with it the whole pid namespace.
      child.kill('SIGKILL');
      await done;
    }
    await t.cleanup();
  };
  try {
    await waitUntil(() => existsSync(socket), 10000, 'the private bus');
    await waitUntil(
      async () => {
        const bus = await connectBus(address).catch(() => undefined);
        if (!bus) return false;
        try {
          const [owned] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [busName]);
          return Boolean(owned);
        } finally {
          bus.close();
        }
      },
      15000,
      `the ${busName} mock`,
    );
  } catch (e) {
    await cleanup();
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  return {
    address,
    async nmcli(...args) {
      const r = await execFileP('nmcli', args, { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address } });
      return r.stdout;
    },
    cleanup,
  };
}
