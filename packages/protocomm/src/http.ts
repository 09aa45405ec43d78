// The HTTP transport (IDF's SoftAP scheme): POST /<endpoint>, session by cookie or socket, bounded bodies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describeError } from './describe';
import { createHttpSessions, checkHttpRequest } from './http-session';
import type { Protocomm } from './protocomm';
import type { ProtocommTransport } from './transport';

/** A `node:http` request listener. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A `node:http` request handler serving `protocomm` (for an existing server, e.g. one shared with a
 * captive portal: route `POST /proto-ver`, `/prov-session`, `/prov-config`, ... to it).
 *
 * - `Content-Length` is required, > 0 and ≤ 4096; it is checked before a byte of the body is read.
 * - The first request on a socket gets `Set-Cookie: session=<u32>`; later requests carry the cookie or
 *   come over the same socket. Any other request starts a new security session (the old one's keys are
 *   destroyed), as IDF does.
 * - A failed request (wrong proof, failed decryption, malformed message) closes the socket without an
 *   answer, as IDF does.
 * - A reply's follow-up work (connecting after ApplyConfig) runs only once the reply has been written
 *   and flushed to the socket.
 */
export function createHttpHandler(protocomm: Protocomm): HttpHandler {
  const sessions = createHttpSessions();
  const log = protocomm.log;
  const refuse = (res: ServerResponse, code: number, why: string): void => {
    log('warn', `http: ${why}`);
    res.writeHead(code, { 'Content-Type': 'text/plain', Connection: 'close', 'Content-Length': Buffer.byteLength(why) + 1 });
    res.end(`${why}\n`);
    res.once('finish', () => res.socket && res.socket.destroy());
  };
  return (req, res) => {
    const check = checkHttpRequest(protocomm, req.method || '', req.url || '', req.headers['content-length']);
    if (!check.ok) return refuse(res, check.status, check.why);
    const { endpoint: name, length } = check;
    const socket = req.socket;
    const { id, setCookie } = sessions.resolve(req.headers.cookie, socket);
    const body = Buffer.allocUnsafe(length);
    let got = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      if (got + chunk.length > length) {
        over = true;
        return;
      }
      chunk.copy(body, got);
      got += chunk.length;
    });
    req.on('error', () => socket.destroy());
    req.on('end', () => {
      if (over || got !== length) {
        log('warn', `http ${name}: body does not match Content-Length`);
        socket.destroy();
        return;
      }
      protocomm.handleRequest(name, id, new Uint8Array(body.buffer, body.byteOffset, length)).then(
        (reply) => {
          if (reply.kind === 'close') {
            socket.destroy();
            return;
          }
          if (reply.kind === 'not-found') return refuse(res, 404, `no endpoint ${JSON.stringify(name)}`);
          const headers: { [k: string]: string | number } = { 'Content-Type': 'application/octet-stream', 'Content-Length': reply.body.length };
          if (setCookie) headers['Set-Cookie'] = `session=${id}`;
          res.writeHead(200, headers);
          const after = reply.afterReply;
          // end()'s callback runs once the response has been handed to the socket: the reply leaves first.
          res.end(Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.length), () => {
            if (after) {
              try {
                after();
              } catch (e) {
                log('warn', `http ${name}: follow-up failed: ${describeError(e)}`);
              }
            }
          });
        },
        () => socket.destroy(),
      );
    });
  };
}

/** Options for {@link httpTransport}. */
export interface HttpTransportOptions {
  /** Address to listen on (default `0.0.0.0`; IDF's SoftAP is `192.168.4.1`). */
  host?: string;
  /** Port (default 80; 0 picks a free one, see `address()`). */
  port?: number;
  /** Serve on this existing server instead of creating one (its other routes are yours). */
  server?: Server;
  /** Most simultaneous connections (default 8). */
  maxConnections?: number;
}

/** An HTTP transport that can say where it listens. */
export interface HttpTransport extends ProtocommTransport {
  /** The bound address once started. */
  address(): AddressInfo | undefined;
  /** The server (created by the transport unless one was given). */
  readonly server: Server | undefined;
}

/**
 * Serve protocomm over HTTP on its own `node:http` server (or on one you pass in `server`).
 *
 * @example
 * ```ts
 * const http = httpTransport({ host: '0.0.0.0', port: 80 });
 * await attachProtocomm(prov, { security: 2, verifier, transports: [http] });
 * ```
 */
export function httpTransport(options: HttpTransportOptions = {}): HttpTransport {
  let server: Server | undefined = options.server;
  const own = !server;
  let listener: HttpHandler | undefined;
  const sockets = new Set<Socket>();
  const t: HttpTransport = {
    get name() {
      const a = server && (server.address() as AddressInfo | null);
      return `http ${a ? `${a.address}:${a.port}` : `${options.host || '0.0.0.0'}:${options.port ?? 80}`}`;
    },
    get server() {
      return server;
    },
    address: () => (server ? ((server.address() as AddressInfo | null) ?? undefined) : undefined),
    async start(pc) {
      const handler = createHttpHandler(pc);
      if (!own) {
        listener = handler;
        server!.on('request', listener);
        return;
      }
      // esp_prov sleeps 5 s between polls on one kept-alive socket: Node's 5 s default would close it under it.
      const s = createServer({ maxHeaderSize: 8192, requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 }, handler);
      s.maxConnections = options.maxConnections ?? 8;
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port ?? 80, options.host || '0.0.0.0', () => {
          s.off('error', reject);
          resolve();
        });
      });
    },
    async stop() {
      if (!server) return;
      if (!own) {
        if (listener) server.off('request', listener);
        return;
      }
      const s = server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        for (const sock of sockets) sock.destroy();
      });
    },
  };
  return t;
}
