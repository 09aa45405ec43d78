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
 * The port's state and methods. A class rather than closures over the factory's locals: on Espruino
 * every closure costs a function object and keeps the factory's whole scope alive for as long as the
 * port exists, while methods exist once and private ones are folded into dispatchers by the build.
 */
class EspruinoWifiPort implements WifiPort {
  private readonly W_: EspruinoWifi;
  private readonly clock_: Clock;
  private readonly timeoutMs_: number;
  private readonly retryMs_: number;
  private readonly file_: string;
  // Flags are numbers (1 or 0): on Espruino a number field is one variable, a boolean two.
  private readonly save_: number;
  private listeners_: ((e: WifiEvent) => void)[] = [];
  private creds_: WifiCredentials | undefined;
  private state_ = IDLE;
  private ip_: unknown;
  private gen_ = 0;
  private timer_: TimerHandle | undefined;
  private attached_?: number;
  declare scan?: () => Promise<ScanResult[]>;

  constructor(W: EspruinoWifi, o: EspruinoWifiOptions, file: string) {
    this.W_ = W;
    this.clock_ = o.clock || createEspruinoClock();
    this.timeoutMs_ = o.connectTimeoutMs === undefined ? 30000 : o.connectTimeoutMs;
    this.retryMs_ = o.retryDelayMs === undefined ? 5000 : o.retryDelayMs;
    this.file_ = file;
    this.save_ = o.firmwareSave && typeof W.save === 'function' ? 1 : 0;
  }

  private notify_(e: WifiEvent): void {
    const ls = this.listeners_.slice();
    for (let i = 0; i < ls.length; i++) ls[i](e);
  }

  private stopTimer_(): void {
    if (this.timer_ !== undefined) this.clock_.clearTimeout(this.timer_);
    this.timer_ = undefined;
  }

  private up_(d: Details | undefined): void {
    const addr = d ? d.ip : undefined;
    if (this.state_ === UP) {
      // The connect callback came first (ESP32): pass on the address the event brings.
      if (this.ip_ === undefined && addr !== undefined) {
        this.ip_ = addr;
        this.notify_({ type: 'connected', ip: String(addr) });
      }
      return;
    }
    if (this.state_ === IDLE) return;
    this.stopTimer_();
    this.state_ = UP;
    this.ip_ = addr;
    this.notify_(addr === undefined ? { type: 'connected' } : { type: 'connected', ip: String(addr) });
  }

  private stored_(): WifiCredentials | undefined {
    try {
      return readSlots(this.file_) as WifiCredentials | undefined;
    } catch (_e) {
      return undefined;
    }
  }

  private drop_(raw: unknown): void {
    if (this.state_ !== JOINING && this.state_ !== UP) return;
    this.stopTimer_();
    this.state_ = WAITING;
    const r = raw === undefined || raw === null ? undefined : typeof raw === 'number' ? raw : String(raw);
    this.notify_(r === undefined ? { type: 'disconnected', reason: 'other' } : { type: 'disconnected', reason: classifyWifiReason(r), raw: r });
    if (this.state_ === WAITING) this.timer_ = this.clock_.setTimeout(this.join_.bind(this), this.retryMs_);
  }

  private down_(d: Details | undefined): void {
    this.drop_(d ? d.reason : undefined);
  }

  /** The join timer of attempt `g` fired. */
  private late_(g: number): void {
    this.timer_ = undefined;
    if (g === this.gen_) this.drop_('timeout');
  }

  /** `Wifi.connect`'s callback for attempt `g`. */
  private joined_(g: number, err: unknown): void {
    if (g !== this.gen_) return;
    if (err) this.drop_(err);
    else this.up_(undefined);
  }

  private join_(): void {
    this.timer_ = undefined;
    const c = this.creds_ || this.stored_();
    if (!c) {
      this.state_ = IDLE;
      return;
    }
    this.creds_ = c;
    const g = ++this.gen_;
    this.state_ = JOINING;
    this.ip_ = undefined;
    this.notify_({ type: 'connecting' });
    if (this.state_ !== JOINING || g !== this.gen_) return;
    this.timer_ = this.clock_.setTimeout(this.late_.bind(this, g), this.timeoutMs_);
    const opts: { password?: string; bssid?: string; channel?: number } = {};
    if (c.passphrase) opts.password = c.passphrase;
    if (c.bssid) opts.bssid = c.bssid;
    if (c.channel) opts.channel = c.channel;
    try {
      this.W_.connect(c.ssid, opts, this.joined_.bind(this, g));
    } catch (_e) {
      // Never the message: it could echo what was passed in.
      this.drop_('connect threw');
    }
  }

  private attach_(): void {
    if (this.attached_) return;
    this.attached_ = 1;
    // Bound methods, not closures: they live as long as the port, and on Espruino a bound function is
    // about four variables while a closure also keeps the scope it was made in.
    this.W_.on('connected', this.up_.bind(this));
    this.W_.on('disconnected', this.down_.bind(this));
  }

  private idle_(): void {
    this.gen_++;
    this.stopTimer_();
    this.creds_ = undefined;
    if (this.state_ === IDLE) return;
    this.state_ = IDLE;
    try {
      this.W_.disconnect();
    } catch (_e) {
      // Not connected.
    }
  }

  subscribe(listener: (e: WifiEvent) => void): () => void {
    this.listeners_.push(listener);
    this.attach_();
    if (this.state_ === IDLE && !this.creds_ && this.stored_()) this.join_();
    return this.unsubscribe_.bind(this, listener);
  }

  private unsubscribe_(listener: (e: WifiEvent) => void): void {
    this.listeners_ = this.listeners_.filter((l) => l !== listener);
  }

  connect(c: WifiCredentials, co: ConnectOptions): void {
    // No Wifi.disconnect() first: the firmware switches networks itself, and the disconnect's late
    // event would look like a failure of the new attempt.
    this.gen_++;
    this.stopTimer_();
    const creds: WifiCredentials = { ssid: c.ssid, passphrase: c.passphrase || '' };
    if (c.bssid) creds.bssid = c.bssid;
    if (c.channel) creds.channel = c.channel;
    this.creds_ = creds;
    if (co && co.persist) this.persist();
    this.attach_();
    this.join_();
  }

  persist(): void {
    if (!this.creds_) return;
    writeSlots(this.file_, this.creds_);
    if (this.save_) (this.W_.save as () => void)();
  }

  disconnect(): void {
    this.idle_();
  }

  hasStoredCredentials(): boolean {
    return this.stored_() !== undefined;
  }

  forget(): void {
    eraseSlots(this.file_);
    if (this.save_) (this.W_.save as (what: string) => void)('clear');
    this.idle_();
  }
}

EspruinoWifiPort.prototype.scan = function (this: EspruinoWifiPort): Promise<ScanResult[]> {
  const W = (this as unknown as { W_: EspruinoWifi }).W_;
  const clock = (this as unknown as { clock_: Clock }).clock_;
  const timeoutMs = (this as unknown as { timeoutMs_: number }).timeoutMs_;
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
  const file = o.file === undefined ? 'prov.w' : o.file;
  checkSlotName(file, 'wifi.file');
  const port = new EspruinoWifiPort(W, o, file);
  // Only where the firmware can scan: the core asks `port.scan` before offering it.
  if (typeof W.scan !== 'function') port.scan = undefined;
  return port;
}
