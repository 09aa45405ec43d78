// A simulation of the Espruino built-ins the ports use, faithful to what the real interpreter and
// firmware do (measured on the interpreter, or read from the firmware source where no interpreter
// runs it: the Wi-Fi modules):
// - timers on simulated time; `getTime()` in seconds; `clearTimeout(undefined)` throws;
// - `Storage` as a journal: a rewrite marks the old copy deleted, then appends the new one (header,
//   then data; the unwritten part reads as 0xFF); identical data is not rewritten; names are silently
//   truncated to 28 characters; `compact()` drops deleted copies. Power can be cut after any step;
// - pins: `digitalWrite` makes a pin an output, `digitalRead` on an output switches it to an input
//   (unless `pinMode` fixed the mode), `pinMode` pulls; `setWatch` with edges and debounce, the callback
//   getting `{state, time, lastTime, pin}`; `clearWatch(undefined)` and an unknown id throw;
// - `require('Wifi')` of ESP32, ESP8266 or the Espruino WiFi board, with each one's events, callback
//   order and reason codes; the board can be made never to call back.

/** Thrown by every Storage operation once power was cut. */
export class PowerCut extends Error {
  constructor() {
    super('power cut');
  }
}

interface Timer {
  id: number;
  due: number;
  fn: () => void;
  seq: number;
}

/** Simulated time and Espruino's timers. */
export class SimTime {
  nowMs = 0;
  /** `getTime()` = (offsetMs + nowMs) / 1000; `setTime()` changes the offset. */
  offsetMs = 0;
  private timers: Timer[] = [];
  private nextId = 1;
  private seq = 0;

  setTimeout = (fn: () => void, ms: number): number => {
    if (typeof fn !== 'function') throw new Error('Function or String not supplied!');
    const id = this.nextId++;
    this.timers.push({ id, due: this.nowMs + Math.max(0, ms || 0), fn, seq: this.seq++ });
    return id;
  };

  clearTimeout = (...args: unknown[]): void => {
    if (args.length === 0) {
      this.timers = [];
      return;
    }
    const id = args[0];
    if (id === undefined) throw new Error('clearTimeout(undefined) not allowed. Use clearTimeout() instead');
    // 2v29 ignores an id that already fired.
    this.timers = this.timers.filter((t) => t.id !== id);
  };

  getTime = (): number => (this.offsetMs + this.nowMs) / 1000;

  setTime = (seconds: number): void => {
    this.offsetMs = seconds * 1000 - this.nowMs;
  };

  pending(): number {
    return this.timers.length;
  }

  /** Run every timer due within `ms`, in time order, advancing `nowMs` to each. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      let best: Timer | undefined;
      for (const t of this.timers) if (t.due <= end && (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq))) best = t;
      if (!best) break;
      this.timers = this.timers.filter((t) => t !== best);
      if (best.due > this.nowMs) this.nowMs = best.due;
      best.fn();
    }
    this.nowMs = end;
  }
}

interface FlashFile {
  name: string;
  data: string;
  deleted: boolean;
}

/** The flash behind `Storage`: survives simulated reboots and power cuts. */
export class SimFlash {
  files: FlashFile[] = [];
  /** Flash operations done so far (each is a point where power can be cut). */
  steps = 0;
  /** Cut power when `steps` reaches this number. */
  cutAt = -1;
  dead = false;
  /** Every step, for tests that enumerate cut points. */
  log: string[] = [];

  step(what: string): void {
    if (this.dead) throw new PowerCut();
    if (this.steps === this.cutAt) {
      this.dead = true;
      throw new PowerCut();
    }
    this.steps++;
    this.log.push(what);
  }

  /** Power back on. */
  restore(): void {
    this.dead = false;
    this.cutAt = -1;
  }

  live(name: string): FlashFile | undefined {
    for (let i = this.files.length - 1; i >= 0; i--) if (this.files[i].name === name && !this.files[i].deleted) return this.files[i];
    return undefined;
  }

  trash(): number {
    return this.files.filter((f) => f.deleted).length;
  }
}

const FF = '\xff';

/** `require('Storage')` over a {@link SimFlash}. */
export class SimStorage {
  writes = 0;
  constructor(readonly flash: SimFlash) {}

