import { provisionError } from '@provision/core';
import type {
  ConnectOptions,
  DisconnectReason,
  ScanResult,
  TimerHandle,
  WifiCredentials,
  WifiEvent,
  WifiPort,
} from '@provision/core';
import type { AtClient } from './at-client';
import { isAtError } from './errors';
import { atQuote } from './escape';
import { ModuleNvs } from './nvs';
import { stationMode } from './softap-mode';
import { WIFI_MARKER_KEY } from './storage';

/** Options of {@link createModuleWifi}. */
export interface ModuleWifiOptions {
  /**
   * `jap_timeout` passed to `AT+CWJAP`, seconds 3..600. Unset: the firmware default (15 s) applies and
   * is not sent.
   */
  japTimeoutS?: number;
  /** Delay before the adapter retries a failed join (ms, default 5000). */
  retryDelayMs?: number;
  /**
   * The module's own reconnect interval after a lost link (`reconn_interval` of `AT+CWJAP`, seconds
   * 0..7200). Unset: the firmware default (1 s) applies and is not sent.
   */
  reconnectIntervalS?: number;
  /** NVS namespace of the stored-credentials marker (default `provision`, as the storage port). */
  namespace?: string;
  /**
   * How `forget()` erases the stored station configuration. ESP-AT has no command that erases only
   * the stored credentials, so by default (`true`) `forget()` — and therefore a factory reset —
   * sends `AT+RESTORE`, which erases them from the module's flash (with the module's other settings;
   * our NVS namespace is kept) and restarts the module. Set `false` when the link runs at a baud rate
   * stored with `AT+UART_DEF` (a restore returns the module to 115200): `forget()` then only turns
   * auto-connect off and drops our marker, and the old passphrase stays in the module's flash until
   * `restoreFactory()`.
   */
  eraseWithRestore?: boolean;
}

/** `+CWJAP:<code>` error codes, as documented for ESP-AT. */
export const CWJAP_CODES: { readonly [code: number]: string } = {
  1: 'connection timeout',
  2: 'wrong password',
  3: 'cannot find the target AP',
  4: 'connection failed',
};

/**
 * Classify a `+CWJAP:<code>` failure (R2): 2 → `auth-error`, 3 → `ap-not-found`, 1, 4 and anything
 * else → `other`.
 */
export function classifyCwjap(code: number): DisconnectReason {
  if (code === 2) return 'auth-error';
  if (code === 3) return 'ap-not-found';
  return 'other';
}

const CWJAP_LINE = /^\+CWJAP:(\d+)$/;
const CWLAP_LINE = /^\+CWLAP:\((\d+),"(.*)",(-?\d+),"([0-9a-fA-F:]{17})",(\d+)/;
const CIPSTA_IP = /^\+CIPSTA:ip:"([^"]*)"$/;

type Status = 'idle' | 'joining' | 'connected' | 'waiting';

/**
 * The module Wi-Fi port: a {@link WifiPort} plus `scan()` and the hooks the module's own provisioning
 * modes (SmartConfig, WPS, BluFi) need.
 */
export interface ModuleWifi extends WifiPort {
  /** Run `AT+CWLAP`. */
  scan(): Promise<ScanResult[]>;
  /**
   * While `on`, the module joins networks by itself (WPS, BluFi, SmartConfig): its own `WIFI GOT IP` /
   * `WIFI DISCONNECT` are not reported as this port's events — only the outcome of the port's own
   * `AT+CWJAP` counts, so nothing unverified reaches the provisioner.
   */
  setModuleJoining(on: boolean): void;
  /**
   * The module holds credentials for `ssid` in RAM that the host cannot read (WPS and BluFi never
   * print the passphrase): the next `connect({ ssid })` without a passphrase joins with them
   * (`AT+CWJAP`, "the last configuration") and `persist()` stores them the same way under
   * `AT+SYSSTORE=1`. `undefined` clears it. Lost when the module restarts.
   */
  adoptModuleConfig(ssid: string | undefined): void;
}

