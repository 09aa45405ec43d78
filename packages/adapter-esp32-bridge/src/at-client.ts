import type { Duplex } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { defaultClock } from '@provision/core';
import type { Clock, TimerHandle } from '@provision/core';
import { atError } from './errors';
import type { AtError, AtFailureReason } from './errors';
import { splitAtArgs } from './escape';
import { frameIpd } from './ipd';

/** A serial link to the module: a stream, or a function that opens one (enables reconnection). */
export type AtTransport = Duplex | (() => Duplex | Promise<Duplex>);

/** Options of {@link AtClient}. All times are milliseconds on the injected clock. */
export interface AtClientOptions {
  /** Time source for every timeout and back-off (default: the global timers). */
  clock?: Clock;
  /** Default per-command timeout (default 2000). */
  commandTimeoutMs?: number;
  /** How long `AT+RST` / `AT+RESTORE` may take to print `ready` (default 10 000). */
  readyTimeoutMs?: number;
  /** Back-off before re-sending a command the module refused with `busy p...` (default 200). */
  busyRetryDelayMs?: number;
  /** How many `busy p...` answers a command tolerates before failing (default 100: 20 s at 200 ms). */
  busyRetries?: number;
  /** Delay before re-opening a closed port when the transport is a function (default 1000). */
  reconnectDelayMs?: number;
}

/**
 * The largest `+SYSMFG` value, in bytes, the client reads as a length-prefixed binary value: 4000, the
 * NVS limit for a string value (ESP-IDF) and far above anything this package stores (the record is
 * under 100 bytes). A read announcing more is framed as an ordinary text line instead, so one flipped
 * digit in the length field cannot make the client swallow everything that follows.
 */
export const SYSMFG_MAX_VALUE_BYTES = 4000;

/**
 * Bounds on what the client holds. Every buffer is capped so that a noisy or hostile line costs at
 * most this much memory, whatever it sends.
 */
export const AT_LIMITS = {
  /** Longest line without CR/LF; longer input is dropped as garbage. */
  lineBytes: 8192,
  /** Most detail bytes one response may carry before it is failed as garbled. */
  responseBytes: 65536,
  /** Most detail lines one response may carry before it is failed as garbled. */
  responseLines: 1024,
  /** Most commands waiting behind the one in flight; more are refused with reason `busy`. */
  queuedCommands: 256,
} as const;

/** Per-command options of {@link AtClient.send}. */
export interface SendOptions {
  /** Timeout for this command's final result (default: the client's `commandTimeoutMs`). */
  timeoutMs?: number;
}

/** A successful command's answer. */
export interface AtResponse {
  /** Every line the module sent for this command before the final result (detail and free text). */
  lines: string[];
  /** The final result line (`OK`, `SEND OK`, `SET OK`). */
  result: string;
}

/** Events of {@link AtClient}. */
export interface AtClientEvents {
  /** A line that belongs to no command: `ready`, `WIFI GOT IP`, `busy p...`, `ERR CODE:…`, `+…` from other commands. */
  unsolicited: (line: string) => void;
  /** The module (re)booted and printed `ready`. Echo is switched off again automatically. */
  ready: () => void;
  /** Bytes that are not a valid AT line were received and dropped. */
  garbage: (bytes: Uint8Array) => void;
  /** A command got no answer in time; the next command first re-synchronises with the module. */
  timeout: (command: string) => void;
  /** The serial port closed or failed. */
  disconnected: (error: AtError) => void;
  /** The port was re-opened after a close (transport given as a function). */
  reconnected: () => void;
  /** Socket data on a link (`+IPD,<link>,<len>:<data>`, multiple connections), framed by its length. */
  ipd: (link: number, data: Uint8Array) => void;
}

type EntryKind = 'normal' | 'restart' | 'sync' | 'init';

