// The Wi-Fi port on wpa_supplicant's control socket.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Clock, ScanResult, TimerHandle, WifiCredentials, WifiEvent, WifiPort } from '@provision/core';
import EventEmitter from 'eventemitter3';
import { nodeClock } from '../clock';
import { adapterError } from '../errors';
import { lineSplitter } from '../exec';
import { checkCredentials, derivePsk, toHex } from './credentials';
import { findWpaConfigFile, secureWpaConfigFile } from './wpa-config-file';
import { openWpaSocket, type WpaSocket } from './wpa-ctrl';
import { classifyWpaEvent } from './wpa-events';

/** 802.1X (EAP) settings: the credentials' passphrase becomes the EAP password. */
export interface EapOptions {
  /** EAP method, as wpa_supplicant spells it: `PEAP`, `TTLS`, `PWD`, `PSK`… */
  method: string;
  /** EAP identity (user name). */
  identity: string;
  /** Inner authentication for PEAP/TTLS, e.g. `auth=MSCHAPV2`. */
  phase2?: string;
  /** `WPA-EAP` for Wi-Fi enterprise (default), `IEEE8021X` for wired 802.1X. */
  keyMgmt?: 'WPA-EAP' | 'IEEE8021X';
}

/** Options for {@link createWpaSupplicantWifi}. */
export interface WpaSupplicantOptions {
  /** The station interface, e.g. `wlan0`. */
  ifname: string;
  /** wpa_supplicant's `ctrl_interface` directory. Default `/run/wpa_supplicant`. */
  ctrlDir?: string;
  /** Where the adapter binds its own client sockets. Default the OS temp dir. */
  localDir?: string;
  /** Time source for request and scan timeouts. Default the Node clock. */
  clock?: Clock;
  /** Reply timeout per command, ms. Default 5000. */
  requestTimeoutMs?: number;
  /**
   * Report `connected` only once the interface has an IPv4 address (DHCP done), as the core expects.
   * Default true. Set false where the link itself is the goal (wired 802.1X without DHCP).
   */
  requireIp?: boolean;
  /**
   * When wpa_supplicant stops (`CTRL-EVENT-TERMINATING`, or its socket goes away), try to reattach this
   * often, ms, until it is back. Default 2000. No timer runs while wpa_supplicant is up.
   */
  reconnectMs?: number;
  /**
   * wpa_supplicant's configuration file, which the adapter checks after every `SAVE_CONFIG` (mode
   * 0600, every value readable back). Default: the `-c` file of the running wpa_supplicant that
   * serves `ifname`, found in `/proc`; when none can be found, `persist()` and `forget()` report it.
   */
  configFile?: string;
  /**
   * Use 802.1X instead of a pre-shared key: `ssid` selects the network, `passphrase` is the EAP password.
   * An explicit adapter option because the port's credentials carry no identity.
   */
  eap?: EapOptions;
}

/** The wpa_supplicant {@link WifiPort}, plus `close()`. */
export interface WpaSupplicantWifi extends WifiPort {
  scan(): Promise<ScanResult[]>;
  /** DETACH the monitor and close both sockets (and any address watcher). */
  close(): Promise<void>;
}

const PENDING = 'provision-pending';
const SAVED = 'provision';

/**
 * Wi-Fi through wpa_supplicant's control interface, for systems where NetworkManager does not manage
 * the interface. Uses two client sockets: one for requests, one ATTACHed monitor for events (so events
 * never interleave with replies). Credentials from `connect(…, {persist: false})` live only in
 * wpa_supplicant's memory until `persist()`, which runs `SAVE_CONFIG` (needs `update_config=1`).
 * Networks the adapter added but never persisted are tagged `id_str="provision-pending"` and removed
 * when the adapter starts, so a crash cannot leave them behind to be saved later.
 *
 * The passphrase never reaches wpa_supplicant: the adapter sends the derived 256-bit PSK (64 hex
 * digits) and the SSID as hex, so nothing needs quoting and the saved file holds `psk=<hex>`, never
 * `psk="…"`. After every `SAVE_CONFIG` the configuration file is made mode 0600 again (wpa_supplicant
 * recreates it with its umask) and any value wpa_supplicant wrote in a form it would not read back
 * (a quoted SSID holding `"` then `#`) is rewritten as hex.
 *
 * @example
 * ```ts
 * const wifi = await createWpaSupplicantWifi({ ifname: 'wlan0' });
 * wifi.subscribe((e) => console.log(e));
 * await wifi.connect({ ssid: 'HomeNet', passphrase: 'correct horse' }, { persist: false });
 * ```
 */
