import { Duplex } from 'node:stream';
import { defaultClock } from '@provision/core';
import type { Clock, TimerHandle } from '@provision/core';
import type { ChipName } from '../chips';
import { splitAtArgs } from '../escape';
import { SimProvisioningModes } from './provisioning-modes';
import type { SimModeOptions } from './provisioning-modes';
import { SimRegisters } from './registers';
import { SimSoftAp } from './softap';
import type { SimSoftApOptions } from './softap';
import type { SimPinState } from './registers';

/** A network the simulated module can see. */
export interface SimNetwork {
  /** The network name. */
  ssid: string;
  /** Empty or absent: an open network. */
  passphrase?: string;
  /** dBm (default -50). */
  rssi?: number;
  /** Default 6. */
  channel?: number;
  /** Default derived from the SSID. */
  bssid?: string;
}

/** Options of {@link EspAtSimulator}. */
export interface EspAtSimulatorOptions {
  /** The SoC whose register map `AT+SYSREG` exposes (default `esp32`). */
  chip?: ChipName;
  /** Clock for joins, scans and boots (default: the global timers). */
  clock?: Clock;
  /** Networks in range. */
  networks?: SimNetwork[];
  /** How long `AT+CWJAP` takes to succeed or fail (ms, default 1000). */
  joinDelayMs?: number;
  /** How long a boot takes until `ready` (ms, default 300). */
  bootDelayMs?: number;
  /** How long `AT+CWLAP` takes (ms, default 500). */
  scanDelayMs?: number;
  /**
   * `true` (default): the module is already running when the host attaches (echo on, no `ready`
   * pending). `false`: it is powered off until {@link EspAtSimulator.powerOn}.
   */
  running?: boolean;
  /** The SoftAP and TCP server ({@link EspAtSimulator.softAp}). */
  softAp?: SimSoftApOptions;
  /** The firmware's SmartConfig/WPS/BluFi commands (all present by default). */
  modes?: SimModeOptions;
}

/**
 * Faults to inject. Counters are consumed one per command; flags stay until cleared.
 */
export interface SimFaults {
  /** Answer the next N commands with `busy p...` (and ignore them), as a module that is busy. */
  busy: number;
  /** Ignore every command: the module has stopped answering. */
  mute: boolean;
  /** Ignore the next N commands (lost on the line). */
  drop: number;
  /** Cut every output chunk into pieces of at most this many bytes (0: off). */
  split: number;
  /** Send everything written within one turn of the event loop as a single chunk. */
  merge: boolean;
  /** Put a line of garbage bytes inside the next response (before its final result). */
  garbageInNextResponse: boolean;
  /** Lines to insert inside the next response, before its final result (unsolicited mid-response). */
  unsolicitedInNextResponse: string[];
  /** Reboot while the next command whose text starts with this prefix is running (it never answers). */
  rebootDuring?: string;
  /** Force the next join attempts to fail with these `+CWJAP` codes (1 waits for `jap_timeout`). */
  joinFailures: number[];
  /** Print garbage bytes before `ready` on every boot. */
  bootNoise: boolean;
  /**
   * Damage what the module prints on its way to the host: called with everything printed in one
   * turn of the event loop (one response, usually), it returns the bytes the host receives — drop a
   * line, flip a digit, insert noise. Return the input unchanged to let a turn pass. Applied before
   * `split` and `merge`; the module's own state is not affected.
   */
  tamper?: (bytes: Uint8Array) => Uint8Array;
}

/** The longest command line the simulated module buffers; longer input without a newline is dropped. */
const SIM_MAX_COMMAND_LINE = 8192;

interface StationConfig {
  ssid: string;
  pwd: string;
  bssid?: string;
  japTimeoutS: number;
}

interface FlashState {
  station?: StationConfig;
  cwmode: number;
  autoconn: boolean;
  sysstore: boolean;
  reconnIntervalS: number;
}

interface MfgValue {
  type: number;
  value: Uint8Array;
}

