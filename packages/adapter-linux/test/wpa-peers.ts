// Real wpa_supplicant (and hostapd) peers on veth pairs in network namespaces.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isRoot, tempDir, unixDgramMissing, waitUntil } from './helpers';

let seq = 0;

/** Why the real-peer tests cannot run here, or undefined when they can. */
export function realPeerUnavailable(): string | undefined {
  if (!isRoot) return 'needs root (network namespaces, veth pairs)';
  for (const bin of ['/usr/sbin/wpa_supplicant', '/usr/sbin/hostapd', '/usr/sbin/ip', '/usr/bin/ip']) {
    if (bin.endsWith('/ip') && (existsSync('/usr/sbin/ip') || existsSync('/usr/bin/ip'))) continue;
    if (!existsSync(bin)) return `${path.basename(bin)} is not installed (apt install wpasupplicant hostapd iproute2)`;
  }
  return unixDgramMissing();
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function startIn(ns: string, cmd: string, args: string[], log: string): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(log, { flags: 'a' });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  child.on('close', () => out.end());
  child.on('error', () => undefined);
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A wpa_supplicant (and optionally an 802.1X authenticator) on a veth pair in two fresh namespaces. */
export interface WpaPeer {
  ctrlDir: string;
  ifname: string;
  configFile: string;
  dir: string;
  /** wpa_supplicant's stderr (and its `-f` debug log when `debug` is set). */
  logFile: string;
  /** Stop wpa_supplicant (SIGTERM) and start it again with the same configuration. */
  restartSupplicant(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Start `wpa_supplicant -D <driver>` on one end of a veth pair in its own namespace; with `eapUsers`,
 * a fresh `hostapd -D wired` (802.1X, internal EAP server) on the other end in a second namespace.
 */
export async function startWpaPeer(opts: { driver: 'none' | 'wired'; eapUsers?: string; debug?: boolean }): Promise<WpaPeer> {
  const t = await tempDir('wpa');
  const id = `${process.pid % 100000}${++seq}`;
  const nsSta = `provision-${id}-sta`;
  const nsAuth = `provision-${id}-auth`;
  const ifSta = `pvs${id}`.slice(0, 15);
  const ifAuth = `pva${id}`.slice(0, 15);
  const ctrlDir = path.join(t.dir, 'ctrl');
  const configFile = path.join(t.dir, 'wpa_supplicant.conf');
  const children: ChildProcess[] = [];
  const created: string[] = [];
  const cleanup = async () => {
    for (const c of children.reverse()) await stop(c);
    for (const ns of created) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    await t.cleanup();
  };
  try {
    ip('netns', 'add', nsSta);
    created.push(nsSta);
    ip('netns', 'add', nsAuth);
    created.push(nsAuth);
    ip('link', 'add', ifSta, 'type', 'veth', 'peer', 'name', ifAuth);
    ip('link', 'set', ifSta, 'netns', nsSta);
    ip('link', 'set', ifAuth, 'netns', nsAuth);
    ip('-n', nsSta, 'link', 'set', ifSta, 'up');
    ip('-n', nsAuth, 'link', 'set', ifAuth, 'up');
    if (opts.eapUsers !== undefined) {
      await fs.writeFile(path.join(t.dir, 'eap_users'), opts.eapUsers);
      await fs.writeFile(
        path.join(t.dir, 'hostapd.conf'),
        [`interface=${ifAuth}`, 'driver=wired', 'ieee8021x=1', 'eap_server=1', `eap_user_file=${path.join(t.dir, 'eap_users')}`, 'eapol_version=2', `ctrl_interface=${path.join(t.dir, 'hostapd')}`, ''].join('\n'),
      );
      children.push(startIn(nsAuth, 'hostapd', [path.join(t.dir, 'hostapd.conf')], path.join(t.dir, 'hostapd.log')));
      await waitUntil(() => existsSync(path.join(t.dir, 'hostapd', ifAuth)), 10000, 'hostapd to start');
    }
    await fs.writeFile(configFile, [`ctrl_interface=${ctrlDir}`, 'update_config=1', ...(opts.driver === 'wired' ? ['ap_scan=0', 'eapol_version=2'] : []), ''].join('\n'), { mode: 0o600 });
  } catch (e) {
    await cleanup();
    throw e;
  }
  let supplicant: ChildProcess | undefined;
  const startSupplicant = async () => {
    // debug: -dd -K logs every control command with its key material, so a secret sent would show.
    const debug = opts.debug ? ['-dd', '-K', '-t'] : [];
    // Under the usual umask 022, as a system service runs it: SAVE_CONFIG then writes a 0644 file.
    supplicant = startIn(nsSta, 'sh', ['-c', 'umask 022 && exec wpa_supplicant "$@"', 'wpa_supplicant', ...debug, '-D', opts.driver, '-i', ifSta, '-c', configFile], path.join(t.dir, 'wpa.log'));
    children.push(supplicant);
    await waitUntil(() => existsSync(path.join(ctrlDir, ifSta)), 10000, 'wpa_supplicant to start');
  };
  try {
    await startSupplicant();
  } catch (e) {
    await cleanup();
    throw e;
  }
  return {
    ctrlDir,
    ifname: ifSta,
    configFile,
    dir: t.dir,
    logFile: path.join(t.dir, 'wpa.log'),
    async restartSupplicant() {
      await stop(supplicant);
      await startSupplicant();
    },
    cleanup,
  };
}