  private key(name: string): string {
    return String(name).slice(0, 28); // Espruino truncates silently
  }

  read(name: string): string | undefined {
    if (this.flash.dead) throw new PowerCut();
    const f = this.flash.live(this.key(name));
    return f ? f.data : undefined;
  }

  readJSON(name: string, noExceptions?: boolean): unknown {
    const s = this.read(name);
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s);
    } catch (e) {
      if (noExceptions) return undefined;
      throw e;
    }
  }

  write(name: string, data: string, offset?: number, size?: number): boolean {
    const key = this.key(name);
    const text = String(data);
    if (offset !== undefined && offset > 0) {
      const f = this.flash.live(key);
      if (!f) throw new Error(`Storage.write with offset: file ${key} not found`);
      this.flash.step(`write ${key} @${offset}`);
      f.data = f.data.slice(0, offset) + text + f.data.slice(offset + text.length);
      return true;
    }
    const full = size !== undefined && size > text.length ? text + FF.repeat(size - text.length) : text;
    const old = this.flash.live(key);
    if (old && old.data === full) return true; // identical data is not rewritten
    this.writes++;
    if (old) {
      this.flash.step(`delete old ${key}`);
      old.deleted = true;
    }
    this.flash.step(`header ${key}`);
    const f: FlashFile = { name: key, data: FF.repeat(full.length), deleted: false };
    this.flash.files.push(f);
    const written = size !== undefined ? text : full;
    const half = Math.floor(written.length / 2);
    this.flash.step(`data ${key} (half)`);
    f.data = written.slice(0, half) + f.data.slice(half);
    this.flash.step(`data ${key}`);
    f.data = written + f.data.slice(written.length);
    return true;
  }

  writeJSON(name: string, data: unknown): boolean {
    return this.write(name, JSON.stringify(data));
  }

  erase(name: string): void {
    const f = this.flash.live(this.key(name));
    if (!f) return;
    this.flash.step(`erase ${f.name}`);
    f.deleted = true;
  }

  list(): string[] {
    return this.flash.files.filter((f) => !f.deleted).map((f) => f.name);
  }

  compact(): void {
    if (!this.flash.files.some((f) => f.deleted)) return;
    this.flash.step('compact');
    this.flash.files = this.flash.files.filter((f) => !f.deleted);
  }

  getStats(): { fileCount: number; trashCount: number } {
    return { fileCount: this.list().length, trashCount: this.flash.trash() };
  }
}

interface PinState {
  /** Level driven from outside (a button), or undefined when nothing drives it. */
  external: number | undefined;
  /** Level the pin drives as an output. */
  driven: number;
  output: boolean;
  /** Mode fixed by pinMode(): no automatic changes. */
  fixed: boolean;
  pull: 'up' | 'down' | undefined;
}

interface Watch {
  id: number;
  fn: (e: { state: boolean; time: number; lastTime: number | undefined; pin: string }) => void;
  pin: string;
  repeat: boolean;
  edge: string;
  debounce: number;
  reported: number;
  lastTime: number | undefined;
  timer: number | undefined;
}

/** Pins, `setWatch`/`clearWatch`, as the firmware does them. */
export class SimPins {
  pins = new Map<string, PinState>();
  watches: Watch[] = [];
  private nextWatch = 1;
  /** Every digitalRead, by pin: proves the LED port never reads its pin back. */
  reads = new Map<string, number>();

  constructor(private readonly time: SimTime) {}

  private pin(p: unknown): PinState {
    const k = String(p);
    let s = this.pins.get(k);
    if (!s) {
      s = { external: undefined, driven: 0, output: false, fixed: false, pull: undefined };
      this.pins.set(k, s);
    }
    return s;
  }

  /** The level on the wire. */
  level(p: unknown): number {
    const s = this.pin(p);
    if (s.output) return s.driven;
    if (s.external !== undefined) return s.external;
    return s.pull === 'up' ? 1 : 0;
  }

  digitalWrite = (p: unknown, v: unknown): void => {
    const s = this.pin(p);
    if (!s.fixed) s.output = true;
    s.driven = v ? 1 : 0;
  };

