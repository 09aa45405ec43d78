// The simulated module's SoftAP and TCP server (AT+CWSAP, AT+CIPMUX, AT+CIPSERVER, AT+CIPSEND, AT+CIPCLOSE, +IPD), and phones that join it and open TCP links.
import { Duplex } from 'node:stream';

/** What the SoftAP needs of the module it lives in. */
export interface SimSoftApHost {
  /** Print to the host. */
  out(data: string | Uint8Array): void;
  /** Answer the command in flight. */
  ok(lines?: string[]): void;
  error(lines?: string[], errCode?: number): void;
  /** The Wi-Fi mode now (bit 1: station, bit 2: SoftAP). */
  cwmode(): number;
  /** Whether set commands are stored in flash (`AT+SYSSTORE`). */
  sysstore(): boolean;
  /** Take the next `length` input bytes as data (the `>` phase), then call `done`. */
  dataPhase(length: number, done: (data: Uint8Array) => void): void;
}

/** Options of the simulated SoftAP. */
export interface SimSoftApOptions {
  /** The SoftAP's MAC (`AT+CIPAPMAC?`, default `26:0a:c4:12:3f:2a`). */
  mac?: string;
  /** Bytes per `+IPD` (the TCP segment size the module reads at once; default 1460). */
  segmentBytes?: number;
}

/** How a phone joins the access point and opens a TCP connection to the module's server. */
export interface SimPhoneOptions {
  /** The access point to join (default: whatever is up). */
  ssid?: string;
  /** Its password (needed unless it is open). */
  password?: string;
  /** Server port (default 80). */
  port?: number;
}

interface ApConfig {
  ssid: string;
  pwd: string;
  channel: number;
  ecn: number;
  maxConn: number;
}

const MAX_LINKS = 5;
const CIPSEND_MAX = 2048;

/**
 * A phone's TCP connection to the simulated module: write the bytes the phone sends, read what the
 * module sent it with `AT+CIPSEND`. Ends when either side closes (or the access point drops the phone).
 * Usable as the socket of `node:http`'s client (`createConnection`).
 */
export class SimPhoneLink extends Duplex {
  /** The link id the module reported (`<id>,CONNECT`). */
  readonly id: number;
  /** Every byte the module sent on this link, in order. */
  readonly received: Uint8Array[] = [];
  private readonly onSend: (bytes: Uint8Array) => void;
  private readonly onClose: () => void;
  private ended = false;

  /** @internal */
  constructor(id: number, onSend: (bytes: Uint8Array) => void, onClose: () => void) {
    super();
    this.id = id;
    this.onSend = onSend;
    this.onClose = onClose;
  }

  /** True once the link is closed (by either side). */
  get linkClosed(): boolean {
    return this.ended;
  }

  /** @internal The module sent bytes on this link. */
  deliver(bytes: Uint8Array): void {
    if (this.ended) return;
    this.received.push(Uint8Array.from(bytes));
    this.push(Buffer.from(bytes));
  }

  /** @internal The module (or the access point) closed the link. */
  hangUp(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
    setImmediate(() => this.destroy());
  }

  override _read(): void {
    // Bytes are pushed as the module sends them.
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    if (this.ended) return cb(new Error(`link ${this.id} is closed`));
    this.onSend(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    cb();
  }

  override _final(cb: (error?: Error | null) => void): void {
    this.closeFromPhone();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.closeFromPhone();
    cb(err);
  }

  private closeFromPhone(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose();
  }

  // What node:http's client asks of a net.Socket; nothing to do on a simulated link.
  /** No-op (a `net.Socket` method `node:http` calls). */
  setKeepAlive(): this {
    return this;
  }
  /** No-op (a `net.Socket` method `node:http` calls). */
  setNoDelay(): this {
    return this;
  }
  /** No-op (a `net.Socket` method `node:http` calls). */
  setTimeout(): this {
    return this;
  }
  /** No-op (a `net.Socket` method `node:http` calls). */
  ref(): this {
    return this;
  }
  /** No-op (a `net.Socket` method `node:http` calls). */
  unref(): this {
    return this;
  }
}

/**
 * The SoftAP and TCP server of the simulated module, as ESP-AT documents them: `AT+CWSAP` (needs mode
 * 2 or 3; ecn 0 open, 2..4 WPA/WPA2 with an 8..64-character password), `AT+CIPMUX=1`,
 * `AT+CIPSERVER=1,<port>` / `=0[,1]`, `AT+CIPSEND=<link>,<len>` (≤ 2048 bytes: `OK`, `>`, then
 * `Recv <len> bytes` and `SEND OK`, or `SEND FAIL` when the link went away), `AT+CIPCLOSE=<link>`,
 * `AT+CIPAPMAC?`; `<link>,CONNECT` / `<link>,CLOSED` and `+IPD,<link>,<len>:<data>` unsolicited.
 * A station join on another channel moves the SoftAP and drops its phones, as the single radio does.
 */
export class SimSoftAp {
  private readonly host: SimSoftApHost;
  private readonly mac: string;
  private readonly segmentBytes: number;
  private ap: ApConfig | undefined;
  private flashAp: ApConfig | undefined;
  private mux = 0;
  private server: { port: number } | undefined;
  private readonly links = new Map<number, SimPhoneLink>();
  /** How many times phones were dropped by a channel change (for assertions). */
  channelSwitches = 0;

