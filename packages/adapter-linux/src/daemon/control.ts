import net from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { adapterError } from '../errors';

/** A request to the running daemon. */
export type ControlRequest = { cmd: 'status' } | { cmd: 'reset' } | { cmd: 'configure'; ssid: string; passphrase?: string };

/** The daemon's control socket: `<stateDir>/control.sock`. */
export function controlSocketPath(stateDir: string): string {
  return path.join(stateDir, 'control.sock');
}

/**
 * Serve newline-delimited JSON requests on a unix socket (mode 0600: root only). Each request gets one
 * JSON reply line: `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
 */
export async function serveControl(file: string, handle: (req: ControlRequest) => Promise<object>): Promise<{ close(): Promise<void> }> {
  await fs.rm(file, { force: true });
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let req: ControlRequest;
        try {
          req = JSON.parse(text) as ControlRequest;
        } catch {
          sock.write(`${JSON.stringify({ ok: false, error: 'request is not JSON' })}\n`);
          continue;
        }
        handle(req).then(
          (r) => sock.write(`${JSON.stringify({ ok: true, ...r })}\n`),
          (e: Error) => sock.write(`${JSON.stringify({ ok: false, error: e.message })}\n`),
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  await fs.chmod(file, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        void fs.rm(file, { force: true });
      }),
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
      resolve(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(adapterError('not-supported', `no daemon is listening on ${file} (${e.code ?? e.message})`, { cause: e }));
    });
  });
}
