// The access point through hostapd and dnsmasq as supervised child processes, for interfaces NetworkManager does not manage.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '@provision/core';
import type { Logger } from '../daemon/log';
import { adapterError, describe } from '../errors';
import { run } from '../exec';
import type { AccessPoint } from './access-point';
import { dnsmasqArgs, hostapdConf, type HostapdDriver } from './hostapd-config';
import { superviseChild, type SupervisedChild } from './supervised';
import type { AccessPointSettings } from './settings';

/** Options of {@link createHostapdAccessPoint}. */
export interface HostapdOptions {
  /** Config, pid and lease files; created 0700. Default `/run/provision/ap`. */
  runtimeDir?: string;
  /** hostapd's driver. Default `nl80211`. */
  driver?: HostapdDriver;
  /** Whether the radio can run a station beside the access point. Default false (hostapd takes the interface). */
  concurrent?: boolean;
  /** The portal's URL, announced by DHCP option 114. */
  portalUrl?: string;
  /** Prefix for every command, e.g. `['ip', 'netns', 'exec', 'ns1']`. Default none. */
  commandPrefix?: string[];
  /** hostapd executable. Default `hostapd`. */
  hostapd?: string;
  /** dnsmasq executable. Default `dnsmasq`. */
  dnsmasq?: string;
  clock?: Clock;
  log?: Logger;
}

/** The hostapd + dnsmasq access point. */
export interface HostapdAccessPoint extends AccessPoint {
  readonly backend: 'hostapd';
  /** The runtime directory in use. */
  readonly runtimeDir: string;
  /** Process ids of hostapd and dnsmasq while up. */
  pids(): { hostapd?: number; dnsmasq?: number };
}

/** Process ids in the runtime directory's pid files whose command line still names that directory. */
async function strayPids(runtimeDir: string): Promise<number[]> {
  const out: number[] = [];
  for (const f of ['hostapd.pid', 'dnsmasq.pid']) {
    const pid = Number((await fs.readFile(path.join(runtimeDir, f), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    // A recycled pid belongs to someone else: only a process started with our files is ours.
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(runtimeDir)) out.push(pid);
  }
  return out;
}

async function killAndWait(pids: number[]): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const end = Date.now() + 3000;
  // A zombie is gone too: an orphan's reaper may be slow (or absent in a container).
  const alive = (p: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  for (const p of pids.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
}

/**
 * An access point run by `hostapd` (the radio) and `dnsmasq` (DHCP, and DNS answering every name
 * with the device's address), both supervised child processes. Their files live in `runtimeDir`
 * (0700; hostapd.conf 0600, since it holds the WPA2 password). `start()` first stops processes a
 * killed predecessor left running (found by their pid files) and removes its files; `stop()` leaves
 * nothing behind.
 *
 * @example
 * ```ts
 * const ap = createHostapdAccessPoint(resolveAccessPointSettings({ shortId: '3F2A', password: 'per-device-secret' }));
 * await ap.start();
 * ```
 */
export function createHostapdAccessPoint(settings: AccessPointSettings, options: HostapdOptions = {}): HostapdAccessPoint {
  const runtimeDir = path.resolve(options.runtimeDir ?? '/run/provision/ap');
  const prefix = options.commandPrefix ?? [];
  const log: Logger = options.log ?? (() => undefined);
  let hostapd: SupervisedChild | undefined;
  let dnsmasq: SupervisedChild | undefined;
  let up = false;
  let busy: Promise<void> = Promise.resolve();
  const cidr = `${settings.address}/${settings.prefixLength}`;

  const ip = async (...args: string[]): Promise<void> => {
    const argv = [...prefix, 'ip', ...args];
    const r = await run(argv[0], argv.slice(1), { pkg: 'iproute2' });
    if (r.code !== 0) throw adapterError('not-supported', `ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
  };

  const cleanup = async (): Promise<void> => {
    const stray = await strayPids(runtimeDir);
    if (stray.length) {
      log('access-point-stale', { backend: 'hostapd', pids: stray });
      await killAndWait(stray);
    }
    await fs.rm(runtimeDir, { recursive: true, force: true });
  };

  const doStart = async (): Promise<void> => {
    if (up) return;
    await cleanup();
    await fs.mkdir(runtimeDir, { recursive: true, mode: 0o700 });
    await fs.chmod(runtimeDir, 0o700);
    const conf = path.join(runtimeDir, 'hostapd.conf');
    await fs.writeFile(conf, hostapdConf(settings, runtimeDir, options.driver), { mode: 0o600 });
    try {
      await ip('link', 'set', settings.ifname, 'up');
      await ip('addr', 'replace', cidr, 'dev', settings.ifname);
      hostapd = await superviseChild({
        name: 'hostapd',
        argv: [...prefix, options.hostapd ?? 'hostapd', conf],
        pidFile: path.join(runtimeDir, 'hostapd.pid'),
        pkg: 'hostapd',
        ready: /AP-ENABLED/,
        clock: options.clock,
        log,
      });
      dnsmasq = await superviseChild({
        name: 'dnsmasq',
        argv: [...prefix, options.dnsmasq ?? 'dnsmasq', ...dnsmasqArgs(settings, runtimeDir, options.portalUrl)],
        pidFile: path.join(runtimeDir, 'dnsmasq.pid'),
        pkg: 'dnsmasq-base',
        ready: /started, version/,
        clock: options.clock,
        log,
      });
      up = true;
    } catch (e) {
      await doStop();
      throw adapterError('not-supported', `the access point on ${settings.ifname} did not come up: ${describe(e)}`, { cause: e });
    }
  };

  const doStop = async (): Promise<void> => {
    up = false;
    await Promise.all([hostapd?.stop(), dnsmasq?.stop()]);
    hostapd = undefined;
    dnsmasq = undefined;
    await ip('addr', 'del', cidr, 'dev', settings.ifname).catch(() => undefined);
    // Whatever a failed start left (a child that did not write its pid yet) goes with the files.
    await cleanup();
  };

  // start and stop never overlap.
  const serial = (f: () => Promise<void>): Promise<void> => {
    const next = busy.then(f, f);
    busy = next.catch(() => undefined);
    return next;
  };

  return {
    backend: 'hostapd',
    settings,
    runtimeDir,
    start: () => serial(doStart),
    stop: () => serial(doStop),
    isUp: () => up,
    concurrent: () => options.concurrent ?? false,
    pids: () => ({ hostapd: hostapd?.pid(), dnsmasq: dnsmasq?.pid() }),
  };
}