  digitalRead = (p: unknown): number => {
    const s = this.pin(p);
    this.reads.set(String(p), (this.reads.get(String(p)) || 0) + 1);
    if (!s.fixed) s.output = false; // reading an output pin makes it an input
    return this.level(p);
  };

  pinMode = (p: unknown, mode: string): void => {
    const s = this.pin(p);
    s.fixed = true;
    s.output = mode === 'output' || mode === 'opendrain';
    s.pull = mode === 'input_pullup' ? 'up' : mode === 'input_pulldown' ? 'down' : undefined;
  };

  setWatch = (fn: Watch['fn'], p: unknown, options?: { repeat?: boolean; edge?: string; debounce?: number }): number => {
    if (typeof fn !== 'function') throw new Error('Function or String not supplied!');
    const o = options || {};
    const w: Watch = {
      id: this.nextWatch++,
      fn,
      pin: String(p),
      repeat: !!o.repeat,
      edge: o.edge || 'both',
      debounce: o.debounce || 0,
      reported: this.level(p),
      lastTime: undefined,
      timer: undefined,
    };
    this.watches.push(w);
    return w.id;
  };

  clearWatch = (...args: unknown[]): void => {
    if (args.length === 0) {
      for (const w of this.watches) if (w.timer !== undefined) this.time.clearTimeout(w.timer);
      this.watches = [];
      return;
    }
    const id = args[0];
    if (id === undefined) throw new Error('clearWatch(undefined) not allowed. Use clearWatch() instead');
    const w = this.watches.find((x) => x.id === id);
    if (!w) throw new Error(`Unknown Watch ${String(id)}`);
    if (w.timer !== undefined) this.time.clearTimeout(w.timer);
    this.watches = this.watches.filter((x) => x !== w);
  };

  /** Drive a pin from outside (a button): `undefined` lets it float. Watches see the change. */
  drive(p: unknown, level: number | undefined): void {
    const s = this.pin(p);
    const before = this.level(p);
    s.external = level;
    const after = this.level(p);
    if (after === before) return;
    const at = this.time.getTime();
    for (const w of this.watches.filter((x) => x.pin === String(p))) this.change(w, at);
  }

  private change(w: Watch, at: number): void {
    if (w.debounce > 0) {
      // The firmware reports a change once the line was stable for `debounce` ms.
      if (w.timer !== undefined) this.time.clearTimeout(w.timer);
      w.timer = this.time.setTimeout(() => {
        w.timer = undefined;
        this.report(w, at);
      }, w.debounce);
      return;
    }
    this.report(w, at);
  }

  private report(w: Watch, at: number): void {
    const level = this.level(w.pin);
    if (level === w.reported || !this.watches.includes(w)) return;
    w.reported = level;
    if ((w.edge === 'rising' && !level) || (w.edge === 'falling' && level)) return;
    const lastTime = w.lastTime;
    w.lastTime = at;
    if (!w.repeat) this.watches = this.watches.filter((x) => x !== w);
    w.fn({ state: !!level, time: at, lastTime, pin: w.pin });
  }
}

/** The Wi-Fi module variants the port supports. */
export type WifiPlatform = 'esp32' | 'esp8266' | 'espruino-wifi';

type Listener = (details?: { [k: string]: unknown }) => void;

/**
 * `require('Wifi')` of one platform. A join answers after `joinMs`. Networks map SSID → passphrase.
 * ESP8266's SDK keeps retrying on its own after a failure (every `sdkRetryMs`), as the real one does.
 */
export class SimWifi {
  networks: { [ssid: string]: string } = {};
  /** Firmware that never calls back nor emits anything for a join. */
  silent = false;
  joinMs = 100;
  sdkRetryMs = 700;
  connects: { ssid: string; options: { password?: string } }[] = [];
  disconnects = 0;
  /** What `Wifi.save()` stored (ESP32/ESP8266), or null after `save('clear')`. */
  saved: { ssid: string } | null = null;
  connectedTo: string | undefined;
  private listeners: { [event: string]: Listener[] } = {};
  private pending: number | undefined;
  private current: { ssid: string; password: string } | undefined;
  save?: (what?: string) => void;
  scan?: (cb: (a: unknown, b?: unknown) => void) => void;