type Output = string | Uint8Array;

const FACTORY_FLASH: FlashState = { cwmode: 1, autoconn: true, sysstore: true, reconnIntervalS: 1 };
const GARBAGE = Uint8Array.from([0xff, 0x00, 0xfe, 0x13, 0x8a, 0x07, 0x0d, 0x0a]);

function bssidFor(ssid: string): string {
  let h = 0;
  for (let i = 0; i < ssid.length; i++) h = (h * 31 + ssid.charCodeAt(i)) >>> 0;
  const b = [0x24, 0x0a, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function quoteOut(s: string): string {
  return '"' + s + '"';
}

/**
 * A simulated ESP32 running Espressif's stock ESP-AT firmware, as a `Duplex`: write AT commands to it,
 * read what the module prints. A real state machine, answering as the ESP-AT documentation describes:
 *
 * - basic: `AT`, `ATE0`/`ATE1` (echo is on after every boot), `AT+GMR`, `AT+RST`, `AT+RESTORE` (both
 *   print `OK`, then `ready` after the boot delay), `AT+SYSSTORE` (0: set commands stay in RAM),
 *   `AT+SYSLOG` (1: `ERR CODE:0x…` before `ERROR`), `AT+SYSRAM?`;
 * - Wi-Fi: `AT+CWMODE`, `AT+CWJAP` (set, execute and query; `WIFI CONNECTED`, `WIFI GOT IP`, `OK`, or
 *   `+CWJAP:<1|2|3|4>` and `ERROR`), `AT+CWSTATE?`, `AT+CWQAP`, `AT+CWLAP`, `AT+CWAUTOCONN`,
 *   `AT+CWRECONNCFG`, `AT+CIPSTA?`; a lost AP prints `WIFI DISCONNECT` and the module reconnects every
 *   `reconn_interval` seconds; with stored credentials and auto-connect it joins after boot;
 * - `AT+SYSMFG`: namespaces and keys of the manufacturing NVS, typed values, the `>` prompt for
 *   string/binary writes (a write lands only when all its bytes arrived), erase; kept across
 *   `AT+RESTORE`;
 * - `AT+SYSREG`: the chip's GPIO register file ({@link SimRegisters}) with pads you can drive
 *   ({@link EspAtSimulator.setPin}) and read back ({@link EspAtSimulator.pin});
 * - one command at a time: a command that arrives while another runs gets `busy p...`.
 *
 * Faults are injected through {@link EspAtSimulator.faults}.
 *
 * @example
 * ```ts
 * const sim = new EspAtSimulator({ networks: [{ ssid: 'HomeNet', passphrase: 'correct horse' }] });
 * const client = new AtClient(sim);
 * await client.open();
 * ```
 */
export class EspAtSimulator extends Duplex {
  /** Faults to inject; change them at any time. */
  readonly faults: SimFaults = {
    busy: 0,
    mute: false,
    drop: 0,
    split: 0,
    merge: false,
    garbageInNextResponse: false,
    unsolicitedInNextResponse: [],
    rebootDuring: undefined,
    joinFailures: [],
    bootNoise: false,
    tamper: undefined,
  };
  /** Every command line received, in order (for assertions; a test tool, so passphrases are kept). */
  readonly received: string[] = [];
  /** The register file behind `AT+SYSREG`. */
  readonly registers: SimRegisters;
  /** How many times the module booted (power-on, `AT+RST`, `AT+RESTORE`, injected reboots). */
  boots = 0;
  /** The SoftAP and TCP server; {@link SimSoftAp.connectPhone} connects a phone to it. */
  readonly softAp: SimSoftAp;
  /** SmartConfig, WPS and BluFi: the phone's and the router's side, and their faults. */
  readonly modes: SimProvisioningModes;

  private readonly clock: Clock;
  private readonly networks = new Map<string, SimNetwork>();
  private readonly joinDelayMs: number;
  private readonly bootDelayMs: number;
  private readonly scanDelayMs: number;
  private flash: FlashState = { ...FACTORY_FLASH };
  private mfg = new Map<string, Map<string, MfgValue>>();

  // RAM state, lost on every boot.
  private running: boolean;
  private echo = true;
  private syslog = false;
  private sysstore = true;
  private cwmode = 1;
  private station: StationConfig | undefined;
  private reconnIntervalS = 1;
  private wifiState = 0;
  private processing = false;
  private inbuf = '';
  private dataMode: { remaining: number; chunks: Uint8Array[]; done: (data: Uint8Array) => void } | undefined;
  private timers = new Set<TimerHandle>();
  private outQueue: Output[] = [];
  private flushScheduled = false;

  /** @param options - chip, clock, networks and timings; see {@link EspAtSimulatorOptions} */
  constructor(options: EspAtSimulatorOptions = {}) {
    super();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the modes' host reads live RAM state
    const self = this;
    this.clock = options.clock ?? defaultClock;
    this.registers = new SimRegisters(options.chip ?? 'esp32');
    this.joinDelayMs = options.joinDelayMs ?? 1000;
    this.bootDelayMs = options.bootDelayMs ?? 300;
    this.scanDelayMs = options.scanDelayMs ?? 500;
    for (const n of options.networks ?? []) this.addNetwork(n);
    this.running = options.running ?? true;
    if (this.running) this.boots = 1;
    this.softAp = new SimSoftAp(
      {
        out: (d) => this.out(d),
        ok: (l) => this.ok(l),
        error: (l, c) => this.error(l, c),
        cwmode: () => (this.running ? this.cwmode : 0),
        sysstore: () => this.sysstore,
        dataPhase: (remaining, done) => {
          this.processing = true;
          this.dataMode = { remaining, chunks: [], done: (d) => ((this.processing = false), done(d)) };
        },
      },
      options.softAp,
    );
    this.modes = new SimProvisioningModes(
      {
        clock: this.clock,
        print: (line) => this.out(line + '\r\n'),
        ok: (lines) => this.ok(lines),
        error: () => this.error(),
        get cwmode() {
          return self.cwmode;
        },
        ownJoin: (ssid, password, done) => this.ownJoin(ssid, password, done),
        networkPassphrase: (ssid) => (this.networks.has(ssid) ? (this.networks.get(ssid)!.passphrase ?? '') : undefined),
      },
      options.modes,
    );
    this.mfg.set('factory_param', new Map([['module_name', { type: 7, value: new TextEncoder().encode('SIM-1') }]]));
  }

  // ---- host-facing knobs ------------------------------------------------------------------------

  /** Put a network in range (or update it). A station reconnecting to it will succeed. */
  addNetwork(network: SimNetwork): void {
    this.networks.set(network.ssid, { ...network });
  }

  /** Take a network out of range; a station connected to it loses the link (`WIFI DISCONNECT`). */
  removeNetwork(ssid: string): void {
    this.networks.delete(ssid);
    if (this.wifiState === 2 && this.station && this.station.ssid === ssid) this.loseLink();
  }

  /** Drive a pad from outside: `true` high, `false` low, `undefined` released. */
  setPin(pin: number, level: boolean | undefined): void {
    this.registers.setExternal(pin, level);
  }

  /** What a pad is doing now (e.g. an LED: `output` and `high`). */
  pin(pin: number): SimPinState {
    return this.registers.pin(pin);
  }

  /** The Wi-Fi state `AT+CWSTATE?` would report (0..4). */
  get stationState(): number {
    return this.wifiState;
  }

  /** The station configuration stored in flash (what survives a reboot), without the passphrase. */
  get storedStation(): { ssid: string } | undefined {
    return this.flash.station ? { ssid: this.flash.station.ssid } : undefined;
  }

  /** The Wi-Fi mode stored in flash (what `AT+CWMODE` is after a reboot). */
  get storedMode(): number {
    return this.flash.cwmode;
  }

  /** Whether the module auto-connects after boot (`AT+CWAUTOCONN`). */
  get autoConnect(): boolean {
    return this.flash.autoconn;
  }

  /** The manufacturing NVS value of `namespace`/`key` as text, or undefined. */
  nvsValue(namespace: string, key: string): string | undefined {
    const v = this.mfg.get(namespace)?.get(key);
    return v ? new TextDecoder().decode(v.value) : undefined;
  }

  /** Overwrite a manufacturing NVS value directly (e.g. to simulate corruption). */
  setNvsValue(namespace: string, key: string, text: string, type = 7): void {
    let ns = this.mfg.get(namespace);
    if (!ns) this.mfg.set(namespace, (ns = new Map()));
    ns.set(key, { type, value: new TextEncoder().encode(text) });
  }

  /** Print a line now, as an unsolicited message. */
  injectLine(line: string): void {
    this.out(line + '\r\n');
  }

  /** Print raw bytes now. */
  injectBytes(bytes: Uint8Array): void {
    this.out(bytes);
  }

  /** Power the module on (when built with `running: false`): it boots and prints `ready`. */
  powerOn(): void {
    if (!this.running && !this.booting) this.boot();
  }

  /** Reset the module now, whatever it is doing (the reset pin). */
  reboot(): void {
    this.boot();
  }

  // ---- Duplex -----------------------------------------------------------------------------------

  override _read(): void {
    // Output is pushed as the module prints it.
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.input(bytes);
    cb();
  }

  override _final(cb: (error?: Error | null) => void): void {
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    cb(err);
  }

  // ---- internals --------------------------------------------------------------------------------

  private booting = false;

  private later(ms: number, fn: () => void): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }

  private cancelTimers(): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private out(data: Output): void {
    if (this.destroyed) return;
    this.outQueue.push(data);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const items = this.outQueue;
    this.outQueue = [];
    if (this.destroyed || items.length === 0) return;
    let bufs = items.map((i) => (typeof i === 'string' ? Buffer.from(i, 'utf8') : Buffer.from(i)));
    const tamper = this.faults.tamper;
    if (tamper) {
      const damaged = tamper(Buffer.concat(bufs));
      bufs = damaged.length ? [Buffer.from(damaged)] : [];
    }
    const chunks = this.faults.merge ? [Buffer.concat(bufs)] : bufs;
    for (const c of chunks) {
      const n = this.faults.split;
      if (n > 0) {
        let size = 1;
        for (let i = 0; i < c.length; i += size, size = (size % n) + 1) this.push(c.subarray(i, i + size));
      } else {
        this.push(c);
      }
    }
  }

  private boot(): void {
    this.cancelTimers();
    this.running = false;
    this.booting = true;
    this.processing = false;
    this.dataMode = undefined;
    this.inbuf = '';
    this.wifiState = 0;
    this.registers.reset();
    this.softAp.reset();
    this.modes.reset();
    if (this.faults.bootNoise) this.out(GARBAGE);
    this.later(this.bootDelayMs, () => {
      this.booting = false;
      this.running = true;
      this.boots++;
      this.echo = true;
      this.syslog = false;
      this.sysstore = this.flash.sysstore;
      this.cwmode = this.flash.cwmode;
      this.station = this.flash.station ? { ...this.flash.station } : undefined;
      this.reconnIntervalS = this.flash.reconnIntervalS;
      this.out('\r\nready\r\n');
      if (this.flash.autoconn && this.station && (this.cwmode & 1) === 1) {
        this.wifiState = 3;
        this.later(this.joinDelayMs, () => this.backgroundJoin());
      }
    });
  }

  private input(bytes: Uint8Array): void {
    if (this.dataMode) {
      const dm = this.dataMode;
      const take = bytes.subarray(0, dm.remaining);
      dm.chunks.push(Uint8Array.from(take));
      dm.remaining -= take.length;
      if (dm.remaining === 0) {
        this.dataMode = undefined;
        dm.done(Buffer.concat(dm.chunks));
      }
      if (bytes.length > take.length) this.input(bytes.subarray(take.length));
      return;
    }
    if (!this.running) return;
    this.inbuf += Buffer.from(bytes).toString('latin1');
    if (this.inbuf.length > SIM_MAX_COMMAND_LINE && !this.inbuf.includes('\n')) this.inbuf = '';
    for (;;) {
      const nl = this.inbuf.indexOf('\n');
      if (nl < 0) break;
      const raw = this.inbuf.slice(0, nl).replace(/\r$/, '');
      this.inbuf = this.inbuf.slice(nl + 1);
      const line = Buffer.from(raw, 'latin1').toString('utf8');
      if (line.length === 0) continue;
      this.command(line);
      if (this.dataMode) {
        // Bytes after the command line belong to the data phase.
        const rest = Buffer.from(this.inbuf, 'latin1');
        this.inbuf = '';
        if (rest.length) this.input(rest);
        return;
      }
    }
  }

  private command(line: string): void {
    this.received.push(line);
    const f = this.faults;
    if (f.mute) return;
    if (f.drop > 0) {
      f.drop--;
      return;
    }
    if (this.echo) this.out(line + '\r\n');
    if (this.processing || f.busy > 0) {
      if (!this.processing) f.busy--;
      this.out('busy p...\r\n');
      return;
    }
    if (f.rebootDuring !== undefined && line.startsWith(f.rebootDuring)) {
      f.rebootDuring = undefined;
      this.processing = true;
      // The command starts (a join drops the link first), then the module resets before answering.
      if (line.startsWith('AT+CWJAP') && this.wifiState === 2) this.out('WIFI DISCONNECT\r\n');
      this.later(Math.min(this.joinDelayMs, 50), () => this.boot());
      return;
    }
    this.execute(line);
  }

  private reply(lines: string[], final: 'OK' | 'ERROR', errCode = 0x01090000): void {
    const f = this.faults;
    const parts: Output[] = lines.map((l) => l + '\r\n');
    if (f.garbageInNextResponse) {
      f.garbageInNextResponse = false;
      parts.splice(Math.min(1, parts.length), 0, GARBAGE);
    }
    if (f.unsolicitedInNextResponse.length) {
      for (const u of f.unsolicitedInNextResponse) parts.push(u + '\r\n');
      f.unsolicitedInNextResponse = [];
    }
    if (final === 'ERROR' && this.syslog) parts.push(`ERR CODE:0x${errCode.toString(16).padStart(8, '0')}\r\n`);
    parts.push(`\r\n${final}\r\n`);
    for (const p of parts) this.out(p);
  }

  private ok(lines: string[] = []): void {
    this.reply(lines, 'OK');
  }

  private error(lines: string[] = [], errCode = 0x01090000): void {
    this.reply(lines, 'ERROR', errCode);
  }

  private execute(line: string): void {
    const m = /^AT(\+[A-Z_]+|E[01])?([?=].*)?$/.exec(line);
    if (!m) return this.error();
    const name = m[1] ?? '';
    const rest = m[2] ?? '';
    const query = rest === '?';
    let args: Array<string | undefined> = [];
    if (rest.startsWith('=')) {
      try {
        args = splitAtArgs(rest.slice(1));
      } catch {
        return this.error([], 0x01030000);
      }
    }
    const set = rest.startsWith('=');
    const exec = rest === '';
    const num = (i: number): number | undefined => {
      const a = args[i];
      if (a === undefined || !/^-?(0x[0-9a-fA-F]+|\d+)$/.test(a)) return undefined;
      return Number(a);
    };
    switch (name) {
      case '':
        return exec ? this.ok() : this.error();
      case 'E0':
      case 'E1':
        this.echo = name === 'E1';
        return this.ok();
      case '+GMR':
        return this.ok(['AT version:4.0.0.0(simulated)', 'SDK version:v5.0', 'compile time:simulated', 'Bin version:4.0.0(SIM-1)']);
      case '+RST':
      case '+RESTORE':
        if (!exec) return this.error();
        if (name === '+RESTORE') this.flash = { ...FACTORY_FLASH };
        this.ok();
        this.processing = true;
        this.later(10, () => this.boot());
        return;
      case '+SYSSTORE':
        if (query) return this.ok([`+SYSSTORE:${this.sysstore ? 1 : 0}`]);
        if (set && (num(0) === 0 || num(0) === 1) && args.length === 1) {
          this.sysstore = num(0) === 1;
          this.flash.sysstore = this.sysstore;
          return this.ok();
        }
        return this.error([], 0x01030000);
      case '+SYSLOG':
        if (query) return this.ok([`+SYSLOG:${this.syslog ? 1 : 0}`]);
        if (set && (num(0) === 0 || num(0) === 1)) {
          this.syslog = num(0) === 1;
          return this.ok();
        }
        return this.error([], 0x01030000);
      case '+SYSRAM':
        return query ? this.ok(['+SYSRAM:160000,120000']) : this.error();
      case '+CWMODE':
        if (query) return this.ok([`+CWMODE:${this.cwmode}`]);
        if (set && num(0) !== undefined && num(0)! >= 0 && num(0)! <= 3) {
          this.cwmode = num(0)!;
          if (this.sysstore) this.flash.cwmode = this.cwmode;
          if ((this.cwmode & 1) === 0 && this.wifiState === 2) this.out('WIFI DISCONNECT\r\n');
          if ((this.cwmode & 1) === 0) this.wifiState = 0;
          this.softAp.modeChanged(this.cwmode);
          return this.ok();
        }
        return this.error([], 0x01030000);
      case '+CWAUTOCONN':
        if (query) return this.ok([`+CWAUTOCONN:${this.flash.autoconn ? 1 : 0}`]);
        if (set && (num(0) === 0 || num(0) === 1)) {
          this.flash.autoconn = num(0) === 1;
          return this.ok();
        }
        return this.error([], 0x01030000);
      case '+CWRECONNCFG':
        if (query) return this.ok([`+CWRECONNCFG:${this.reconnIntervalS},0`]);
        if (set && num(0) !== undefined) {
          this.reconnIntervalS = num(0)!;
          if (this.sysstore) this.flash.reconnIntervalS = this.reconnIntervalS;
          return this.ok();
        }
        return this.error([], 0x01030000);
      case '+CWSTATE':
        return query ? this.ok([`+CWSTATE:${this.wifiState},${quoteOut(this.station?.ssid ?? '')}`]) : this.error();
      case '+CWJAP':
        return this.cwjap(query, set, exec, args, num);
      case '+CWQAP':
        if (!exec) return this.error();
        this.cancelTimers();
        if (this.wifiState === 2 || this.wifiState === 1) this.out('WIFI DISCONNECT\r\n');
        this.wifiState = this.station ? 4 : 0;
        return this.ok();
      case '+CWLAP':
        if (!exec) return this.error();
        if ((this.cwmode & 1) === 0) return this.error();
        this.processing = true;
        this.later(this.scanDelayMs, () => {
          this.processing = false;
          const list = [...this.networks.values()].sort((a, b) => (b.rssi ?? -50) - (a.rssi ?? -50));
          this.ok(
            list.map(
              (n) =>
                `+CWLAP:(${n.passphrase ? 3 : 0},${quoteOut(n.ssid)},${n.rssi ?? -50},${quoteOut(n.bssid ?? bssidFor(n.ssid))},${n.channel ?? 6},-1,-1,4,4,7,0)`,
            ),
          );
        });
        return;
      case '+CIPSTA': {
        if (!query) return this.error();
        const up = this.wifiState === 2;
        return this.ok([
          `+CIPSTA:ip:"${up ? '192.168.4.23' : '0.0.0.0'}"`,
          `+CIPSTA:gateway:"${up ? '192.168.4.1' : '0.0.0.0'}"`,
          `+CIPSTA:netmask:"${up ? '255.255.255.0' : '0.0.0.0'}"`,
        ]);
      }
      case '+SYSMFG':
        return this.sysmfg(query, set, args, num);
      case '+SYSREG': {
        if (!set) return this.error();
        const dir = num(0);
        const addr = num(1);
        if (dir === 0 && addr !== undefined && args.length === 2) {
          return this.ok([`+SYSREG:0x${this.registers.read(addr).toString(16)}`]);
        }
        const value = num(2);
        if (dir === 1 && addr !== undefined && value !== undefined && args.length === 3) {
          this.registers.write(addr, value);
          return this.ok();
        }
        return this.error([], 0x01030000);
      }
      default:
        if (this.modes.execute(name, rest, args)) return;
        return this.softAp.handles(name) ? this.softAp.execute(name, rest, args, num) : this.error();
    }
  }

  /** The module joins by itself (SmartConfig, WPS, BluFi): RAM config, flash too under SYSSTORE=1. */
  private ownJoin(ssid: string, pwd: string, done: (code: number) => void): void {
    this.cancelTimers();
    if (this.wifiState === 2) this.out('WIFI DISCONNECT\r\n');
    this.station = { ssid, pwd, japTimeoutS: 15 };
    if (this.sysstore) this.flash.station = { ...this.station };
    this.wifiState = 3;
    const st = this.station;
    this.later(this.joinDelayMs, () => {
      const code = this.judge(st);
      if (code === 0) {
        this.wifiState = 2;
        this.out('WIFI CONNECTED\r\n');
        this.out('WIFI GOT IP\r\n');
      } else {
        this.wifiState = 4;
      }
      done(code);
    });
  }

  private cwjap(
    query: boolean,
    set: boolean,
    exec: boolean,
    args: Array<string | undefined>,
    num: (i: number) => number | undefined,
  ): void {
    if (query) {
      if (this.wifiState !== 2 || !this.station) return this.ok(['No AP']);
      const n = this.networks.get(this.station.ssid);
      return this.ok([`+CWJAP:${quoteOut(this.station.ssid)},${quoteOut(n?.bssid ?? bssidFor(this.station.ssid))},${n?.channel ?? 6},${n?.rssi ?? -50},0,${this.reconnIntervalS},3,0,1`]);
    }
    if ((this.cwmode & 1) === 0) return this.error([], 0x010b0000);
    if (set) {
      const ssid = args[0];
      if (ssid === undefined || ssid.length === 0 || ssid.length > 32) return this.error([], 0x01030000);
      const japTimeoutS = num(7) ?? 15;
      if (num(4) !== undefined) this.reconnIntervalS = num(4)!;
      this.station = { ssid, pwd: args[1] ?? '', bssid: args[2], japTimeoutS };
      if (this.sysstore) {
        this.flash.station = { ...this.station };
        this.flash.reconnIntervalS = this.reconnIntervalS;
      }
    } else if (!exec || !this.station) {
      return this.error();
    } else if (this.sysstore) {
      // "Connect with the last configuration": under SYSSTORE=1 that configuration is saved.
      this.flash.station = { ...this.station };
    }
    this.cancelTimers();
    if (this.wifiState === 2) this.out('WIFI DISCONNECT\r\n');
    this.wifiState = 3;
    this.processing = true;
    const st = this.station!;
    this.softAp.stationJoining(this.networks.get(st.ssid)?.channel ?? (this.networks.has(st.ssid) ? 6 : undefined));
    const forced = this.faults.joinFailures.shift();
    const outcome = forced ?? this.judge(st);
    this.later(outcome === 1 ? st.japTimeoutS * 1000 : this.joinDelayMs, () => {
      this.processing = false;
      if (outcome === 0) {
        this.wifiState = 2;
        this.out('WIFI CONNECTED\r\n');
        this.out('WIFI GOT IP\r\n');
        this.ok();
        this.modes.onGotIp();
      } else {
        this.wifiState = 4;
        this.error([`+CWJAP:${outcome}`], 0x01000000 + outcome);
      }
    });
  }

  /** 0 = would connect, else the `+CWJAP` code. */
  private judge(st: StationConfig): number {
    const n = this.networks.get(st.ssid);
    if (!n || (st.bssid && (n.bssid ?? bssidFor(n.ssid)) !== st.bssid.toLowerCase())) return 3;
    if ((n.passphrase ?? '') !== '' && n.passphrase !== st.pwd) return 2;
    return 0;
  }

  private loseLink(): void {
    this.out('WIFI DISCONNECT\r\n');
    this.wifiState = 3;
    if (this.reconnIntervalS > 0) this.later(this.reconnIntervalS * 1000, () => this.backgroundJoin());
  }

  /** Auto-connect after boot, or the reconnect of a lost link: no command, only unsolicited lines. */
  private backgroundJoin(): void {
    const st = this.station;
    if (!st || !this.running) return;
    if (this.judge(st) === 0) {
      this.wifiState = 2;
      this.out('WIFI CONNECTED\r\n');
      this.out('WIFI GOT IP\r\n');
    } else {
      this.wifiState = 3;
      if (this.reconnIntervalS > 0) this.later(this.reconnIntervalS * 1000, () => this.backgroundJoin());
    }
  }

  private sysmfg(query: boolean, set: boolean, args: Array<string | undefined>, num: (i: number) => number | undefined): void {
    const listNamespaces = (): void => this.ok([...this.mfg.keys()].map((ns) => `+SYSMFG:${quoteOut(ns)}`));
    if (query) return listNamespaces();
    if (!set) return this.error();
    const op = num(0);
    const nsName = args[1];
    const key = args[2];
    if (op === 1 && nsName === undefined) return listNamespaces();
    const ns = nsName === undefined ? undefined : this.mfg.get(nsName);
    if (op === 0) {
      if (!ns || nsName === undefined) return this.error([], 0x01030000);
      if (key === undefined) {
        this.mfg.delete(nsName);
        return this.ok();
      }
      if (!ns.delete(key)) return this.error([], 0x01030000);
      return this.ok();
    }
    if (op === 1) {
      if (!ns) return this.error([], 0x01030000);
      if (key === undefined) return this.ok([...ns.entries()].map(([k, v]) => `+SYSMFG:${quoteOut(nsName!)},${quoteOut(k)},${v.type}`));
      const v = ns.get(key);
      if (!v) return this.error([], 0x01030000);
      const offset = num(3) ?? 0;
      const length = num(4) ?? v.value.length - offset;
      const slice = v.value.subarray(offset, offset + length);
      this.out(`+SYSMFG:${quoteOut(nsName!)},${quoteOut(key)},${v.type},${slice.length},`);
      this.out(slice);
      this.out('\r\n');
      return this.ok();
    }
    if (op === 2) {
      const type = num(3);
      const value = num(4);
      if (nsName === undefined || key === undefined || type === undefined || value === undefined || type < 1 || type > 8) {
        return this.error([], 0x01030000);
      }
      const store = (bytes: Uint8Array): void => {
        let target = this.mfg.get(nsName);
        if (!target) this.mfg.set(nsName, (target = new Map()));
        target.set(key, { type, value: bytes });
      };
      if (type <= 6) {
        store(new TextEncoder().encode(String(value)));
        return this.ok();
      }
      if (value < 0 || value > 4000) return this.error([], 0x01030000);
      this.out('\r\nOK\r\n\r\n>');
      this.processing = true;
      this.dataMode = {
        remaining: value,
        chunks: [],
        done: (data) => {
          this.processing = false;
          store(data);
          this.ok();
        },
      };
      if (value === 0) {
        const dm = this.dataMode;
        this.dataMode = undefined;
        dm.done(new Uint8Array(0));
      }
      return;
    }
    return this.error([], 0x01030000);
  }
}
