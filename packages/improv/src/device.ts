// The Improv device side: answers the client's commands and hands credentials to the provisioner's
// session (R11.1); what it reports comes from the session's state and events, never its own copy.
import type { Clock, CredFailEvent, MaybePromise, Provisioner, ScanResult, TimerHandle, WifiStateEvent } from '@provision/core';
import { ImprovDecoder } from './decoder';
import { encodeError, encodeRpcResult, encodeState } from './frame';
import { ImprovCommand, ImprovError, ImprovState, ImprovType } from './protocol';
import { utf8Decode } from './utf8';

/** What a {@link ImprovDeviceOptions.nextUrl} function is told. */
export interface ImprovUrlContext {
  /** The network just joined (absent when the device was already connected). */
  ssid?: string;
  /** The device's address, when the Wi-Fi port reported it. */
  ip?: string;
  /** The device name in force. */
  deviceName: string;
}

/** Get and optionally set the device's hostname (command 0x05). */
export interface ImprovHostname {
  /** The hostname in force. */
  get(): MaybePromise<string>;
  /** Apply a new hostname (already checked to be an RFC 1123 label). Without it, setting is refused. */
  set?(hostname: string): MaybePromise<unknown>;
}

/** Options of {@link createImprovDevice}. */
export interface ImprovDeviceOptions {
  /** Send bytes to the client (one call per frame, so a frame is never interleaved with other output). */
  write(bytes: Uint8Array): MaybePromise<unknown>;
  /** Time: the idle gap of the decoder and the connect timeout. */
  clock: Clock;
  /** Firmware (product) name, reported by device info. */
  firmware: string;
  /** Firmware version. */
  version: string;
  /** Chip or platform, e.g. `Linux`, `ESP32`, `Espruino`. */
  platform: string;
  /** The device's name as a person sees it. */
  deviceName: string;
  /** Optional operating system name for device info (the client's `osName`). */
  osName?: string;
  /** Optional operating system version (only with `osName`). */
  osVersion?: string;
  /**
   * Where the person goes once the device is online: a URL, where `{ip}` and `{name}` are replaced
   * by the device's address and name, or a function returning one. No URL (the default, or a
   * template whose `{ip}` is unknown) gives an empty result, which the client accepts.
   */
  nextUrl?: string | ((ctx: ImprovUrlContext) => string | undefined);
  /** Networks in range for command 0x04 (e.g. the Wi-Fi port's `scan`). Without it, the command is unknown. */
  scan?(): MaybePromise<ScanResult[]>;
  /** Hostname support for command 0x05. Without it, the command is unknown. */
  hostname?: ImprovHostname;
  /** Apply a new device name (command 0x06 with data). Without it, only reading the name works. */
  setDeviceName?(name: string): MaybePromise<unknown>;
  /** Milliseconds from credentials to a connection before error 3 (default 30 000, as ESPHome). */
  connectTimeoutMs?: number;
  /** Idle gap after which a partial frame is dropped (default 100 ms, as ESPHome). */
  idleMs?: number;
  /** Largest frame data accepted, 0..255 (default 255). */
  maxData?: number;
  /** One line per notable event (dropped frames, refused credentials, failures). Never holds a secret. */
  log?(line: string): void;
  /** Bytes that are not Improv frames (for a REPL sharing the port), as a byte string. */
  other?(bytes: string): void;
}

/** An Improv device attached to a provisioner. */
export interface ImprovDevice {
  /** Feed bytes received from the client (a byte string or bytes). Never throws. */
  receive(chunk: string | ArrayLike<number>): void;
  /** The Improv state the client is told: {@link ImprovState}. */
  state(): number;
  /** Stop listening to the provisioner and drop any partial frame. */
  close(): void;
}