  constructor(
    readonly platform: WifiPlatform,
    private readonly time: SimTime,
  ) {
    if (platform !== 'espruino-wifi') {
      this.save = (what?: string) => {
        this.saved = what === 'clear' ? null : this.current ? { ssid: this.current.ssid } : null;
      };
    }
    // The firmware queues the results as an event: they arrive after the current code returns.
    this.scan = (cb) => {
      void Promise.resolve().then(() => {
        const list = Object.keys(this.networks).map((ssid, i) => ({
          ssid,
          rssi: -40 - 10 * i,
          authMode: this.networks[ssid] ? (platform === 'espruino-wifi' ? 'wpa2_psk' : 'wpa2') : 'open',
          channel: platform === 'esp32' ? String(1 + i) : 1 + i,
          mac: `aa:bb:cc:dd:ee:0${i}`,
        }));
        if (platform === 'espruino-wifi') cb(null, list);
        else cb(list);
      });
    };
  }

  on(event: string, fn: Listener): void {
    (this.listeners[event] = this.listeners[event] || []).push(fn);
  }

  removeListener(event: string, fn: Listener): void {
    this.listeners[event] = (this.listeners[event] || []).filter((l) => l !== fn);
  }

  listenerCount(event: string): number {
    return (this.listeners[event] || []).length;
  }

  emit(event: string, details?: { [k: string]: unknown }): void {
    for (const l of (this.listeners[event] || []).slice()) l(details);
  }

  connect(ssid: string, options: { password?: string }, cb?: (err: string | null) => void): void {
    this.connects.push({ ssid, options: { ...options } });
    this.cancel();
    if (this.connectedTo !== undefined) this.connectedTo = undefined; // the firmware switches networks silently
    this.current = { ssid, password: (options && options.password) || '' };
    if (this.silent) return;
    this.pending = this.time.setTimeout(() => this.answer(cb), this.joinMs);
  }

  private cancel(): void {
    if (this.pending !== undefined) this.time.clearTimeout(this.pending);
    this.pending = undefined;
  }

  private answer(cb: ((err: string | null) => void) | undefined): void {
    this.pending = undefined;
    const c = this.current;
    if (!c) return;
    const known = Object.prototype.hasOwnProperty.call(this.networks, c.ssid);
    const ok = known && this.networks[c.ssid] === c.password;
    const call = (err: string | null) => {
      if (cb) cb(err);
    };
    if (ok) {
      this.connectedTo = c.ssid;
      const details = { ip: '192.168.1.23', netmask: '255.255.255.0', gw: '192.168.1.1' };
      if (this.platform === 'esp32') {
        // sendWifiCompletionCB(…, NULL) comes before the connected event.
        call(null);
        this.emit('connected', details);
      } else if (this.platform === 'esp8266') {
        this.emit('connected', details);
        call(null);
      } else {
        this.emit('associated');
        this.emit('connected');
        this.time.setTimeout(() => call(null), 0);
      }
      return;
    }
    if (this.platform === 'esp32') {
      const reason = known ? '202' : '201';
      this.emit('disconnected', { ssid: c.ssid, mac: '00:00:00:00:00:00', reason, msg: known ? 'AUTH_FAIL' : 'NO_AP_FOUND' });
      call(known ? 'AUTH_FAIL' : 'NO_AP_FOUND');
    } else if (this.platform === 'esp8266') {
      call(known ? 'bad_password' : 'no_ap_found');
      this.emit('disconnected', { ssid: c.ssid, mac: '00:00:00:00:00:00', reason: known ? 'auth_failed' : 'no_ap_found' });
      // The SDK keeps trying by itself, and says so every time.
      this.pending = this.time.setTimeout(() => this.answer(undefined), this.sdkRetryMs);
    } else {
      this.time.setTimeout(() => call(`WiFi connect failed: ${known ? '+CWJAP:2' : '+CWJAP:3'}`), 0);
    }
  }

  disconnect(cb?: () => void): void {
    this.disconnects++;
    this.cancel();
    const was = this.connectedTo;
    this.connectedTo = undefined;
    this.current = undefined;
    if (was !== undefined && this.platform !== 'espruino-wifi') {
      this.emit('disconnected', { ssid: was, mac: '00:00:00:00:00:00', reason: this.platform === 'esp32' ? '8' : 'assoc_leave' });
    } else if (was !== undefined) {
      this.emit('disconnected');
    }
    if (cb) this.time.setTimeout(cb, 0);
  }