/**
 * The Wi-Fi station of an ESP-AT module as a {@link WifiPort}.
 *
 * - `connect(creds, {persist: false})` probes the credentials with `AT+SYSSTORE=0` (RAM only) and
 *   `AT+CWJAP`; `persist()` then stores them (`AT+SYSSTORE=1`, `AT+CWAUTOCONN=1` and the same
 *   `AT+CWJAP` again: the firmware has no command that copies the RAM configuration to flash, so the
 *   station re-associates once; the events of that re-join are not reported). R8.4 on the module.
 * - `connect()` resolves once the settings are applied; the join runs in the background. Each failed
 *   `AT+CWJAP` becomes a `disconnected` event (`+CWJAP:2` → `auth-error`, `3` → `ap-not-found`,
 *   others → `other`, `raw` = the code) and the adapter retries after `retryDelayMs` until
 *   `disconnect()`, `forget()` or another `connect()`. A lost link (`WIFI DISCONNECT`) is reported as
 *   `other` and the module reconnects by itself (`WIFI GOT IP` → `connected`).
 * - `hasStoredCredentials()` reads a marker the adapter keeps in the module's NVS (the SSID only),
 *   until two reads agree; when the module cannot be asked it rejects with `wifi-failed` instead of
 *   answering `false` (unknown is not "none").
 * - `forget()` erases the marker first (so an interrupted forget never leaves a marker without
 *   credentials), then disconnects, erases the stored station configuration with `AT+RESTORE` (see
 *   `eraseWithRestore`) and switches auto-connect off.
 * - `scan()` runs `AT+CWLAP`.
 * - `channel` in the credentials is ignored: `AT+CWJAP` takes no channel.
 *
 * @example
 * ```ts
 * const wifi = createModuleWifi(client);
 * wifi.subscribe((e) => console.log(e));
 * await wifi.connect({ ssid: 'HomeNet', passphrase: 'correct horse' }, { persist: false });
 * ```
 */