export async function createWpaSupplicantWifi(options: WpaSupplicantOptions): Promise<WpaSupplicantWifi> {
  const clock = options.clock ?? nodeClock;
  const ctrlPath = path.join(options.ctrlDir ?? '/run/wpa_supplicant', options.ifname);
  const requireIp = options.requireIp ?? true;
  const events = new EventEmitter<{ event: [WifiEvent]; scan: [] }>();
  const sockOpts = { clock, timeoutMs: options.requestTimeoutMs ?? 5000, localDir: options.localDir };

  let state: 'idle' | 'connecting' | 'connected' = 'idle';
  let reported = false; // a failure was already reported for the current attempt
  let pendingId: number | undefined;
  let lastId: number | undefined;
  let ipWatch: ChildProcess | undefined;

  const emit = (e: WifiEvent): void => void events.emit('event', e);

  let req: WpaSocket | undefined;
  let mon: WpaSocket | undefined;
  let reconnectTimer: TimerHandle | undefined;
  let closed = false;

  async function attach(): Promise<void> {
    const r = await openWpaSocket(ctrlPath, sockOpts);
    try {
      const m = await openWpaSocket(ctrlPath, { ...sockOpts, onEvent: onLine });
      try {
        expectOk(await m.request('ATTACH'), 'ATTACH');
      } catch (e) {
        await m.close();
        throw e;
      }
      req = r;
      mon = m;
    } catch (e) {
      await r.close();
      throw e;
    }
  }

  // wpa_supplicant went away: report a lost link, drop the sockets, and reattach with a timer that
  // runs only until it is back (it reloads its saved configuration, so pending networks are gone).
  function lost(why: string): void {
    if (closed || !req) return;
    const r = req;
    const m = mon;
    req = undefined;
    mon = undefined;
    void r.close();
    void m?.close();
    stopIpWatch();
    pendingId = undefined;
    lastId = undefined;
    if (state !== 'idle' && !reported) emit({ type: 'disconnected', reason: 'other', raw: why });
    state = 'idle';
    reported = false;
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined) return;
    reconnectTimer = clock.setTimeout(() => {
      void attach().then(
        () => {
          reconnectTimer = undefined;
        },
        () => {
          reconnectTimer = undefined;
          scheduleReconnect();
        },
      );
    }, options.reconnectMs ?? 2000);
  }

  await attach();

  function stopIpWatch(): void {
    ipWatch?.kill('SIGTERM');
    ipWatch = undefined;
  }

  function reportConnected(): void {
    if (!requireIp) return emit({ type: 'connected' });
    const ip = ipv4Of(options.ifname);
    if (ip) return emit({ type: 'connected', ip });
    stopIpWatch();
    const c = spawn('ip', ['-o', '-4', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    ipWatch = c;
    c.on('error', () => undefined);
    c.stdout!.setEncoding('utf8').on(
      'data',
      lineSplitter((l) => {
        const got = parseIpMonitor(l, options.ifname);
        if (got && ipWatch === c && state === 'connected') {
          stopIpWatch();
          emit({ type: 'connected', ip: got });
        }
      }),
    );
  }

  function onLine(line: string): void {
    if (line.startsWith('CTRL-EVENT-TERMINATING')) return lost('wpa_supplicant terminated');
    const m = classifyWpaEvent(line);
    switch (m.kind) {
      case 'attempt':
        reported = false;
        if (state === 'idle') {
          state = 'connecting';
          emit({ type: 'connecting' });
        }
        return;
      case 'scan-started':
        // Each scan that fails to find the network is its own failed try (NETWORK-NOT-FOUND).
        if (state !== 'connected') reported = false;
        return;
      case 'connected':
        state = 'connected';
        reported = false;
        reportConnected();
        return;
      case 'link-lost':
        // During an attempt the classifying line (TEMP-DISABLED, EAP-FAILURE) follows; report that one.
        if (state !== 'connected') return;
        stopIpWatch();
        state = 'idle';
        reported = true;
        emit({ type: 'disconnected', reason: 'other', raw: m.raw });
        return;
      case 'failed':
        if (state === 'connected') stopIpWatch();
        state = 'idle';
        if (reported) return;
        reported = true;
        emit({ type: 'disconnected', reason: m.reason, raw: m.raw });
        return;
      case 'scan-results':
        events.emit('scan');
        return;
      default:
        return;
    }
  }

  async function cmd(c: string): Promise<string> {
    if (!req) throw adapterError('wifi-failed', `wpa_supplicant is not running (no control socket ${ctrlPath}); retrying`);
    try {
      return (await req.request(c)).trim();
    } catch (e) {
      if (/ECONNREFUSED|ENOENT|ENOTCONN/.test((e as Error).message)) lost('wpa_supplicant went away');
      throw e;
    }
  }
  async function ok(c: string, what?: string): Promise<void> {
    expectOk(await cmd(c), what ?? c.split(' ').slice(0, 3).join(' '));
  }
  async function networkIds(): Promise<number[]> {
    const text = await cmd('LIST_NETWORKS');
    return text
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split('\t')[0]))
      .filter((n) => Number.isInteger(n));
  }
  async function idStr(id: number): Promise<string> {
    const v = await cmd(`GET_NETWORK ${id} id_str`);
    return v === 'FAIL' ? '' : v.replace(/^"|"$/g, '');
  }
  async function removeNetwork(id: number): Promise<void> {
    const r = await cmd(`REMOVE_NETWORK ${id}`);
    if (r !== 'OK' && r !== 'FAIL') expectOk(r, 'REMOVE_NETWORK');
  }
  async function save(): Promise<void> {
    const r = await cmd('SAVE_CONFIG');
    if (r !== 'OK') {
      throw adapterError('wifi-failed', 'wpa_supplicant SAVE_CONFIG failed: its configuration needs update_config=1 and a writable file');
    }
    const file = options.configFile ?? (await findWpaConfigFile(options.ifname, options.ctrlDir ?? '/run/wpa_supplicant'));
    if (file === undefined) {
      throw adapterError(
        'wifi-failed',
        `wpa_supplicant saved the network, but its configuration file could not be found to keep it mode 0600 (no wpa_supplicant -i ${options.ifname} -c FILE visible in /proc): set the configFile option`,
      );
    }
    await secureWpaConfigFile(file);
  }

  // Networks a previous run added but never persisted must not survive to be saved later.
  for (const id of await networkIds()) if ((await idStr(id)) === PENDING) await removeNetwork(id);

  async function addNetwork(c: WifiCredentials): Promise<number> {
    const idText = await cmd('ADD_NETWORK');
    const id = Number(idText);
    if (!Number.isInteger(id)) throw adapterError('wifi-failed', `wpa_supplicant ADD_NETWORK failed: ${idText}`);
    const set = async (field: string, value: string, label = field) => {
      const r = await cmd(`SET_NETWORK ${id} ${field} ${value}`);
      if (r !== 'OK') throw adapterError('invalid-credentials', `wpa_supplicant rejected the ${label} setting`, { field: label });
    };
    try {
      await set('ssid', toHex(c.ssid));
      await set('scan_ssid', '1');
      if (c.bssid) await set('bssid', c.bssid.toLowerCase());
      const secret = c.passphrase ?? '';
      if (options.eap) {
        await set('key_mgmt', options.eap.keyMgmt ?? 'WPA-EAP');
        await set('eap', options.eap.method.toUpperCase().replace(/[^A-Z0-9-]/g, ''), 'eap');
        await set('identity', toHex(options.eap.identity), 'identity');
        // Hex, like the SSID: any printable password goes over without quoting rules.
        await set('password', secret === '' ? '""' : toHex(secret), 'passphrase');
        if (options.eap.phase2) await set('phase2', toHex(options.eap.phase2));
        if (options.eap.keyMgmt === 'IEEE8021X') await set('eapol_flags', '0');
      } else if (secret === '') {
        await set('key_mgmt', 'NONE');
      } else {
        await set('key_mgmt', 'WPA-PSK');
        await set('psk', await derivePsk(c.ssid, secret), 'passphrase');
      }
      await set('id_str', `"${PENDING}"`);
    } catch (e) {
      await removeNetwork(id).catch(() => undefined);
      throw e;
    }
    return id;
  }

  const port: WpaSupplicantWifi = {
    subscribe(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async connect(creds, { persist }) {
      checkCredentials(creds);
      if (pendingId !== undefined) {
        await removeNetwork(pendingId);
        pendingId = undefined;
      }
      const id = await addNetwork(creds);
      pendingId = id;
      lastId = id;
      stopIpWatch();
      state = 'connecting';
      reported = false;
      emit({ type: 'connecting' });
      await ok(`SELECT_NETWORK ${id}`, 'SELECT_NETWORK');
      if (persist) await port.persist();
    },
    async persist() {
      const id = pendingId ?? lastId;
      if (id === undefined) throw adapterError('wifi-failed', 'persist() called before connect()');
      await ok(`SET_NETWORK ${id} id_str "${SAVED}"`, 'SET_NETWORK id_str');
      for (const other of await networkIds()) if (other !== id) await removeNetwork(other);
      await ok(`ENABLE_NETWORK ${id}`, 'ENABLE_NETWORK');
      await save();
      pendingId = undefined;
    },
    async disconnect() {
      stopIpWatch();
      await ok('DISCONNECT');
      if (pendingId !== undefined) {
        await removeNetwork(pendingId);
        pendingId = undefined;
      }
      state = 'idle';
    },
    async hasStoredCredentials() {
      for (const id of await networkIds()) if ((await idStr(id)) !== PENDING) return true;
      return false;
    },
    async forget() {
      stopIpWatch();
      await ok('DISCONNECT');
      for (const id of await networkIds()) await removeNetwork(id);
      pendingId = undefined;
      lastId = undefined;
      state = 'idle';
      await save();
    },
    async scan() {
      const done = new Promise<void>((resolve, reject) => {
        let timer: TimerHandle = undefined;
        const onScan = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        timer = clock.setTimeout(() => {
          events.off('scan', onScan);
          reject(adapterError('timeout', 'wpa_supplicant scan did not finish within 15000 ms'));
        }, 15000);
        events.once('scan', onScan);
      });
      const r = await cmd('SCAN');
      if (r !== 'OK' && r !== 'FAIL-BUSY') {
        events.removeAllListeners('scan');
        throw adapterError('wifi-failed', `wpa_supplicant SCAN failed: ${r}`);
      }
      await done;
      return parseScanResults(await cmd('SCAN_RESULTS'));
    },
    async close() {
      closed = true;
      if (reconnectTimer !== undefined) clock.clearTimeout(reconnectTimer);
      stopIpWatch();
      if (mon) {
        await mon.request('DETACH').catch(() => undefined);
        await mon.close();
      }
      await req?.close();
      events.removeAllListeners();
    },
  };
  return port;
}

