import { provisionError, type Clock, type ConnectOptions, type ScanResult, type TimerHandle, type WifiCredentials, type WifiEvent, type WifiPort } from '@provision/core';
import { createEspruinoClock } from './clock';
import { G, type EspruinoWifi } from './espruino';
import { checkSlotName, eraseSlots, readSlots, writeSlots } from './slots';
import { classifyWifiReason } from './wifi-reason';

/** Options of {@link createEspruinoWifi}. */
export interface EspruinoWifiOptions {
  /** The clock for the connect timeout and the retries; pass the provisioner's (default: a new {@link createEspruinoClock}). */
  clock?: Clock;
  /** Give up on a join attempt, or a scan, after this long, ms (default 30 000): some firmware never calls back. */
  connectTimeoutMs?: number;
  /** After a failed attempt or a lost link, try again after this long, ms (default 5000). */
  retryDelayMs?: number;
  /** Storage file for the persisted credentials, kept in two slots (default `"prov.w"`). At most 27 characters. */
  file?: string;
  /**
   * Also call `Wifi.save()` on `persist()` (and `Wifi.save('clear')` on `forget()`) so ESP32/ESP8266
   * firmware joins the network at boot by itself, before the app runs. Default false: the port joins
   * with the credentials from its own file when the provisioner starts.
   */
  firmwareSave?: boolean;
}

interface Details {
  ip?: unknown;
  reason?: unknown;
}

const IDLE = 0;
const JOINING = 1;
const UP = 2;
const WAITING = 3;

/**
 * The {@link WifiPort} on `require('Wifi')` of ESP32, ESP8266 and Espruino WiFi boards.
 *
 * - Joins with `Wifi.connect`, with its own timeout (`connectTimeoutMs`): some firmware never calls
 *   back. Success is the connect callback or the `connected` event, whichever comes first; failures
 *   come from the callback's error or a `disconnected` event, classified by {@link classifyWifiReason}
 *   with the platform's raw reason kept.
 * - After a failed attempt or a lost link it tries again every `retryDelayMs` on the clock port, until
 *   `disconnect()`, `forget()` or another `connect()`.
 * - Credentials reach flash only on `persist()` (or `connect(…, {persist: true})`): our own Storage
 *   file (two slots, power-loss safe), plus `Wifi.save()` with `firmwareSave`. With persisted
 *   credentials, the first `subscribe()` (the provisioner's `start()`) joins with them.
 * - `scan()`, where the firmware has `Wifi.scan`, gives up after `connectTimeoutMs` (`wifi-failed`).
 *
 * @example
 * ```js
 * var wifi = createEspruinoWifi({ clock: clock, retryDelayMs: 10000 });
 * ```
 */