/** Hostname: one RFC 1123 label, 1..63 letters, digits and hyphens, no hyphen at either end. */
function isHostname(s: string): boolean {
  if (s.length < 1 || s.length > 63 || s.charAt(0) === '-' || s.charAt(s.length - 1) === '-') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const l = c | 32; // lower-cases A-Z
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

function describe(e: unknown): string {
  return e && (e as Error).message ? (e as Error).message : String(e);
}

/** Calls `fn`, passing its result or its error on, whether it answers at once or with a Promise. */
function settle<T>(fn: () => MaybePromise<T>, ok: (v: T) => void, fail: (e: unknown) => void): void {
  let r: MaybePromise<T>;
  try {
    r = fn();
  } catch (e) {
    fail(e);
    return;
  }
  if (r && typeof (r as Promise<T>).then === 'function') (r as Promise<T>).then(ok, fail);
  else ok(r as T);
}

class ImprovDeviceImpl implements ImprovDevice {
  private readonly prov_: Provisioner;
  private readonly o_: ImprovDeviceOptions;
  private readonly decoder_: ImprovDecoder;
  private readonly unsubscribe_: (() => void)[];
  private readonly timeoutMs_: number;
  private name_: string;
  /** Our credentials are being tried: the next cred-success or cred-fail answers our client. */
  private pending_?: boolean;
  /** Counts our attempts, so a late answer to an old one is ignored. */
  private attempt_ = 0;
  private ssid_: string | undefined;
  private ip_: string | undefined;
  private timer_: TimerHandle | undefined;

  constructor(prov: Provisioner, o: ImprovDeviceOptions) {
    const ms = o.connectTimeoutMs === undefined ? 30000 : o.connectTimeoutMs;
    if (!(ms > 0)) throw new Error(`improv connectTimeoutMs must be a number of milliseconds above 0; got ${ms}`);
    if (typeof o.write !== 'function') throw new Error('improv needs write(bytes): the function that sends bytes to the client');
    if (!o.clock) throw new Error('improv needs a clock (the Clock port)');
    this.prov_ = prov;
    this.o_ = o;
    this.timeoutMs_ = ms;
    this.name_ = o.deviceName;
    this.decoder_ = new ImprovDecoder(
      { clock: o.clock, idleMs: o.idleMs, maxData: o.maxData },
      {
        frame: (type, data, len) => this.frame_(type, data, len),
        drop: (why) => this.log_(why),
        other: o.other,
      },
    );
    this.unsubscribe_ = [
      prov.on('cred-recv', () => this.send_(encodeState(ImprovState.Provisioning))),
      prov.on('cred-success', () => this.succeeded_()),
      prov.on('cred-fail', (ev) => this.failed_(ev)),
      prov.on('wifi', (ev: WifiStateEvent) => {
        if (ev.state === 'connected') this.ip_ = ev.ip;
      }),
    ];
  }

  receive(chunk: string | ArrayLike<number>): void {
    try {
      this.decoder_.feed(chunk);
    } catch (e) {
      this.log_(`Improv: handling a frame failed: ${describe(e)}`);
    }
  }

  state(): number {
    const s = this.prov_.getSessionState();
    if (s === 'cred-recv') return ImprovState.Provisioning;
    if (s === 'success' || this.prov_.getWifiState() === 'connected') return ImprovState.Provisioned;
    return ImprovState.Ready;
  }

  close(): void {
    // pop(), not `length = 0`: Espruino refuses to assign an array's length ("Assignment to a constant").
    const u = this.unsubscribe_;
    while (u.length > 0) (u.pop() as () => void)();
    this.settle_();
    this.decoder_.reset();
  }

  // ---- output -------------------------------------------------------------------------------

  private log_(line: string): void {
    const log = this.o_.log;
    if (log) log(line);
  }

  private send_(bytes: Uint8Array): void {
    settle(
      () => this.o_.write(bytes),
      () => undefined,
      (e) => this.log_(`Improv: writing to the client failed: ${describe(e)}`),
    );
  }

  private result_(command: number, strings: string[]): void {
    this.send_(encodeRpcResult(command, strings));
  }

  private error_(code: number): void {
    this.send_(encodeError(code));
  }

  private sendState_(): void {
    this.send_(encodeState(this.state()));
  }

  private urls_(): string[] {
    const u = this.o_.nextUrl;
    if (u === undefined) return [];
    const ctx: ImprovUrlContext = { deviceName: this.name_ };
    if (this.ssid_ !== undefined) ctx.ssid = this.ssid_;
    if (this.ip_ !== undefined) ctx.ip = this.ip_;
    let url: string | undefined;
    if (typeof u === 'function') {
      try {
        url = u(ctx);
      } catch (e) {
        this.log_(`Improv: nextUrl() failed: ${describe(e)}`);
      }
    } else {
      url = u.split('{name}').join(encodeURIComponent(this.name_));
      if (url.indexOf('{ip}') >= 0) url = this.ip_ === undefined ? undefined : url.split('{ip}').join(this.ip_);
    }
    return url ? [url] : [];
  }

  // ---- commands -----------------------------------------------------------------------------

  private frame_(type: number, data: Uint8Array, len: number): void {
    if (type !== ImprovType.Rpc) {
      this.log_(`Improv: ignored a frame of type ${type} (a client sends RPC frames, type 3)`);
      return;
    }
    if (len < 2 || data[1] !== len - 2) {
      this.log_(`Improv: malformed RPC: ${len} data bytes, command length byte ${len < 2 ? 'missing' : data[1]}`);
      this.error_(ImprovError.InvalidRpc);
      return;
    }
    const cmd = data[0];
    if (cmd === ImprovCommand.SendWifiSettings) this.settings_(data, len);
    else if (cmd === ImprovCommand.RequestState) {
      this.sendState_();
      if (this.state() === ImprovState.Provisioned) this.result_(cmd, this.urls_());
    } else if (cmd === ImprovCommand.RequestInfo) {
      const o = this.o_;
      const info = [o.firmware, o.version, o.platform, this.name_];
      if (o.osName !== undefined) info.push(o.osName);
      if (o.osName !== undefined && o.osVersion !== undefined) info.push(o.osVersion);
      this.result_(cmd, info);
    } else if (cmd === ImprovCommand.RequestScan) this.scan_();
    else if (cmd === ImprovCommand.Hostname) this.hostname_(utf8Decode(data, 2, len));
    else if (cmd === ImprovCommand.DeviceName) this.deviceName_(utf8Decode(data, 2, len));
    else {
      this.log_(`Improv: unknown command ${cmd}`);
      this.error_(ImprovError.UnknownRpc);
    }
  }

  private settings_(data: Uint8Array, len: number): void {
    const sl = data[2];
    const pl = 3 + sl < len ? data[3 + sl] : -1;
    const ssid = pl < 0 ? undefined : utf8Decode(data, 3, 3 + sl);
    const pass = pl < 0 || 4 + sl + pl !== len ? undefined : utf8Decode(data, 4 + sl, 4 + sl + pl);
    if (ssid === undefined || pass === undefined) {
      this.log_('Improv: malformed send-settings: expected [ssid length][ssid][password length][password] of UTF-8');
      this.error_(ImprovError.InvalidRpc);
      return;
    }
    const prov = this.prov_;
    const s = prov.getSessionState();
    if (s === 'cred-recv' && !this.pending_) {
      // R11.3: the first credentials to arrive win; this client sees the device provisioning.
      this.log_(`Improv: credentials for "${ssid}" refused: other credentials are being tried`);
      this.sendState_();
      this.error_(ImprovError.Unknown);
      return;
    }
    try {
      if (s === 'idle' || s === 'stopping') prov.startSession();
      else if (s === 'fail') prov.resetOnFailure();
    } catch (e) {
      this.log_(`Improv: cannot start the provisioning session: ${describe(e)}`);
      this.error_(ImprovError.Unknown);
      return;
    }
    this.settle_();
    this.error_(ImprovError.None);
    const attempt = ++this.attempt_;
    this.pending_ = true;
    this.ssid_ = ssid;
    this.timer_ = this.o_.clock.setTimeout(() => {
      this.timer_ = undefined;
      this.timedOut_();
    }, this.timeoutMs_);
    // The session reports progress (cred-recv → provisioning, cred-success, cred-fail); a rejection
    // here means the credentials were not even tried.
    prov.configureSta({ ssid: ssid, passphrase: pass }).then(undefined, (e: unknown) => {
      if (!this.pending_ || attempt !== this.attempt_) return;
      this.settle_();
      const code = (e as { code?: string }).code;
      this.log_(`Improv: credentials for "${ssid}" refused: ${describe(e)}`);
      this.error_(code === 'invalid-credentials' ? ImprovError.InvalidRpc : code === 'wifi-failed' ? ImprovError.UnableToConnect : ImprovError.Unknown);
      this.sendState_();
    });
  }

  private scan_(): void {
    const scan = this.o_.scan;
    if (!scan) {
      this.log_('Improv: scan requested, but this device cannot scan');
      this.error_(ImprovError.UnknownRpc);
      return;
    }
    settle(
      () => scan(),
      (list: ScanResult[]) => {
        for (let i = 0; i < list.length; i++) {
          const n = list[i];
          if (n.ssid) this.result_(ImprovCommand.RequestScan, [n.ssid, String(n.rssi), n.secure ? 'YES' : 'NO']);
        }
        this.result_(ImprovCommand.RequestScan, []);
      },
      (e) => {
        this.log_(`Improv: scan failed: ${describe(e)}`);
        this.error_(ImprovError.Unknown);
      },
    );
  }

  private hostname_(arg: string | undefined): void {
    const h = this.o_.hostname;
    if (!h || (arg && !h.set)) {
      this.log_(h ? 'Improv: this device cannot change its hostname' : 'Improv: this device has no hostname command');
      this.error_(ImprovError.UnknownRpc);
      return;
    }
    if (arg === undefined || (arg && !isHostname(arg))) {
      this.log_('Improv: bad hostname: 1 to 63 letters, digits and hyphens, no hyphen at either end');
      this.error_(ImprovError.BadHostname);
      return;
    }
    const read = (): void =>
      settle(
        () => h.get(),
        (name: string) => this.result_(ImprovCommand.Hostname, [name]),
        (e) => {
          this.log_(`Improv: reading the hostname failed: ${describe(e)}`);
          this.error_(ImprovError.Unknown);
        },
      );
    if (!arg) return read();
    const set = h.set as (name: string) => MaybePromise<unknown>;
    settle(
      () => set(arg),
      read,
      (e) => {
        this.log_(`Improv: setting the hostname failed: ${describe(e)}`);
        this.error_(ImprovError.BadHostname);
      },
    );
  }

  private deviceName_(arg: string | undefined): void {
    if (arg === '') return this.result_(ImprovCommand.DeviceName, [this.name_]);
    const set = this.o_.setDeviceName;
    if (!set || arg === undefined) {
      this.log_(set ? 'Improv: device name is not UTF-8' : 'Improv: this device cannot change its name');
      this.error_(set ? ImprovError.InvalidRpc : ImprovError.UnknownRpc);
      return;
    }
    settle(
      () => set(arg),
      () => {
        this.name_ = arg;
        this.result_(ImprovCommand.DeviceName, [arg]);
      },
      (e) => {
        this.log_(`Improv: setting the device name failed: ${describe(e)}`);
        this.error_(ImprovError.Unknown);
      },
    );
  }

  // ---- the session's answers (R11.1, R11.2) -------------------------------------------------

  /** Our attempt is over: no more timeout. */
  private settle_(): void {
    this.pending_ = false;
    const t = this.timer_;
    this.timer_ = undefined;
    if (t !== undefined) this.o_.clock.clearTimeout(t);
  }

  private succeeded_(): void {
    const mine = this.pending_;
    this.settle_();
    this.send_(encodeState(ImprovState.Provisioned));
    if (mine) this.result_(ImprovCommand.SendWifiSettings, this.urls_());
  }

  private failed_(ev: CredFailEvent): void {
    if (!this.pending_) return this.sendState_();
    this.settle_();
    this.log_(`Improv: unable to connect to "${this.ssid_}": ${ev.reason}${ev.raw !== undefined ? ` (${ev.raw})` : ''}`);
    this.error_(ImprovError.UnableToConnect);
    // R11.2: the person may correct the password and try again, without a reboot.
    if (this.prov_.getSessionState() === 'fail') this.prov_.resetOnFailure();
    this.sendState_();
  }

  private timedOut_(): void {
    if (!this.pending_) return;
    this.settle_();
    this.log_(`Improv: unable to connect to "${this.ssid_}": no connection within ${this.timeoutMs_} ms`);
    this.error_(ImprovError.UnableToConnect);
    const prov = this.prov_;
    const s = prov.getSessionState();
    try {
      if (s === 'fail') prov.resetOnFailure();
      else if (s !== 'idle' && s !== 'success') prov.resetForReprovision();
    } catch (e) {
      this.log_(`Improv: resetting the session failed: ${describe(e)}`);
    }
    this.sendState_();
  }
}

/**
 * An Improv Wi-Fi serial device over `prov`'s provisioning session: feed it the bytes from the
 * client with `receive()`, it writes its answers through `options.write`. Credentials go through
 * `configureSta` (R11.1): validated, never stored before they worked. A failure reports error 3 and
 * leaves the device ready for another try (R11.2); no connection within `connectTimeoutMs` counts as
 * a failure. Transports (`attachImprov` for `serialport`, `attachImprovEspruino`) are built on this.
 *
 * @example
 * ```ts
 * const improv = createImprovDevice(prov, {
 *   write: (b) => port.write(b), clock, firmware: 'thermostat', version: '1.4.0', platform: 'Linux',
 *   deviceName: 'Hall thermostat', nextUrl: 'http://{ip}/',
 * });
 * port.on('data', (b) => improv.receive(b));
 * ```
 */
export function createImprovDevice(prov: Provisioner, options: ImprovDeviceOptions): ImprovDevice {
  return new ImprovDeviceImpl(prov, options);
}
