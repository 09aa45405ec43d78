// The daemon's control socket: newline-delimited JSON requests on a root-only unix socket, bounded.
import net from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock, TimerHandle } from '@provision/core';
import { nodeClock } from '../clock';
import { adapterError, describe } from '../errors';

/** A request to the running daemon. */
export type ControlRequest = { cmd: 'status' } | { cmd: 'reset' } | { cmd: 'configure'; ssid: string; passphrase?: string };

/** Where the control socket lives unless the config says otherwise (systemd `RuntimeDirectory=provision`). */
export const DEFAULT_RUNTIME_DIR = '/run/provision';

/** The daemon's control socket: `<runtimeDir>/control.sock`. */
export function controlSocketPath(runtimeDir: string): string {
  return path.join(runtimeDir, 'control.sock');
}

/** The read-only socket for the `statusGroup`: `<runtimeDir>/status.sock`. */
export function statusSocketPath(runtimeDir: string): string {
  return path.join(runtimeDir, 'status.sock');
}

/** Bounds on what one client can make the daemon hold or wait for. */
export interface ControlLimits {
  /** Longest request line, bytes (without the newline). Longer → an error reply, then the connection is closed. Default 65536. */
  maxLineBytes: number;
  /** Connections served at once; one more gets an error reply and is closed. Default 8. */
  maxConnections: number;
  /** A connection with no complete request for this long is closed, ms. Default 30000. */
  idleMs: number;
}

/** The default {@link ControlLimits}. */
export const DEFAULT_CONTROL_LIMITS: ControlLimits = { maxLineBytes: 65536, maxConnections: 8, idleMs: 30000 };

/** Options for {@link serveControl}. */
export interface ServeControlOptions {
  /** Time source for the idle timeout. Default the Node clock. */
  clock?: Clock;
  /** Override some of the {@link DEFAULT_CONTROL_LIMITS}. */
  limits?: Partial<ControlLimits>;
  /**
   * Open the socket to this group (mode 0660, group `gid`) once it is bound. It is created 0600 all the
   * same, so it only ever widens. Default: the daemon's user only (0600).
   */
  group?: number;
}

/** A control socket being served. */
export interface ControlServer {
  /** Connections open now. */
  connections(): number;
  /**
   * Stop listening, let requests being handled write their reply (for at most 2 s), close every
   * connection and remove the socket file.
   */
  close(): Promise<void>;
}

const COMMANDS = ['status', 'reset', 'configure'];

/** Check a parsed request's shape (the provisioner validates the credentials themselves). */
export function parseControlRequest(json: unknown): ControlRequest {
  const usage = `a request is one JSON object per line with "cmd": one of ${COMMANDS.join(', ')}`;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw adapterError('invalid-config', usage);
  const o = json as Record<string, unknown>;
  if (typeof o.cmd !== 'string' || !COMMANDS.includes(o.cmd)) {
    throw adapterError('invalid-config', typeof o.cmd === 'string' && o.cmd.length <= 32 ? `unknown command ${JSON.stringify(o.cmd)}; ${usage}` : usage);
  }
  if (o.cmd !== 'configure') return { cmd: o.cmd } as ControlRequest;
  if (typeof o.ssid !== 'string') throw adapterError('invalid-credentials', 'configure needs "ssid": a string');
  if (o.passphrase !== undefined && typeof o.passphrase !== 'string') throw adapterError('invalid-credentials', 'configure: "passphrase" must be a string when given');
  return { cmd: 'configure', ssid: o.ssid, ...(o.passphrase === undefined ? {} : { passphrase: o.passphrase }) };
}

const reply = (o: object): string => `${JSON.stringify(o)}\n`;

/**
 * Serve newline-delimited JSON requests on a unix socket. Each request gets one JSON reply line:
 * `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
 *
 * Who may connect: the socket is bound under umask 0177 (so it is 0600 from the first instant, no
 * listen-then-chmod window) inside a directory the caller made 0700, so only the daemon's user (root)
 * can connect. Any stale socket file is removed first: the caller must hold the single-instance lock.
 *
 * Bounded: requests are answered one at a time per connection (reading pauses meanwhile, so a client
 * that never reads its replies only fills its own socket buffer), a line longer than
 * `maxLineBytes` or more than `maxConnections` connections get an error reply and are closed, and an
 * idle connection is closed after `idleMs`.
 */