export function createModuleWifi(client: AtClient, options: ModuleWifiOptions = {}): ModuleWifi {
  const clock = client.clock;
  const retryDelayMs = options.retryDelayMs ?? 5000;
  const japTimeoutMs = (options.japTimeoutS ?? 15) * 1000 + 5000;
  const nvs = new ModuleNvs(client, options.namespace ?? 'provision');
  const listeners: Array<(event: WifiEvent) => void> = [];

  let creds: WifiCredentials | undefined;
  let persisted = false;
  let status: Status = 'idle';
  let generation = 0;
  let retryTimer: TimerHandle | undefined;
  let quiet = false; // while persist() re-joins
  let setupNeeded = false; // the module rebooted: SYSSTORE and CWMODE are back to their stored values
  let moduleJoining = false; // a provisioning mode runs: the module's own joins are not ours
  let adopted: string | undefined; // SSID whose credentials only the module holds (WPS, BluFi)
  let held = false; // the credentials in use are the module's (adopted)

  function emit(event: WifiEvent): void {
    for (const l of listeners.slice()) {
      try {
        l(event);
      } catch {
        // A listener's failure must not stop the others or the adapter.
      }
    }
  }

  function joinCommand(c: WifiCredentials): string {
    if (held) return 'AT+CWJAP'; // the module's own configuration: its passphrase never crosses the UART
    const args = [atQuote(c.ssid), atQuote(c.passphrase ?? ''), c.bssid ? atQuote(c.bssid) : '', '', ''];
    if (options.reconnectIntervalS !== undefined) args[4] = String(options.reconnectIntervalS);
    if (options.japTimeoutS !== undefined) args.push('', '', String(options.japTimeoutS));
    while (args.length > 2 && args[args.length - 1] === '') args.pop();
    return 'AT+CWJAP=' + args.join(',');
  }

  async function setup(store: boolean): Promise<void> {
    // Station only, unless the provisioning SoftAP is up: mode 1 would take it down under the phone.
    // Mode 3 is set RAM-only, so a reboot never brings a SoftAP back from flash.
    const mode = stationMode(client);
    if (mode === 3) {
      await client.send('AT+SYSSTORE=0');
      await client.send('AT+CWMODE=3');
    }
    await client.send(`AT+SYSSTORE=${store ? 1 : 0}`);
    if (mode === 1) await client.send('AT+CWMODE=1');
    if (store) await client.send('AT+CWAUTOCONN=1');
    setupNeeded = false;
  }

  async function currentIp(): Promise<string | undefined> {
    try {
      const r = await client.send('AT+CIPSTA?');
      for (const line of r.lines) {
        const m = CIPSTA_IP.exec(line);
        if (m) return m[1];
      }
    } catch {
      // The address is informative only.
    }
    return undefined;
  }

  function clearRetry(): void {
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    retryTimer = undefined;
  }

  function scheduleRetry(gen: number): void {
    clearRetry();
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      if (gen === generation) void join(gen);
    }, retryDelayMs);
  }

  function failureOf(e: unknown): { reason: DisconnectReason; raw: string | number } {
    if (isAtError(e)) {
      for (const line of e.at.lines) {
        const m = CWJAP_LINE.exec(line);
        if (m) {
          const code = Number(m[1]);
          return { reason: classifyCwjap(code), raw: code };
        }
      }
      return { reason: 'other', raw: e.at.reason };
    }
    return { reason: 'other', raw: String(e) };
  }

  async function join(gen: number): Promise<void> {
    const c = creds;
    if (!c || gen !== generation) return;
    status = 'joining';
    emit({ type: 'connecting' });
    try {
      if (setupNeeded) await setup(persisted);
      await client.send(joinCommand(c), { timeoutMs: japTimeoutMs });
    } catch (e) {
      if (gen !== generation) return;
      status = 'waiting';
      const f = failureOf(e);
      emit({ type: 'disconnected', reason: f.reason, raw: f.raw });
      scheduleRetry(gen);
      return;
    }
    if (gen !== generation) return;
    status = 'connected';
    const ip = await currentIp();
    if (gen !== generation || status !== 'connected') return;
    emit(ip ? { type: 'connected', ip } : { type: 'connected' });
  }

  client.on('unsolicited', (line) => {
    // While a provisioning mode runs, the module joins on its own with whatever a phone or router
    // sent: only the outcome of our own AT+CWJAP counts then.
    if (quiet || moduleJoining) return;
    if (line === 'WIFI DISCONNECT' && status === 'connected') {
      status = 'waiting';
      emit({ type: 'disconnected', reason: 'other', raw: line });
    } else if (line === 'WIFI GOT IP' && (status === 'waiting' || status === 'idle')) {
      // The module reconnected by itself (reconn_interval, or auto-connect with stored credentials after
      // a boot).
      clearRetry();
      status = 'connected';
      emit({ type: 'connected' });
    }
  });

  client.on('ready', () => {
    // The module rebooted: RAM-only credentials are gone and store mode is back to its stored value.
    setupNeeded = true;
    adopted = undefined;
    if (held && !persisted) {
      // The module's RAM configuration is gone with the reboot: there is nothing left to join with.
      held = false;
      creds = undefined;
      if (status !== 'idle') emit({ type: 'disconnected', reason: 'other', raw: 'module restarted' });
      status = 'idle';
      generation++;
      clearRetry();
      return;
    }
    if (!creds || status === 'idle') return;
    const wasConnected = status === 'connected';
    const gen = ++generation;
    clearRetry();
    status = 'waiting';
    if (wasConnected) emit({ type: 'disconnected', reason: 'other', raw: 'module restarted' });
    scheduleRetry(gen);
  });

  async function writeMarker(ssid: string): Promise<void> {
    await nvs.write(WIFI_MARKER_KEY, JSON.stringify({ ssid }));
  }

  return {
    subscribe(listener) {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },

    async connect(c: WifiCredentials, opts: ConnectOptions): Promise<void> {
      if (!c || typeof c.ssid !== 'string' || c.ssid.length === 0) {
        throw provisionError('invalid-credentials', 'ssid must be 1..32 bytes of UTF-8', { field: 'ssid' });
      }
      const gen = ++generation;
      clearRetry();
      status = 'idle';
      const useHeld = adopted !== undefined && adopted === c.ssid && !c.passphrase;
      await setup(opts.persist);
      held = useHeld;
      creds = { ssid: c.ssid, passphrase: c.passphrase, bssid: c.bssid };
      persisted = opts.persist;
      if (opts.persist) await writeMarker(c.ssid);
      if (gen === generation) void join(gen);
    },

    async persist(): Promise<void> {
      const c = creds;
      if (!c) throw provisionError('invalid-state', 'persist() needs a previous connect() with credentials to store');
      if (persisted) return;
      if (status === 'connected') {
        quiet = true;
        try {
          await setup(true);
          await client.send(joinCommand(c), { timeoutMs: japTimeoutMs });
        } catch (e) {
          quiet = false;
          const f = failureOf(e);
          status = 'waiting';
          emit({ type: 'disconnected', reason: f.reason, raw: f.raw });
          scheduleRetry(generation);
          throw provisionError('wifi-failed', `storing the Wi-Fi credentials on the module failed: ${(e as Error).message}`, { cause: e });
        }
        quiet = false;
      } else {
        // Not connected right now: store mode 1 makes the next AT+CWJAP write the configuration to flash.
        await setup(true);
        const gen = ++generation;
        clearRetry();
        void join(gen);
      }
      persisted = true;
      await writeMarker(c.ssid);
    },

    async disconnect(): Promise<void> {
      generation++;
      clearRetry();
      status = 'idle';
      if (!persisted) {
        creds = undefined;
        held = false;
      }
      await client.send('AT+CWQAP', { timeoutMs: japTimeoutMs });
    },

    async hasStoredCredentials(): Promise<boolean> {
      let marker: string | undefined;
      try {
        marker = await nvs.readVerified(WIFI_MARKER_KEY);
      } catch (e) {
        // "Could not ask" must never read as "no credentials": the core would take a provisioned
        // device for an unprovisioned one (R3.7, R3.8).
        throw provisionError('wifi-failed', `could not ask the module whether Wi-Fi credentials are stored (unknown, not "none"): ${(e as Error).message}`, { cause: e });
      }
      return marker !== undefined;
    },

    async forget(): Promise<void> {
      generation++;
      clearRetry();
      status = 'idle';
      creds = undefined;
      persisted = false;
      held = false;
      adopted = undefined;
      // The marker goes first: a forget cut short (power loss) may leave credentials without a marker
      // (hasStoredCredentials() says false, the device provisions again) but never a marker claiming
      // credentials that are gone (R3.8 could not see that the device is stuck). A failed erase does
      // not stop the forget itself; it is reported at the end.
      let markerFailure: unknown;
      try {
        await nvs.erase(WIFI_MARKER_KEY);
      } catch (e) {
        markerFailure = e;
      }
      await client.send('AT+CWQAP', { timeoutMs: japTimeoutMs });
      if (options.eraseWithRestore !== false) {
        // R7.2: the credentials must really be gone from the module, not only unused.
        await client.restart('AT+RESTORE');
        setupNeeded = true;
      }
      await client.send('AT+SYSSTORE=1');
      await client.send('AT+CWAUTOCONN=0');
      if (markerFailure !== undefined) await nvs.erase(WIFI_MARKER_KEY);
    },

    setModuleJoining(on: boolean): void {
      moduleJoining = on;
    },

    adoptModuleConfig(ssid: string | undefined): void {
      adopted = ssid;
    },

    async scan(): Promise<ScanResult[]> {
      const r = await client.send('AT+CWLAP', { timeoutMs: 15000 });
      const out: ScanResult[] = [];
      for (const line of r.lines) {
        const m = CWLAP_LINE.exec(line);
        if (!m) continue;
        out.push({ ssid: m[2]!, rssi: Number(m[3]), bssid: m[4]!.toLowerCase(), channel: Number(m[5]), secure: m[1] !== '0' });
      }
      out.sort((a, b) => b.rssi - a.rssi);
      return out;
    },
  };
}
