// Incoming Improv serial frames out of a byte stream shared with other traffic (a console, a REPL).
import type { Clock, TimerHandle } from '@provision/core';
import { MAGIC } from './frame';

/** What the decoder reports. */
export interface ImprovDecoderHandlers {
  /** A complete frame with a good checksum: `length` bytes of `data`. */
  frame(type: number, data: Uint8Array, length: number): void;
  /** A frame was dropped; `why` says what was wrong (for a log line). */
  drop(why: string): void;
  /**
   * Bytes that are not Improv, in order, as a byte string (one character per byte), e.g. for the REPL
   * that shares the port. A run that starts like a frame (`I`, `IM`, … `IMPROV`) is held until it
   * diverges from `IMPROV` + version 1, or until the idle gap passes, then handed over unchanged. The
   * newline a client writes right after a frame belongs to the frame and is not passed on.
   */
  other?(bytes: string): void;
}

/** Options of {@link ImprovDecoder}. */
export interface ImprovDecoderOptions {
  /** Time, for the idle gap. */
  clock: Clock;
  /** A partial frame is dropped after this many milliseconds without a byte (default 100, as ESPHome). */
  idleMs?: number;
  /** Largest data length accepted, 0..255 (default 255); longer frames are dropped unread. */
  maxData?: number;
}

/**
 * Splits a byte stream into Improv frames. Memory is bounded: one buffer of the announced length
 * (at most `maxData` bytes), held only while a frame is received. Bytes in a frame that turns out broken (bad checksum, too long, cut off by the idle
 * gap) are dropped; bytes that never became a frame are passed to `other`.
 *
 * @example
 * ```ts
 * const dec = new ImprovDecoder({ clock }, { frame: (type, data, n) => …, drop: (why) => log(why) });
 * port.on('data', (chunk) => dec.feed(chunk));
 * ```
 */
export class ImprovDecoder {
  private readonly clock_: Clock;
  private readonly idleMs_: number;
  private readonly max_: number;
  private readonly on_: ImprovDecoderHandlers;
  /** The frame's data, allocated once its length is known and dropped after it (RAM is scarce on Espruino). */
  private buf_: Uint8Array | undefined;
  /** Bytes of the current frame so far (0: between frames). */
  private pos_ = 0;
  private sum_ = 0;
  private type_ = 0;
  private len_ = 0;
  /** Bytes of an oversized frame still to skip. */
  private skip_ = 0;
  private last_ = 0;
  private timer_: TimerHandle | undefined;
  private pending_ = '';
  /** A frame just ended: a newline right after it is the frame's own (writers append one). */
  private nl_?: boolean;

  constructor(options: ImprovDecoderOptions, handlers: ImprovDecoderHandlers) {
    const idle = options.idleMs === undefined ? 100 : options.idleMs;
    const max = options.maxData === undefined ? 255 : options.maxData;
    if (!(idle > 0)) throw new Error(`improv idleMs must be a number of milliseconds above 0; got ${idle}`);
    if (!(max >= 0 && max <= 255 && max % 1 === 0)) throw new Error(`improv maxData must be an integer 0..255; got ${max}`);
    this.clock_ = options.clock;
    this.idleMs_ = idle;
    this.max_ = max;
    this.on_ = handlers;
  }

  /**
   * Feed received bytes: a byte string (Espruino's `Serial` `data` events) or bytes (a Node Buffer).
   * Never throws on any input (a handler that throws stops the rest of this chunk, the decoder stays
   * consistent).
   */
  feed(chunk: string | ArrayLike<number>): void {
    const now = this.clock_.now();
    if ((this.pos_ > 0 || this.skip_ > 0) && now - this.last_ > this.idleMs_) this.expire_();
    this.last_ = now;
    const str = typeof chunk === 'string';
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = str ? (chunk as string).charCodeAt(i) & 255 : (chunk as ArrayLike<number>)[i] & 255;
      const nl = this.nl_;
      this.nl_ = false;
      if (this.skip_ > 0) {
        if (--this.skip_ === 0) this.nl_ = true;
      } else if (this.pos_ === 0 && c !== 0x49) {
        if (!(nl && c === 10)) this.pending_ += String.fromCharCode(c);
      } else this.byte_(c);
    }
    this.flush_();
    const t = this.timer_;
    if (t !== undefined) this.clock_.clearTimeout(t);
    this.timer_ = undefined;
    if (this.pos_ > 0 || this.skip_ > 0) {
      this.timer_ = this.clock_.setTimeout(() => {
        this.timer_ = undefined;
        this.expire_();
        this.flush_();
      }, this.idleMs_);
    }
  }

  /** Drop the partial frame (or release a held prefix); stop the idle timer. */
  reset(): void {
    const t = this.timer_;
    if (t !== undefined) this.clock_.clearTimeout(t);
    this.timer_ = undefined;
    this.expire_();
    this.flush_();
  }

  /** True while a frame (or what may become one) is being received. */
  busy(): boolean {
    return this.pos_ > 0 || this.skip_ > 0;
  }

  private byte_(c: number): void {
    const p = this.pos_;
    if (p < 7) {
      if (c === MAGIC[p]) {
        this.pos_ = p + 1;
        this.sum_ += c;
        return;
      }
      // Not a frame after all: what was held goes on as other bytes, and this byte may start one.
      this.release_();
      if (c === 0x49) {
        this.pos_ = 1;
        this.sum_ = c;
      } else this.pending_ += String.fromCharCode(c);
      return;
    }
    this.sum_ += c;
    this.pos_ = p + 1;
    if (p === 7) this.type_ = c;
    else if (p === 8) {
      this.len_ = c;
      if (c > this.max_) {
        this.end_(`Improv frame dropped: ${c} data bytes announced, at most ${this.max_} accepted`);
        this.skip_ = c + 1;
      } else this.buf_ = new Uint8Array(c);
    } else if (p < 9 + this.len_) (this.buf_ as Uint8Array)[p - 9] = c;
    else {
      const sum = (this.sum_ - c) & 255;
      const type = this.type_;
      const len = this.len_;
      const data = this.buf_ as Uint8Array;
      if (sum !== c) this.end_(`Improv frame dropped: checksum ${c}, expected ${sum} (type ${type}, ${len} data bytes)`);
      else {
        this.end_(undefined);
        this.flush_();
        this.on_.frame(type, data, len);
      }
    }
  }

  /** The idle gap passed: a held prefix is other traffic, a partial frame is dropped. */
  private expire_(): void {
    if (this.skip_ > 0) this.skip_ = 0;
    else if (this.pos_ >= 7) this.end_(`Improv frame dropped: cut off after ${this.pos_} bytes (no byte for ${this.idleMs_} ms)`);
    else this.release_();
    // A newline after the gap is the next line's, not the end of a frame.
    this.nl_ = false;
  }

  private release_(): void {
    for (let i = 0; i < this.pos_; i++) this.pending_ += String.fromCharCode(MAGIC[i]);
    this.pos_ = 0;
    this.sum_ = 0;
  }

  private end_(why: string | undefined): void {
    this.buf_ = undefined;
    this.pos_ = 0;
    this.sum_ = 0;
    this.nl_ = true;
    if (why !== undefined) this.on_.drop(why);
  }

  /** Hand the other bytes collected so far on, in one piece. */
  private flush_(): void {
    const s = this.pending_;
    if (s.length === 0) return;
    this.pending_ = '';
    const other = this.on_.other;
    if (other) other(s);
  }
}