export async function serveControl(file: string, handle: (req: ControlRequest) => Promise<object>, options: ServeControlOptions = {}): Promise<ControlServer> {
  const clock = options.clock ?? nodeClock;
  const limits: ControlLimits = { ...DEFAULT_CONTROL_LIMITS, ...options.limits };
  const live = new Set<net.Socket>();
  const inflight = new Set<Promise<string>>();

  function answer(line: Buffer): Promise<string> {
    const p = answerNow(line);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  }

  async function answerNow(line: Buffer): Promise<string> {
    let json: unknown;
    try {
      json = JSON.parse(line.toString('utf8'));
    } catch {
      return reply({ ok: false, error: 'request is not JSON' });
    }
    try {
      const r = await handle(parseControlRequest(json));
      return reply({ ok: true, ...r });
    } catch (e) {
      return reply({ ok: false, error: describe(e) });
    }
  }

  function serve(sock: net.Socket): void {
    sock.on('error', () => undefined);
    if (live.size >= limits.maxConnections) {
      sock.end(reply({ ok: false, error: `too many connections (at most ${limits.maxConnections}); try again` }), () => sock.destroy());
      return;
    }
    live.add(sock);
    let parts: Buffer[] = [];
    let partLen = 0;
    const queue: Buffer[] = [];
    let busy = false;
    let done = false;
    let idle: TimerHandle | undefined;

    const finish = (msg?: string): void => {
      if (done) return;
      done = true;
      if (idle !== undefined) clock.clearTimeout(idle);
      queue.length = 0;
      parts = [];
      live.delete(sock);
      if (msg && sock.writable) sock.end(reply({ ok: false, error: msg }), () => sock.destroy());
      else sock.destroy();
    };
    const armIdle = (): void => {
      if (idle !== undefined) clock.clearTimeout(idle);
      idle = clock.setTimeout(() => finish(`idle for ${limits.idleMs} ms; closing`), limits.idleMs);
    };
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      sock.pause();
      while (queue.length > 0 && !done) {
        if (idle !== undefined) clock.clearTimeout(idle);
        const out = await answer(queue.shift()!);
        if (done) break;
        armIdle();
        if (!sock.write(out)) await new Promise<void>((r) => (sock.once('drain', r), sock.once('close', r)));
      }
      busy = false;
      if (!done) sock.resume();
    };

    sock.on('close', () => finish());
    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      armIdle();
      let start = 0;
      for (let i = chunk.indexOf(10, start); i >= 0; i = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, i);
        if (partLen + piece.length > limits.maxLineBytes) return finish(`request line longer than ${limits.maxLineBytes} bytes; closing`);
        let line = partLen > 0 ? Buffer.concat([...parts, piece]) : Buffer.from(piece);
        if (line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        parts = [];
        partLen = 0;
        if (line.length > 0) queue.push(line);
        start = i + 1;
      }
      const rest = chunk.subarray(start);
      if (partLen + rest.length > limits.maxLineBytes) return finish(`request line longer than ${limits.maxLineBytes} bytes; closing`);
      if (rest.length > 0) {
        parts.push(Buffer.from(rest));
        partLen += rest.length;
      }
      if (queue.length > 0) void pump();
    });
    armIdle();
  }

  // Only the holder of the single-instance lock gets here, so a socket file left behind is stale.
  await fs.rm(file, { force: true });
  const server = net.createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind(2) runs synchronously inside listen(): the umask makes the socket 0600 as it is created.
    const old = process.umask(0o177);
    try {
      server.listen(file, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  server.on('error', () => undefined);
  if (options.group === undefined) await fs.chmod(file, 0o600);
  else {
    await fs.chown(file, process.geteuid?.() ?? -1, options.group);
    await fs.chmod(file, 0o660);
  }
  return {
    connections: () => live.size,
    async close() {
      server.close();
      if (inflight.size > 0) {
        let t: TimerHandle | undefined;
        await Promise.race([Promise.allSettled([...inflight]), new Promise<void>((r) => (t = clock.setTimeout(r, 2000)))]);
        if (t !== undefined) clock.clearTimeout(t);
        // The replies were written by now; their write callbacks run after this tick.
        await new Promise<void>((r) => setImmediate(r));
      }
      for (const s of live) s.end(() => s.destroy());
      live.clear();
      await fs.rm(file, { force: true });
    },
  };
}

/** Send one request to the daemon; rejects with `not-supported` when no daemon listens. */
export function callControl(file: string, req: ControlRequest, timeoutMs = 10000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(file);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(adapterError('timeout', `the daemon did not answer on ${file} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      } catch {
        reject(adapterError('not-supported', `the daemon on ${file} sent a reply that is not JSON`));
      }
    });
    sock.on('close', () => {
      clearTimeout(timer);
      reject(adapterError('not-supported', `the daemon on ${file} closed the connection without a reply`));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'EACCES') reject(adapterError('not-supported', `permission denied on ${file}: only root may use the control socket (try sudo)`, { cause: e }));
      else reject(adapterError('not-supported', `no daemon is listening on ${file} (${e.code ?? e.message}); is the daemon running?`, { cause: e }));
    });
  });
}