interface Entry {
  kind: EntryKind;
  command: string;
  label: string;
  data?: Uint8Array;
  timeoutMs: number;
  resolve: (r: AtResponse) => void;
  reject: (e: AtError) => void;
  lines: string[];
  phase: 'final' | 'prompt' | 'ready';
  busy: number;
  garbled: boolean;
  errCode?: number;
  /** For a sync probe: the command that waits behind it. */
  parent?: Entry;
  sawMarker?: boolean;
  /** For `AT+SYSMFG=1,<ns>,<key>`: the one value line whose length field frames a binary read. */
  value?: { namespace: string; key: string };
  /** Detail bytes received so far (bounded by `AT_LIMITS.responseBytes`). */
  bytes: number;
  /** Why the response is garbled, for the error message. */
  garbledWhy?: string;
}

const FINAL_OK = ['OK', 'SEND OK', 'SET OK'];
const FINAL_ERROR = ['ERROR', 'SEND FAIL', 'FAIL'];
const UNSOLICITED_EXACT = ['ready', 'WIFI CONNECTED', 'WIFI GOT IP', 'WIFI DISCONNECT', 'WIFI GOT IPv6 LL', 'WIFI GOT IPv6 GL'];
// A link opened or closed (multiple connections): never part of a command's answer.
const LINK_STATE = /^[0-4],(CONNECT|CLOSED|CONNECT FAIL)$/;
// A station joined or left the module's SoftAP.
const SOFTAP_STATION = /^\+(STA_CONNECTED|STA_DISCONNECTED|DIST_STA_IP):/;
const SYNC_COMMAND = 'AT+SYSSTORE?';
const SYNC_MARKER = '+SYSSTORE:';
const MAX_LINE = AT_LIMITS.lineBytes;
// Namespace, key, type and length of a value line. Names are at most 15 characters (NVS), the type one
// digit and the length at most 10 digits: anything longer is not a value header.
const SYSMFG_HEADER = /^\+SYSMFG:"((?:[^"\\]|\\.){1,15})","((?:[^"\\]|\\.){1,15})",(\d),(\d{1,10}),/;
const SYSMFG_HEADER_MAX = 64;

/** The namespace and key a `AT+SYSMFG=1,<ns>,<key>[,<offset>,<length>]` read asks for, if it is one. */
function valueReadOf(command: string): { namespace: string; key: string } | undefined {
  if (!command.startsWith('AT+SYSMFG=1,')) return undefined;
  let args: Array<string | undefined>;
  try {
    args = splitAtArgs(command.slice('AT+SYSMFG='.length));
  } catch {
    return undefined;
  }
  const ns = args[1];
  const key = args[2];
  return ns !== undefined && key !== undefined ? { namespace: ns, key } : undefined;
}

/** Undo the module's quoting of a name in a response line. */
function unquoteName(raw: string): string {
  return raw.replace(/\\(.)/g, '$1');
}

/** The command as shown in errors: its name, with any arguments elided (they may hold a passphrase). */
function labelOf(command: string): string {
  const eq = command.indexOf('=');
  return eq < 0 ? command : command.slice(0, eq + 1) + '…';
}

function isBusy(line: string): boolean {
  return line.startsWith('busy p') || line.startsWith('busy s');
}

function isGarbled(bytes: Uint8Array, text: string): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09) || b === 0x7f) return true;
  }
  return text.includes('\uFFFD');
}

/**
 * A client for Espressif's ESP-AT firmware over any Node `Duplex` (a `SerialPort`, the simulator, a
 * socket). One command is in flight at a time; the rest wait in a queue.
 *
 * What it handles so callers do not have to:
 * - echo: `ATE0` is sent on open and after every `ready`; echoed command lines are dropped anyway;
 * - unsolicited lines (`ready`, `WIFI …`, `busy p...`, `ERR CODE:…`, `+X:` lines of other commands) are
 *   taken out of responses at any point, even mid-response, and emitted as `unsolicited`;
 * - `busy p...`: the command was refused, so it is re-sent after `busyRetryDelayMs`;
 * - `AT+RST` / `AT+RESTORE` ({@link AtClient.restart}) resolve only once the module printed `ready`;
 * - the `>` prompt of data-carrying commands ({@link AtClient.sendData});
 * - length-prefixed binary values in `+SYSMFG:` read responses;
 * - a silent module, garbled bytes or a closed port reject the command with an {@link AtError} —
 *   never a hang — and the client re-synchronises (or re-opens the port) before the next command.
 *
 * @example
 * ```ts
 * const client = new AtClient(() => openSerial('/dev/ttyUSB0'));
 * await client.open();
 * const { lines } = await client.send('AT+CWSTATE?'); // ['+CWSTATE:2,"HomeNet"']
 * ```
 */