export function createEspruinoWifi(options?: EspruinoWifiOptions): WifiPort {
  const o = options || {};
  let W: EspruinoWifi;
  try {
    W = G.require('Wifi') as EspruinoWifi;
  } catch (e) {
    throw provisionError('invalid-config', 'this board has no Wifi module (ESP32, ESP8266 and Espruino WiFi have one)', { field: 'wifi', cause: e });
  }
  const clock = o.clock || createEspruinoClock();
  const timeoutMs = o.connectTimeoutMs === undefined ? 30000 : o.connectTimeoutMs;
  const retryMs = o.retryDelayMs === undefined ? 5000 : o.retryDelayMs;
  const file = o.file === undefined ? 'prov.w' : o.file;
  checkSlotName(file, 'wifi.file');
  const save = !!o.firmwareSave && typeof W.save === 'function';

  let listeners: ((e: WifiEvent) => void)[] = [];
  let creds: WifiCredentials | undefined;
  let state = IDLE;
  let ip: unknown;
  /** Bumped by every attempt and every stop: a late callback of an older attempt is ignored. */
  let gen = 0;
  let timer: TimerHandle | undefined;
  let attached = false;

  const emit = function (e: WifiEvent): void {
    const ls = listeners.slice();
    for (let i = 0; i < ls.length; i++) ls[i](e);
  };
  const stopTimer = function (): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
  const up = function (d: Details | undefined): void {
    const addr = d ? d.ip : undefined;
    if (state === UP) {
      // The connect callback came first (ESP32): pass on the address the event brings.
      if (ip === undefined && addr !== undefined) {
        ip = addr;
        emit({ type: 'connected', ip: String(addr) });
      }
      return;
    }
    if (state === IDLE) return;
    stopTimer();
    state = UP;
    ip = addr;
    emit(addr === undefined ? { type: 'connected' } : { type: 'connected', ip: String(addr) });
  };
  const stored = function (): WifiCredentials | undefined {
    try {
      return readSlots(file) as WifiCredentials | undefined;
    } catch (_e) {
      return undefined;
    }
  };
  let join: () => void = function () {
    // Replaced below; declared first because fail() and join() refer to each other.
  };
  const fail = function (raw: unknown): void {
    if (state !== JOINING && state !== UP) return;
    stopTimer();
    state = WAITING;
    const r = raw === undefined || raw === null ? undefined : typeof raw === 'number' ? raw : String(raw);
    emit(r === undefined ? { type: 'disconnected', reason: 'other' } : { type: 'disconnected', reason: classifyWifiReason(r), raw: r });
    if (state === WAITING) timer = clock.setTimeout(join, retryMs);
  };
  join = function () {
    timer = undefined;
    const c = creds || stored();
    if (!c) {
      state = IDLE;
      return;
    }
    creds = c;
    const g = ++gen;
    state = JOINING;
    ip = undefined;
    emit({ type: 'connecting' });
    if (state !== JOINING || g !== gen) return;
    timer = clock.setTimeout(function () {
      timer = undefined;
      if (g === gen) fail('timeout');
    }, timeoutMs);
    const opts: { password?: string; bssid?: string; channel?: number } = {};
    if (c.passphrase) opts.password = c.passphrase;
    if (c.bssid) opts.bssid = c.bssid;
    if (c.channel) opts.channel = c.channel;
    try {
      W.connect(c.ssid, opts, function (err) {
        if (g !== gen) return;
        if (err) fail(err);
        else up(undefined);
      });
    } catch (_e) {
      // Never the message: it could echo what was passed in.
      fail('connect threw');
    }
  };
  const attach = function (): void {
    if (attached) return;
    attached = true;
    W.on('connected', up);
    W.on('disconnected', function (d) {
      fail(d ? (d as Details).reason : undefined);
    });
  };
  /** Leave the network: no more attempts, no more events; unpersisted credentials are dropped. */
  const halt = function (): void {
    gen++;
    stopTimer();
    creds = undefined;
    if (state === IDLE) return;
    state = IDLE;
    try {
      W.disconnect();
    } catch (_e) {
      // Not connected.
    }
  };
  const port: WifiPort = {
    subscribe: function (listener: (e: WifiEvent) => void) {
      listeners.push(listener);
      attach();
      if (state === IDLE && !creds && stored()) join();
      return function () {
        listeners = listeners.filter(function (l) {
          return l !== listener;
        });
      };
    },
    connect: function (c: WifiCredentials, co: ConnectOptions) {
      // No Wifi.disconnect() first: the firmware switches networks itself, and the disconnect's late
      // event would look like a failure of the new attempt.
      gen++;
      stopTimer();
      creds = { ssid: c.ssid, passphrase: c.passphrase || '' };
      if (c.bssid) creds.bssid = c.bssid;
      if (c.channel) creds.channel = c.channel;
      if (co && co.persist) port.persist();
      attach();
      join();
    },
    persist: function () {
      if (!creds) return;
      writeSlots(file, creds);
      if (save) (W.save as () => void)();
    },
    disconnect: halt,
    hasStoredCredentials: function () {
      return stored() !== undefined;
    },
    forget: function () {
      eraseSlots(file);
      if (save) (W.save as (what: string) => void)('clear');
      halt();
    },
  };
  if (typeof W.scan === 'function') {
    port.scan = function () {
      return new Promise<ScanResult[]>(function (resolve, reject) {
        // Like connect, some firmware never answers: give up after the connect timeout.
        let done = false;
        const t = clock.setTimeout(function () {
          done = true;
          reject(provisionError('wifi-failed', `Wi-Fi scan failed: no answer from the firmware within ${timeoutMs} ms`));
        }, timeoutMs);
        (W.scan as (cb: (a: unknown, b?: unknown) => void) => void)(function (a, b) {
          if (done) return;
          done = true;
          clock.clearTimeout(t);
          // ESP32/ESP8266: cb(list); Espruino WiFi: cb(err, list).
          const list = (Array.isArray(a) ? a : b) as { ssid: string; rssi: unknown; channel?: unknown; mac?: string; authMode?: string }[];
          if (!Array.isArray(list)) return reject(provisionError('wifi-failed', `Wi-Fi scan failed: ${String(a)}`));
          const out: ScanResult[] = list.map(function (x) {
            const r: ScanResult = { ssid: String(x.ssid), rssi: Number(x.rssi), secure: x.authMode !== 'open' };
            if (x.channel !== undefined) r.channel = Number(x.channel);
            if (x.mac !== undefined) r.bssid = x.mac;
            return r;
          });
          out.sort(function (p, q) {
            return q.rssi - p.rssi;
          });
          resolve(out);
        });
      });
    };
  }
  return port;
}
