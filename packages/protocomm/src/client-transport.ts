// How the client reaches a device: HTTP (one kept-alive socket, the session cookie) or a console line stream.
import { Agent, request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { provisionError } from '@provision/core';
import { MAX_BODY } from './protocomm';

/** One request/response exchange with a device; rejects when the device closed without an answer. */
export interface ClientTransport {
  request(endpoint: string, body: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** HTTP: POST /<endpoint> on one kept-alive connection, echoing the session cookie like esp_prov. */
export function httpClientTransport(url: string, timeoutMs: number): ClientTransport {
  const base = new URL(url.includes('://') ? url : `http://${url}`);
  if (base.protocol !== 'http:') throw provisionError('invalid-config', `the device URL must be http://host:port, got ${base.protocol}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let cookie: string | undefined;
  return {
    request(endpoint, body) {
      return new Promise((resolve, reject) => {
        const headers: { [k: string]: string | number } = {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'text/plain',
          'Content-Length': body.length,
        };
        if (cookie) headers.Cookie = cookie;
        const req = httpRequest(
          { host: base.hostname, port: base.port || 80, method: 'POST', path: `/${endpoint}`, headers, agent, timeout: timeoutMs },
          (res) => {
            const sc = res.headers['set-cookie'];
            if (sc && sc.length) cookie = sc[0]!.split(';')[0];
            const chunks: Buffer[] = [];
            let n = 0;
            res.on('data', (c: Buffer) => {
              n += c.length;
              if (n > MAX_BODY) req.destroy(new Error(`${endpoint}: reply longer than ${MAX_BODY} bytes`));
              else chunks.push(c);
            });
            res.on('end', () => {
              if (res.statusCode !== 200) reject(provisionError('transport', `${endpoint}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').trim().slice(0, 200)}`));
              else resolve(new Uint8Array(Buffer.concat(chunks)));
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${endpoint}: no answer within ${timeoutMs} ms`)));
        req.on('error', (e) => reject(provisionError('transport', `${endpoint}: the device closed the connection without an answer (${e.message})`, { cause: e })));
        req.end(Buffer.from(body));
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** Console: writes `<endpoint> <session> <hex>\r`, reads the next hex line; silence until the timeout is a failure. */
export function consoleClientTransport(stream: Duplex, timeoutMs: number, maxLineBytes = 16_384): ClientTransport {
  const session = String(randomBytes(4).readUInt32BE(0));
  let buf = '';
  let waiter: ((line: string) => void) | undefined;
  const onData = (d: Buffer | string): void => {
    buf += d.toString();
    if (buf.length > maxLineBytes) buf = buf.slice(-maxLineBytes);
    const lines = buf.split(/\r?\n|\r/);
    buf = lines.pop() || '';
    for (const l of lines) {
      const t = l.replace(/^(>> )+/, '').trim();
      if (t && /^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0 && waiter) waiter(t);
    }
  };
  stream.on('data', onData);
  let chain: Promise<unknown> = Promise.resolve();
  return {
    request(endpoint, body) {
      const run = chain.then(
        () =>
          new Promise<Uint8Array>((resolve, reject) => {
            const timer = setTimeout(() => {
              waiter = undefined;
              reject(provisionError('transport', `${endpoint}: no answer within ${timeoutMs} ms (the device rejected the request)`));
            }, timeoutMs);
            waiter = (line) => {
              clearTimeout(timer);
              waiter = undefined;
              resolve(new Uint8Array(Buffer.from(line, 'hex')));
            };
            stream.write(`${endpoint} ${session} ${Buffer.from(body).toString('hex')}\r`);
          }),
      );
      chain = run.catch(() => undefined);
      return run;
    },
    async close() {
      stream.off('data', onData);
    },
  };
}