export class AtClient extends EventEmitter<AtClientEvents> {
  /** The clock every timeout runs on. */
  readonly clock: Clock;
  private readonly transport: AtTransport;
  private readonly opts: Required<Omit<AtClientOptions, 'clock'>>;
  private stream: Duplex | undefined;
  private detach: (() => void) | undefined;
  private buf: Uint8Array = new Uint8Array(0);
  private queue: Entry[] = [];
  private current: Entry | undefined;
  private timer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private needsSync = false;
  private closedByUser = false;
  private opening: Promise<void> | undefined;
  private draining = false;
  private pumpDeferred = false;
  private lineFilters: Array<(line: string) => boolean> = [];

  /**
   * @param transport - an open stream, or a function that opens one (then a closed port is re-opened)
   * @param options - timeouts and back-off; see {@link AtClientOptions}
   */
  constructor(transport: AtTransport, options: AtClientOptions = {}) {
    super();
    this.transport = transport;
    this.clock = options.clock ?? defaultClock;
    this.opts = {
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
      readyTimeoutMs: options.readyTimeoutMs ?? 10000,
      busyRetryDelayMs: options.busyRetryDelayMs ?? 200,
      busyRetries: options.busyRetries ?? 100,
      reconnectDelayMs: options.reconnectDelayMs ?? 1000,
    };
  }

  /** True while a port is attached. */
  get isOpen(): boolean {
    return this.stream !== undefined;
  }

  /**
   * Bytes received but not yet framed into a line (diagnostics). Never more than a line
   * (`AT_LIMITS.lineBytes`) or one binary value with its header (`SYSMFG_MAX_VALUE_BYTES` + 64).
   */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  /**
   * Attach the port (opening it when the transport is a function) and switch echo off. Resolves once
   * the module answered `ATE0`; rejects with an {@link AtError} when it does not.
   */
  async open(): Promise<void> {
    this.closedByUser = false;
    if (!this.stream) {
      if (!this.opening) this.opening = this.attachTransport().finally(() => (this.opening = undefined));
      await this.opening;
    }
    await this.enqueue({ kind: 'init', command: 'ATE0' });
  }

  /**
   * Send one command and wait for its final result.
   *
   * @param command - the full command without line ending, e.g. `AT+CWMODE=1` (quote string arguments
   *   with {@link atQuote})
   * @returns the lines that belong to the command and its final result
   * @throws {@link AtError} on `ERROR`, timeout, closed port, garbled response, reboot or endless busy
   */
  send(command: string, options: SendOptions = {}): Promise<AtResponse> {
    return this.enqueue({ kind: 'normal', command, timeoutMs: options.timeoutMs });
  }