  /** @internal */
  constructor(host: SimSoftApHost, options: SimSoftApOptions = {}) {
    this.host = host;
    this.mac = options.mac ?? '26:0a:c4:12:3f:2a';
    this.segmentBytes = options.segmentBytes ?? 1460;
  }

  /** The access point now (name, channel, open or not), or undefined when it is down. */
  get accessPoint(): { ssid: string; channel: number; open: boolean } | undefined {
    const a = this.up();
    return a ? { ssid: a.ssid, channel: a.channel, open: a.ecn === 0 } : undefined;
  }

  /** The TCP server's port, or undefined. */
  get serverPort(): number | undefined {
    return this.server?.port;
  }

  /** Links open now. */
  get openLinks(): number {
    return this.links.size;
  }

  /**
   * A phone joins the access point and opens a TCP connection to the server ("connect a phone").
   * Throws when the access point is down or the name or password is wrong, when no server listens on
   * the port, or when every link is taken.
   */
  connectPhone(options: SimPhoneOptions = {}): SimPhoneLink {
    const ap = this.up();
    if (!ap) throw new Error('no access point is up');
    if (options.ssid !== undefined && options.ssid !== ap.ssid) throw new Error(`no access point named ${JSON.stringify(options.ssid)}`);
    if (ap.ecn !== 0 && options.password !== ap.pwd) throw new Error('wrong access point password');
    const port = options.port ?? 80;
    if (!this.server || this.server.port !== port || this.mux !== 1) throw new Error(`connection refused: no server on port ${port}`);
    let id = 0;
    while (id < MAX_LINKS && this.links.has(id)) id++;
    if (id >= MAX_LINKS) throw new Error('connection refused: every link is taken');
    const link: SimPhoneLink = new SimPhoneLink(
      id,
      (bytes) => this.fromPhone(link, bytes),
      () => {
        if (this.links.get(id) === link) {
          this.links.delete(id);
          this.host.out(`${id},CLOSED\r\n`);
        }
      },
    );
    this.links.set(id, link);
    this.host.out(`${id},CONNECT\r\n`);
    return link;
  }

  /** @internal Whether `AT<name>` is one of the SoftAP's commands. */
  handles(name: string): boolean {
    return name === '+CWSAP' || name === '+CIPMUX' || name === '+CIPSERVER' || name === '+CIPSEND' || name === '+CIPCLOSE' || name === '+CIPAPMAC';
  }

