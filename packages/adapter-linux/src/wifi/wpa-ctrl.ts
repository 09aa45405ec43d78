// One client socket on a wpa_supplicant control interface (unix datagram, one command per datagram).
import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock, TimerHandle } from '@provision/core';
import { adapterError, describe } from '../errors';

interface DgramSocket {
  on(ev: 'message', fn: (buf: Buffer) => void): void;
  on(ev: 'error', fn: (e: Error) => void): void;
  bind(path: string): void;
  connect(path: string): void;
  send(buf: Buffer, cb?: (err?: Error) => void): void;
  close(): void;
}

const requireCjs = createRequire(import.meta.url);

// unix-dgram reports negative errno numbers ("connect -2"): name them.
function errnoText(e: Error): string {
  const n = (e as { errno?: unknown }).errno;
  if (typeof n !== 'number') return e.message;
  const name = Object.entries(os.constants.errno).find(([, v]) => v === -n)?.[0];
  return name ? `${name}${name === 'ENOENT' ? ' (no such socket: is wpa_supplicant running with this ctrl_interface?)' : ''}` : e.message;
}
let seq = 0;

function loadUnixDgram(): { createSocket(type: 'unix_dgram'): DgramSocket } {
  try {
    return requireCjs('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };
  } catch (e) {
    throw adapterError(
      'not-supported',
      `the wpa_supplicant backend needs the native module 'unix-dgram', which failed to load (is its build allowed and a C++ toolchain installed?): ${describe(e)}`,
      { cause: e },
    );
  }
}

/** Options for {@link openWpaSocket}. */
export interface WpaSocketOptions {
  /** Time source for request timeouts. */
  clock: Clock;
  /** Reply timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** Where the client's own socket is bound. Default the OS temp dir. */
  localDir?: string;
  /** Unsolicited messages (`<N>CTRL-EVENT-…`). */
  onEvent?: (line: string) => void;
}

/** One client socket on a wpa_supplicant control interface. */
export interface WpaSocket {
  /** Send one command; resolves with the reply text. Requests are serialised. */
  request(cmd: string): Promise<string>;
  /** Close and unlink the client socket. */
  close(): Promise<void>;
}

/**
 * Open a client socket on `<ctrlDir>/<ifname>`: an `AF_UNIX SOCK_DGRAM` socket bound to a unique path,
 * connected to the daemon's socket, one command per datagram. Messages starting with `<level>` are
 * unsolicited events and go to `onEvent`; everything else answers the pending request.
 */
export async function openWpaSocket(ctrlPath: string, options: WpaSocketOptions): Promise<WpaSocket> {
  const unix = loadUnixDgram();
  const timeoutMs = options.timeoutMs ?? 5000;
  const local = path.join(options.localDir ?? os.tmpdir(), `provision-wpa-${process.pid}-${++seq}`);
  await fs.rm(local, { force: true });
  const sock = unix.createSocket('unix_dgram');
  let pending: { resolve(s: string): void; reject(e: Error): void; timer: TimerHandle } | undefined;
  const queue: (() => void)[] = [];
  let closed = false;

  const fail = (e: Error) => {
    const p = pending;
    pending = undefined;
    if (p) {
      options.clock.clearTimeout(p.timer);
      p.reject(e);
      queue.shift()?.();
    }
  };

  sock.on('message', (buf) => {
    const text = buf.toString('utf8');
    if (/^<\d+>/.test(text)) {
      options.onEvent?.(text.replace(/^<\d+>/, ''));
      return;
    }
    const p = pending;
    if (!p) return;
    pending = undefined;
    options.clock.clearTimeout(p.timer);
    p.resolve(text);
    queue.shift()?.();
  });
  sock.on('error', (e) => fail(adapterError('wifi-failed', `wpa_supplicant control socket ${ctrlPath}: ${errnoText(e)}`, { cause: e })));

  const setup = (fn: () => void, what: string) => {
    let err: Error | undefined;
    const onErr = (e: Error) => (err = e);
    sock.on('error', onErr);
    fn();
    if (err) {
      try {
        sock.close();
      } catch {
        // already closed
      }
      throw adapterError('wifi-failed', `cannot ${what} wpa_supplicant control socket ${ctrlPath}: ${errnoText(err)}`, { cause: err });
    }
  };
  setup(() => sock.bind(local), 'bind a client for the');
  try {
    setup(() => sock.connect(ctrlPath), 'connect to the');
  } catch (e) {
    await fs.rm(local, { force: true });
    throw e;
  }

  function send(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const go = () => {
        if (closed) return reject(adapterError('wifi-failed', 'wpa_supplicant control socket is closed'));
        const verb = cmd.split(' ')[0];
        const timer = options.clock.setTimeout(() => {
          pending = undefined;
          reject(adapterError('timeout', `wpa_supplicant did not answer ${verb} within ${timeoutMs} ms`));
          queue.shift()?.();
        }, timeoutMs);
        pending = { resolve, reject, timer };
        sock.send(Buffer.from(cmd, 'utf8'), (err) => {
          if (err) fail(adapterError('wifi-failed', `cannot send ${verb} to wpa_supplicant: ${errnoText(err)}`, { cause: err }));
        });
      };
      if (pending || queue.length > 0) queue.push(go);
      else go();
    });
  }

  return {
    request: send,
    async close() {
      if (closed) return;
      closed = true;
      fail(adapterError('wifi-failed', 'wpa_supplicant control socket is closed'));
      for (const q of queue.splice(0)) q();
      try {
        sock.close();
      } catch {
        // already closed
      }
      await fs.rm(local, { force: true });
    },
  };
}