  /**
   * Send a command that answers with the `>` prompt (e.g. `AT+SYSMFG=2,"ns","key",7,<len>`), then
   * exactly `data` once the prompt arrived, and wait for the final result.
   */
  sendData(command: string, data: Uint8Array | string, options: SendOptions = {}): Promise<AtResponse> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return this.enqueue({ kind: 'normal', command, data: bytes, timeoutMs: options.timeoutMs });
  }

  /**
   * Run `AT+RST` or `AT+RESTORE` and wait until the module printed `ready` (echo is then switched off
   * again before any other command runs).
   */
  async restart(command: 'AT+RST' | 'AT+RESTORE' = 'AT+RST'): Promise<void> {
    await this.enqueue({ kind: 'restart', command });
  }

  /**
   * Take lines out of the stream before anything else sees them: `filter` is called with every
   * complete, non-garbled line (except `ready` and the echo); when it returns true the line is
   * consumed — it is neither emitted as `unsolicited` nor added to the response in flight, so it can
   * never reach an error message. For messages the module prints on its own that may carry a secret
   * (SmartConfig's `password:` line). Returns a function that removes the filter.
   */
  addLineFilter(filter: (line: string) => boolean): () => void {
    this.lineFilters.push(filter);
    return () => {
      const i = this.lineFilters.indexOf(filter);
      if (i >= 0) this.lineFilters.splice(i, 1);
    };
  }

  /** Detach and close the port; pending commands fail with reason `closed`. No reconnection follows. */
  async close(): Promise<void> {
    this.closedByUser = true;
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const s = this.stream;
    this.dropStream(atError({ reason: 'closed', command: '', lines: [] }, 'AT client closed'));
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
  }

  private enqueue(spec: { kind: EntryKind; command: string; data?: Uint8Array; timeoutMs?: number }): Promise<AtResponse> {
    return new Promise<AtResponse>((resolve, reject) => {
      const entry: Entry = {
        kind: spec.kind,
        command: spec.command,
        label: labelOf(spec.command),
        data: spec.data,
        timeoutMs: spec.timeoutMs ?? this.opts.commandTimeoutMs,
        resolve,
        reject,
        lines: [],
        phase: 'final',
        busy: 0,
        garbled: false,
        bytes: 0,
      };
      if (!this.stream) {
        const why = this.closedByUser || typeof this.transport !== 'function' ? 'port is closed' : 'port is closed; reconnecting';
        reject(atError({ reason: 'closed', command: entry.label, lines: [] }, `${entry.label} not sent: ${why}`));
        return;
      }
      if (this.queue.length >= AT_LIMITS.queuedCommands) {
        reject(
          atError(
            { reason: 'busy', command: entry.label, lines: [] },
            `${entry.label} not sent: ${this.queue.length} commands are already waiting (at most ${AT_LIMITS.queuedCommands})`,
          ),
        );
        return;
      }
      this.queue.push(entry);
      this.pump();
    });
  }

  private async attachTransport(): Promise<void> {
    const t = this.transport;
    const stream = typeof t === 'function' ? await t() : t;
    if (stream.destroyed) {
      throw atError({ reason: 'closed', command: '', lines: [] }, 'serial port is already closed');
    }
    this.stream = stream;
    this.buf = new Uint8Array(0);
    const onData = (chunk: Uint8Array | string): void => {
      this.onData(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    };
    const onClose = (): void => this.onStreamEnd(undefined);
    const onError = (err: Error): void => this.onStreamEnd(err);
    stream.on('data', onData);
    stream.on('close', onClose);
    stream.on('end', onClose);
    stream.on('error', onError);
    this.detach = () => {
      stream.off('data', onData);
      stream.off('close', onClose);
      stream.off('end', onClose);
      stream.off('error', onError);
    };
  }

  private onStreamEnd(err: Error | undefined): void {
    if (!this.stream) return;
    const e = atError(
      { reason: 'closed', command: this.current ? this.current.label : '', lines: [] },
      err ? `serial port failed: ${err.message}` : 'serial port closed',
      err,
    );
    this.dropStream(e);
    this.emit('disconnected', e);
    if (!this.closedByUser && typeof this.transport === 'function') this.scheduleReconnect();
  }

  private dropStream(e: AtError): void {
    if (this.detach) this.detach();
    this.detach = undefined;
    this.stream = undefined;
    this.clearTimers();
    const pending = this.current ? [this.current, ...this.queue] : this.queue.slice();
    this.current = undefined;
    this.queue = [];
    for (const p of pending) {
      const label = p.label;
      p.reject(atError({ reason: 'closed', command: label, lines: p.lines }, `${label} failed: ${e.message}`, e));
      if (p.parent) p.parent.reject(atError({ reason: 'closed', command: p.parent.label, lines: [] }, `${p.parent.label} failed: ${e.message}`, e));
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined) return;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser) return;
      this.attachTransport().then(
        () => {
          // After a reconnect we cannot know what the module did meanwhile: sync before anything else.
          this.needsSync = true;
          this.enqueue({ kind: 'init', command: 'ATE0' }).then(
            () => this.emit('reconnected'),
            () => this.emit('reconnected'),
          );
        },
        () => this.scheduleReconnect(),
      );
    }, this.opts.reconnectDelayMs);
  }

  private clearTimers(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
  }

  private pump(): void {
    // Everything still in the buffer was printed before the next command could have been sent, so none
    // of it may be taken for that command's answer: start it only once the buffer is drained.
    if (this.draining) {
      this.pumpDeferred = true;
      return;
    }
    if (this.current || !this.stream || this.queue.length === 0) return;
    let next = this.queue.shift()!;
    if (this.needsSync && next.kind !== 'sync') {
      next = this.internalEntry('sync', SYNC_COMMAND, next);
    }
    this.start(next);
  }

  private start(entry: Entry): void {
    this.current = entry;
    entry.lines = [];
    entry.bytes = 0;
    entry.garbled = false;
    entry.garbledWhy = undefined;
    entry.sawMarker = false;
    entry.phase = entry.data ? 'prompt' : 'final';
    // Only the command in flight may frame a binary value, and only once.
    entry.value = entry.kind === 'normal' && !entry.data ? valueReadOf(entry.command) : undefined;
    this.write(entry.command + '\r\n');
    this.arm(entry.timeoutMs);
  }

  private write(text: string | Uint8Array): void {
    if (this.stream) this.stream.write(typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text));
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onTimeout();
    }, ms);
  }

  private onTimeout(): void {
    const e = this.current;
    if (!e) return;
    this.current = undefined;
    this.needsSync = true;
    // Whatever is half-received belongs to the command that just failed (a value whose length field
    // was wrong, a line cut short): drop it, so the answer to the re-sync starts from a clean line.
    if (this.buf.length > 0) {
      const stale = this.buf;
      this.buf = new Uint8Array(0);
      this.emit('garbage', stale);
    }
    this.abandonDataPhase(e);
    const what =
      e.phase === 'ready' ? 'did not print ready' : e.phase === 'prompt' ? 'sent no > prompt (the value may still have been written)' : 'got no answer';
    const ms = e.phase === 'ready' ? this.opts.readyTimeoutMs : e.timeoutMs;
    if (e.kind === 'sync' && e.parent) {
      e.parent.reject(
        atError({ reason: 'timeout', command: e.parent.label, lines: [] }, `${e.parent.label} not sent: the module is not answering (no reply to ${SYNC_COMMAND} within ${ms} ms)`),
      );
    } else {
      e.reject(atError({ reason: 'timeout', command: e.label, lines: e.lines }, `${e.label} ${what} within ${ms} ms`));
    }
    this.emit('timeout', e.label);
    this.pump();
  }

  /**
   * A data-carrying command ended before its data was sent (no `>` seen: timeout, ERROR, garbage).
   * The `>` may have been lost while the module waits in its data phase; then whatever we sent next
   * (the re-sync) would be stored as the value. Send the intended bytes instead, so the value written
   * can only be the one asked for; a module that never entered the data phase reads them, with the
   * CR/LF, as one bad command line (its ERROR is absorbed by the re-sync). Data holding CR or LF is not
   * sent that way: its lines could run as commands.
   */
  private abandonDataPhase(e: Entry): void {
    if (e.phase !== 'prompt' || !e.data) return;
    this.needsSync = true;
    if (e.data.includes(0x0d) || e.data.includes(0x0a)) return;
    this.write(e.data);
    this.write('\r\n');
  }

  /**
   * Re-synchronise with the module before the next command (an `AT+SYSSTORE?` probe that skips any
   * late answer). For callers that received an answer that cannot be right, e.g. a read without its
   * value line: a stray result line may have been taken for this command's, and the real one is
   * still on its way.
   */
  resync(): void {
    this.needsSync = true;
  }

  private finish(entry: Entry, outcome: { ok: true; result: string } | { ok: false; reason: AtFailureReason; message: string }): void {
    this.clearTimers();
    this.current = undefined;
    if (!outcome.ok && outcome.reason !== 'reset') {
      this.abandonDataPhase(entry);
      // A garbled answer may hide a result line that belongs to nobody yet.
      if (outcome.reason === 'garbled') this.needsSync = true;
    }
    if (entry.kind === 'sync') {
      if (outcome.ok) {
        this.needsSync = false;
        if (entry.parent) this.queue.unshift(entry.parent);
        this.pump();
        return;
      }
      if (entry.parent) {
        entry.parent.reject(atError({ reason: outcome.reason, command: entry.parent.label, lines: [] }, `${entry.parent.label} not sent: ${outcome.message}`));
      }
    } else if (outcome.ok) {
      entry.resolve({ lines: entry.lines, result: outcome.result });
    } else {
      entry.reject(atError({ reason: outcome.reason, command: entry.label, lines: entry.lines, errCode: entry.errCode }, outcome.message));
    }
    this.pump();
  }

  private onData(chunk: Uint8Array): void {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    this.buf = merged;
    this.draining = true;
    try {
      this.drain();
    } finally {
      this.draining = false;
    }
    if (this.pumpDeferred) {
      this.pumpDeferred = false;
      this.pump();
    }
  }

  private drain(): void {
    for (;;) {
      let b = this.buf;
      let start = 0;
      while (start < b.length && (b[start] === 0x0d || b[start] === 0x0a)) start++;
      if (start > 0) this.buf = b = b.subarray(start);
      if (b.length === 0) return;

      if (b[0] === 0x2b /* + */) {
        // Socket data may arrive at any point, even inside a response: framed by its length, never a line.
        const ipd = frameIpd(b);
        if (ipd === 'wait') return;
        if (ipd !== 'line') {
          this.buf = b.subarray(ipd.consumed);
          this.emit('ipd', ipd.link, ipd.data);
          continue;
        }
      }

      const cur = this.current;
      if (cur && cur.phase === 'prompt' && b[0] === 0x3e /* > */) {
        this.buf = b.subarray(b.length > 1 && b[1] === 0x20 ? 2 : 1);
        cur.phase = 'final';
        this.write(cur.data!);
        this.arm(cur.timeoutMs);
        continue;
      }

      const framed = cur && cur.value && cur.phase === 'final' && b[0] === 0x2b /* + */ ? this.frameValue(cur, b) : 'line';
      if (framed === 'wait') return;
      if (framed === 'taken') continue;

      let nl = -1;
      for (let i = 0; i < b.length; i++) {
        if (b[i] === 0x0a || b[i] === 0x0d) {
          nl = i;
          break;
        }
      }
      if (nl < 0) {
        if (b.length > MAX_LINE) {
          this.buf = new Uint8Array(0);
          this.onGarbage(b);
        }
        return;
      }
      const lineBytes = b.subarray(0, nl);
      this.buf = b.subarray(nl + 1);
      this.onLine(lineBytes, new TextDecoder().decode(lineBytes), false);
    }
  }

  /**
   * Frame the value line of the `AT+SYSMFG` read in flight by its length field, so a binary value may
   * hold CR/LF. The length is trusted only when the header names the key asked for, is at most
   * {@link SYSMFG_MAX_VALUE_BYTES}, and the value is followed by CR LF as ESP-AT prints it; anything
   * else is read as an ordinary line (and a wrong length marks the response garbled).
   */
  private frameValue(cur: Entry, b: Uint8Array): 'wait' | 'taken' | 'line' {
    const want = cur.value!;
    const headBytes = b.subarray(0, Math.min(b.length, SYSMFG_HEADER_MAX));
    const head = Buffer.from(headBytes).toString('latin1');
    const prefix = '+SYSMFG:';
    if (!head.startsWith(prefix.slice(0, Math.min(head.length, prefix.length)))) return 'line';
    const m = SYSMFG_HEADER.exec(head);
    if (!m) {
      // Not yet a whole header: wait for more, unless a line ends first or the header cannot fit.
      const ended = headBytes.includes(0x0a) || headBytes.includes(0x0d);
      return ended || head.length >= SYSMFG_HEADER_MAX ? 'line' : 'wait';
    }
    if (unquoteName(m[1]!) !== want.namespace || unquoteName(m[2]!) !== want.key) return 'line';
    const length = Number(m[4]);
    if (length > SYSMFG_MAX_VALUE_BYTES) return 'line';
    const total = m[0].length + length;
    if (b.length < total + 2) return 'wait';
    if (b[total] !== 0x0d || b[total + 1] !== 0x0a) {
      cur.value = undefined;
      this.markGarbled(cur, `the +SYSMFG length field (${length}) does not match the value that followed`);
      return 'line';
    }
    cur.value = undefined;
    const lineBytes = b.subarray(0, total);
    this.buf = b.subarray(total);
    this.onLine(lineBytes, new TextDecoder().decode(lineBytes), true);
    return 'taken';
  }

  private markGarbled(cur: Entry, why: string): void {
    cur.garbled = true;
    if (cur.garbledWhy === undefined) cur.garbledWhy = why;
  }

  private onGarbage(bytes: Uint8Array): void {
    if (this.current) this.markGarbled(this.current, 'bytes that are not a valid AT line arrived');
    this.emit('garbage', bytes);
  }

  private onLine(bytes: Uint8Array, line: string, binary: boolean): void {
    if (!binary && isGarbled(bytes, line)) {
      this.onGarbage(bytes);
      return;
    }
    const cur = this.current;

    if (line === 'ready') {
      this.emit('unsolicited', line);
      // The module rebooted: echo is back on and no stale answer can still arrive. Switch echo off
      // before anything else runs.
      this.needsSync = false;
      this.queue.unshift(this.makeInit());
      if (cur) {
        if (cur.kind === 'sync') {
          this.clearTimers();
          this.current = undefined;
          if (cur.parent) this.queue.splice(1, 0, cur.parent);
          this.pump();
        } else if (cur.kind === 'restart') {
          this.finish(cur, { ok: true, result: 'ready' });
        } else if (cur.kind === 'init' && cur.command === 'ATE0') {
          // Our ATE0 raced the boot; the one queued above runs next.
          this.finish(cur, { ok: true, result: 'ready' });
        } else if (cur.data && cur.phase === 'prompt') {
          // The command may have reached the module just after its boot: then it is in its data phase
          // and would store the ATE0 sent next as the value. Keep waiting for the > (its timeout
          // completes the data phase with the intended bytes, see abandonDataPhase).
        } else {
          this.finish(cur, { ok: false, reason: 'reset', message: `${cur.label} interrupted: the module restarted (ready) before answering` });
          // It may also have reached the module just after the boot, and its answer is still coming.
          this.needsSync = true;
        }
      } else {
        this.pump();
      }
      this.emit('ready');
      return;
    }

    if (cur && line === cur.command) return; // echo (ATE1 after a boot we have not seen yet)

    for (const filter of this.lineFilters.slice()) {
      let taken = false;
      try {
        taken = filter(line);
      } catch {
        // A filter's failure must not stop the client; the line goes on as usual.
      }
      if (taken) return;
    }

    if (isBusy(line)) {
      this.emit('unsolicited', line);
      // A write waiting for its > is never re-sent: if the busy p... was noise and the > was lost, the
      // module is in its data phase and would store the re-sent command as the value. It waits for
      // the > until its timeout instead (which completes any data phase with the intended bytes).
      if (cur && cur.lines.length === 0 && cur.phase !== 'ready' && !(cur.data && cur.phase === 'prompt')) this.onBusy(cur);
      return;
    }

    if (line.startsWith('ERR CODE:')) {
      const code = Number.parseInt(line.slice(9), 16);
      if (cur && !Number.isNaN(code)) cur.errCode = code;
      this.emit('unsolicited', line);
      return;
    }

    if (UNSOLICITED_EXACT.includes(line) || LINK_STATE.test(line) || SOFTAP_STATION.test(line) || !cur) {
      this.emit('unsolicited', line);
      return;
    }

    if (FINAL_OK.includes(line)) {
      if (cur.kind === 'sync' && !cur.sawMarker) return; // a stale answer to a command that timed out
      if (cur.phase === 'prompt') return; // OK before the > prompt
      if (cur.kind === 'restart') {
        cur.phase = 'ready';
        this.arm(this.opts.readyTimeoutMs);
        return;
      }
      if (cur.phase === 'ready') return;
      if (cur.garbled) {
        const why = cur.garbledWhy ?? 'bytes that are not a valid AT line arrived';
        this.finish(cur, { ok: false, reason: 'garbled', message: `${cur.label} answered with garbled bytes (${why}); response discarded` });
      } else {
        this.finish(cur, { ok: true, result: line });
      }
      return;
    }

    if (FINAL_ERROR.includes(line)) {
      if (cur.kind === 'sync' && !cur.sawMarker) return;
      if (cur.phase === 'ready') return;
      const detail = cur.lines.length ? ` (${cur.lines.join(' | ')})` : '';
      const code = cur.errCode !== undefined ? ` ERR CODE 0x${cur.errCode.toString(16).padStart(8, '0')}` : '';
      this.finish(cur, { ok: false, reason: 'error', message: `${cur.label} failed: ${line}${detail}${code}` });
      return;
    }

    if (line.startsWith('+')) {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(1, colon) : line.slice(1);
      const cmdName = cur.command.slice(3).split(/[=?]/)[0];
      if (name !== cmdName) {
        this.emit('unsolicited', line);
        return;
      }
      if (cur.kind === 'sync' && line.startsWith(SYNC_MARKER)) cur.sawMarker = true;
    }
    cur.bytes += bytes.length;
    if (cur.bytes > AT_LIMITS.responseBytes || cur.lines.length >= AT_LIMITS.responseLines) {
      // A module (or a line) that never stops talking: keep the bound, fail the command at its result.
      this.markGarbled(cur, `the response exceeded ${AT_LIMITS.responseLines} lines or ${AT_LIMITS.responseBytes} bytes`);
      return;
    }
    cur.lines.push(line);
  }

  private makeInit(): Entry {
    return this.internalEntry('init', 'ATE0');
  }

  /** A command the client sends on its own behalf (echo off, re-sync); nobody awaits its result. */
  private internalEntry(kind: 'init' | 'sync', command: string, parent?: Entry): Entry {
    const entry: Entry = {
      kind,
      command,
      label: command,
      timeoutMs: this.opts.commandTimeoutMs,
      resolve: () => undefined,
      reject: () => undefined,
      lines: [],
      phase: 'final',
      busy: 0,
      garbled: false,
      bytes: 0,
    };
    if (parent) entry.parent = parent;
    return entry;
  }

  private onBusy(cur: Entry): void {
    cur.busy++;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (cur.busy > this.opts.busyRetries) {
      this.finish(cur, { ok: false, reason: 'busy', message: `${cur.label} refused: the module stayed busy after ${this.opts.busyRetries} retries` });
      return;
    }
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.current !== cur) return;
      this.start(cur);
    }, this.opts.busyRetryDelayMs);
  }
}