  /** @internal Run one of the SoftAP's commands. */
  execute(name: string, rest: string, args: Array<string | undefined>, num: (i: number) => number | undefined): void {
    const h = this.host;
    const query = rest === '?';
    const set = rest.startsWith('=');
    switch (name) {
      case '+CIPAPMAC':
        return query ? h.ok([`+CIPAPMAC:"${this.mac}"`]) : h.error();
      case '+CWSAP': {
        if ((h.cwmode() & 2) === 0) return h.error([], 0x010b0000);
        if (query) {
          const a = this.ap;
          return a ? h.ok([`+CWSAP:"${a.ssid}","${a.pwd}",${a.channel},${a.ecn},${a.maxConn},0`]) : h.error();
        }
        if (!set) return h.error();
        const ssid = args[0];
        const pwd = args[1] ?? '';
        const channel = num(2);
        const ecn = num(3);
        const maxConn = num(4) ?? 10;
        if (ssid === undefined || ssid.length < 1 || Buffer.byteLength(ssid) > 32 || channel === undefined || channel < 1 || channel > 13) return h.error([], 0x01030000);
        if (ecn === undefined || ![0, 2, 3, 4].includes(ecn) || (ecn !== 0 && (pwd.length < 8 || pwd.length > 64)) || maxConn < 1 || maxConn > 10) {
          return h.error([], 0x01030000);
        }
        this.dropAll();
        this.ap = { ssid, pwd: ecn === 0 ? '' : pwd, channel, ecn, maxConn };
        if (h.sysstore()) this.flashAp = { ...this.ap };
        return h.ok();
      }
      case '+CIPMUX':
        if (query) return h.ok([`+CIPMUX:${this.mux}`]);
        if (set && (num(0) === 0 || num(0) === 1) && args.length === 1) {
          // Only with every link closed, and never to single connection while the server runs.
          if (num(0) !== this.mux && (this.links.size > 0 || this.server)) return h.error([], 0x01030000);
          this.mux = num(0)!;
          return h.ok();
        }
        return h.error([], 0x01030000);
      case '+CIPSERVER': {
        if (!set) return h.error();
        const mode = num(0);
        if (mode === 1) {
          if (this.mux !== 1) return h.error([], 0x01030000);
          const port = num(1) ?? 333;
          if (port < 1 || port > 65535) return h.error([], 0x01030000);
          if (this.server) return this.server.port === port ? h.ok() : h.error([], 0x01030000);
          this.server = { port };
          return h.ok();
        }
        if (mode === 0) {
          if (!this.server) return h.error([], 0x01030000);
          this.server = undefined;
          if (num(1) === 1) this.closeAll();
          return h.ok();
        }
        return h.error([], 0x01030000);
      }
      case '+CIPCLOSE': {
        if (!set || this.mux !== 1) return h.error();
        const id = num(0);
        if (id === 5) {
          this.closeAll();
          return h.ok();
        }
        const link = id === undefined ? undefined : this.links.get(id);
        if (!link) return h.error([], 0x01030000);
        this.links.delete(id!);
        link.hangUp();
        h.out(`${id},CLOSED\r\n`);
        return h.ok();
      }
      case '+CIPSEND': {
        if (!set || this.mux !== 1) return h.error();
        const id = num(0);
        const len = num(1);
        const link = id === undefined ? undefined : this.links.get(id);
        if (!link || len === undefined || len < 1 || len > CIPSEND_MAX || args.length !== 2) return h.error([], 0x01030000);
        h.out('\r\nOK\r\n\r\n>');
        h.dataPhase(len, (data) => {
          if (link.linkClosed || this.links.get(id!) !== link) {
            h.out('\r\nSEND FAIL\r\n');
            return;
          }
          link.deliver(data);
          h.out(`\r\nRecv ${len} bytes\r\n\r\nSEND OK\r\n`);
        });
        return;
      }
      default:
        return h.error();
    }
  }

  /** @internal The module's Wi-Fi mode changed: without the SoftAP bit its phones are gone. */
  modeChanged(cwmode: number): void {
    if ((cwmode & 2) === 0) this.dropAll();
  }

  /** @internal The station starts joining a network on `channel`: one radio, so the SoftAP follows. */
  stationJoining(channel: number | undefined): void {
    const ap = this.up();
    if (!ap || channel === undefined || channel === ap.channel) return;
    ap.channel = channel;
    if (this.links.size > 0) this.channelSwitches++;
    this.dropAll();
  }

  /** @internal The module booted: server, links and RAM configuration are gone. */
  reset(): void {
    for (const link of this.links.values()) link.hangUp();
    this.links.clear();
    this.server = undefined;
    this.mux = 0;
    this.ap = this.flashAp ? { ...this.flashAp } : undefined;
  }

  private up(): ApConfig | undefined {
    return this.ap && (this.host.cwmode() & 2) !== 0 ? this.ap : undefined;
  }

  /** Phones leave the access point: every link closes (`<id>,CLOSED`). */
  private dropAll(): void {
    this.closeAll();
  }

  private closeAll(): void {
    for (const [id, link] of [...this.links]) {
      this.links.delete(id);
      link.hangUp();
      this.host.out(`${id},CLOSED\r\n`);
    }
  }

  private fromPhone(link: SimPhoneLink, bytes: Uint8Array): void {
    if (this.links.get(link.id) !== link) return;
    for (let off = 0; off < bytes.length; off += this.segmentBytes) {
      const seg = bytes.subarray(off, off + this.segmentBytes);
      this.host.out(`\r\n+IPD,${link.id},${seg.length}:`);
      this.host.out(Uint8Array.from(seg));
    }
  }
}