function expectOk(reply: string, what: string): void {
  if (reply.trim() !== 'OK') throw adapterError('wifi-failed', `wpa_supplicant ${what} failed: ${reply.trim() || 'no reply'}`);
}

function ipv4Of(ifname: string): string | undefined {
  return os.networkInterfaces()[ifname]?.find((a) => a.family === 'IPv4')?.address;
}

/** Parse one `ip -o -4 monitor address` line for `ifname`: `3: wlan0    inet 192.168.1.7/24 …`. */
export function parseIpMonitor(line: string, ifname: string): string | undefined {
  const m = /^(?:\[\w+\]\s*)?\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
  return m && m[1] === ifname && !line.startsWith('Deleted') ? m[2] : undefined;
}

/** Decode wpa_supplicant's printf-escaped SSID (`\xNN`, `\\`, `\"`). */
function unescapeSsid(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (s[i] === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      bytes.push(({ n: 10, r: 13, t: 9, e: 27 } as Record<string, number>)[n] ?? n.charCodeAt(0));
    } else bytes.push(s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

function channelOf(freq: number): number | undefined {
  if (freq === 2484) return 14;
  if (freq >= 2412 && freq <= 2472) return (freq - 2407) / 5;
  if (freq >= 5000 && freq <= 5900) return (freq - 5000) / 5;
  return undefined;
}

/** Parse `SCAN_RESULTS` (`bssid / frequency / signal level / flags / ssid`), strongest first. */
export function parseScanResults(text: string): ScanResult[] {
  const out: ScanResult[] = [];
  for (const l of text.split('\n').slice(1)) {
    const [bssid, freq, level, flags, ...ssid] = l.split('\t');
    if (!bssid || !freq || !level || flags === undefined) continue;
    const name = unescapeSsid(ssid.join('\t'));
    if (name === '') continue;
    const r: ScanResult = { ssid: name, rssi: Number(level), bssid, secure: /WPA|WEP|RSN|SAE|EAP/.test(flags) };
    const ch = channelOf(Number(freq));
    if (ch !== undefined) r.channel = ch;
    out.push(r);
  }
  return out.sort((a, b) => b.rssi - a.rssi);
}