  /** The access point goes away while connected (ESP32 200 BEACON_TIMEOUT). */
  loseLink(): void {
    const was = this.connectedTo;
    if (was === undefined) return;
    this.connectedTo = undefined;
    if (this.platform === 'esp32') this.emit('disconnected', { ssid: was, mac: '', reason: '200', msg: 'BEACON_TIMEOUT' });
    else if (this.platform === 'esp8266') this.emit('disconnected', { ssid: was, mac: '', reason: 'beacon_timeout' });
    else this.emit('disconnected');
  }
}

/** A Clock port on simulated time (for ports under test in the runner's process). */
export function simClock(time: SimTime): { now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void } {
  return {
    now: () => time.nowMs,
    setTimeout: (fn, ms) => time.setTimeout(fn, ms),
    clearTimeout: (h) => {
      if (h !== undefined) time.clearTimeout(h);
    },
  };
}

/** Options of {@link EspruinoSim}. */
export interface SimOptions {
  wifi?: WifiPlatform;
  /** Shared flash (survives a simulated reboot). */
  flash?: SimFlash;
  /** Board constants such as BTN1 and LED1 (default: Puck.js-like `BTN1 = 'D0'`, `LED1 = 'D5'`). */
  board?: { [name: string]: string };
  /** `getTime()` at boot, seconds (0 on a board whose time was never set). */
  startTime?: number;
}

/** One simulated Espruino board: its globals, ready to install on a global object. */
export class EspruinoSim {
  readonly time = new SimTime();
  readonly flash: SimFlash;
  readonly storage: SimStorage;
  readonly pins: SimPins;
  readonly wifi: SimWifi | undefined;
  reboots = 0;
  readonly board: { [name: string]: string };

  constructor(options?: SimOptions) {
    const o = options || {};
    this.flash = o.flash || new SimFlash();
    this.storage = new SimStorage(this.flash);
    this.pins = new SimPins(this.time);
    this.wifi = o.wifi ? new SimWifi(o.wifi, this.time) : undefined;
    this.board = o.board || { BTN1: 'D0', LED1: 'D5' };
    if (o.startTime) this.time.offsetMs = o.startTime * 1000;
  }

  /** The globals the ports use, keyed by name. */
  globals(): { [name: string]: unknown } {
    const g: { [name: string]: unknown } = {
      require: (name: string) => {
        if (name === 'Storage') return this.storage;
        if (name === 'Wifi' && this.wifi) return this.wifi;
        throw new Error(`Module "${name}" not found`);
      },
      setTimeout: this.time.setTimeout,
      clearTimeout: this.time.clearTimeout,
      getTime: this.time.getTime,
      setTime: this.time.setTime,
      setWatch: this.pins.setWatch,
      clearWatch: this.pins.clearWatch,
      digitalRead: this.pins.digitalRead,
      digitalWrite: this.pins.digitalWrite,
      pinMode: this.pins.pinMode,
      E: {
        reboot: () => {
          this.reboots++;
        },
      },
    };
    for (const k of Object.keys(this.board)) g[k] = this.board[k];
    return g;
  }

  /**
   * Put the globals on `target` (default: this process's global object); returns the undo. In a test
   * runner's own process leave `timers` false: the runner and the conformance suite wait on the real
   * `setTimeout`; give the ports a clock on {@link SimTime} instead.
   */
  install(target: object = globalThis, options?: { timers?: boolean }): () => void {
    const t = target as { [k: string]: unknown };
    const g = this.globals();
    if (options && options.timers === false) {
      delete g.setTimeout;
      delete g.clearTimeout;
    }
    const saved: [string, boolean, unknown][] = Object.keys(g).map((k) => [k, Object.prototype.hasOwnProperty.call(t, k), t[k]]);
    for (const k of Object.keys(g)) t[k] = g[k];
    return () => {
      for (const [k, had, v] of saved) {
        if (had) t[k] = v;
        else delete t[k];
      }
    };
  }
}
