// The portal's bounded HTTP server: routes, mounted handlers, captive-portal redirect and limits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A request handler. Return (or resolve) `false` to decline the request so the next handler or the
 * portal's own routes answer it; anything else means the handler answered.
 */
export type PortalHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Limits that keep one client from exhausting the device (R11.4). */
export interface PortalLimits {
  /** Largest request body accepted, bytes. Default 4096. */
  maxBodyBytes?: number;
  /** Largest request head (request line plus headers), bytes. Default 8192. */
  maxHeaderBytes?: number;
  /** Most header lines per request. Default 64. */
  maxHeaders?: number;
  /** Time a client has to send the whole request head, ms (slowloris). Default 5000. */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included, ms. Default 10000. */
  requestTimeoutMs?: number;
  /** Idle time of a kept-alive connection before it is closed, ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** How often the head and request deadlines are checked, ms. Default 1000. */
  checkIntervalMs?: number;
  /** Open connections at once; further ones are closed on arrival. Default 128. */
  maxConnections?: number;
}

/** Options of {@link createPortalServer}. */
export interface PortalServerOptions {
  /**
   * Host names and addresses that are the device (`Host` header without the port, case-insensitive),
   * e.g. `['192.168.4.1']`. A request for any other host is redirected to the first of them, which is
   * how phones and laptops detect the portal. Required, at least one.
   */
  deviceHosts: string[];
  /** Address to listen on. Default `0.0.0.0`. */
  listenHost?: string;
  /** Port to listen on; 0 picks a free one. Default 80. */
  port?: number;
  /** Limits; defaults suit a phone or two on a provisioning network. */
  limits?: PortalLimits;
}

/** Limits with every default filled in. */
export type ResolvedPortalLimits = Required<PortalLimits>;

/** The portal's HTTP server. Created stopped; call {@link PortalServer.listen}. */
export interface PortalServer {
  /** The underlying `node:http` server (its limits are already set). */
  readonly server: Server;
  /** The limits in force. */
  readonly limits: ResolvedPortalLimits;
  /**
   * Mount a handler for every request whose path starts with `prefix` (a string) or that `matcher`
   * accepts. Mounted handlers are asked first, in mount order, whatever the `Host` header says, so
   * another protocol (Espressif's protocomm over HTTP) can share the server. Returns an unmount function.
   */
  mount(prefix: string | ((req: IncomingMessage) => boolean), handler: PortalHandler): () => void;
  /** Add one of the portal's own routes (exact path), answered only for the device's host names. */
  route(method: string, path: string, handler: PortalHandler): void;
  /** Start listening; resolves with the bound address. */
  listen(): Promise<AddressInfo>;
  /** The origin clients are sent to, e.g. `http://192.168.4.1` (with the port when it is not 80). */
  origin(): string;
  /** Stop listening and close every connection (event streams included). */
  close(): Promise<void>;
  /** Open connections now. */
  connections(): number;
}

const DEFAULTS: ResolvedPortalLimits = {
  maxBodyBytes: 4096,
  maxHeaderBytes: 8192,
  maxHeaders: 64,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  checkIntervalMs: 1000,
  maxConnections: 128,
};

/** The host part of a `Host` header, lower case, without port or IPv6 brackets. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** Send a small plain response (headers and body in one write). */
export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store', ...extra });
  res.end(buf);
}

/** Send JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/**
 * Create the portal's HTTP server over `node:http` with every limit set: head size and count, head
 * and whole-request deadlines (slow clients are cut off), kept-alive idle time, requests per
 * connection and a connection cap.
 *
 * @example
 * ```ts
 * const portal = createPortalServer({ deviceHosts: ['192.168.4.1'], port: 80 });
 * portal.route('GET', '/hello', (req, res) => sendText(res, 200, 'hi'));
 * await portal.listen();
 * ```
 */
export function createPortalServer(options: PortalServerOptions): PortalServer {
  if (!Array.isArray(options.deviceHosts) || options.deviceHosts.length === 0 || options.deviceHosts.some((h) => typeof h !== 'string' || !h)) {
    throw new TypeError('deviceHosts must list at least one host name or address of the device');
  }
  const limits: ResolvedPortalLimits = { ...DEFAULTS, ...(options.limits ?? {}) };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`limits.${k} must be a positive integer, got ${String(v)}`);
  }
  const deviceHosts = options.deviceHosts.map((h) => hostOf(h));
  const mounts: { match: (req: IncomingMessage) => boolean; handler: PortalHandler }[] = [];
  const routes = new Map<string, PortalHandler>();
  const sockets = new Set<Socket>();
  let port = options.port ?? 80;

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      void dispatch(req, res);
    },
  );
  server.maxHeadersCount = limits.maxHeaders;
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = 100;
  // A client idle this long in the middle of anything is gone; event streams lift it for themselves.
  server.setTimeout(limits.requestTimeoutMs, (socket) => socket.destroy());
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Malformed requests and oversized heads: answer 400/431 when the socket can still take it, never throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.writableEnded) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  const origin = (): string => {
    const h = options.deviceHosts[0];
    const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
    return port === 80 ? `http://${host}` : `http://${host}:${port}`;
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      for (const m of mounts.slice()) {
        if (!m.match(req)) continue;
        if ((await m.handler(req, res)) !== false) return;
      }
      const host = hostOf(req.headers.host);
      const path = (req.url ?? '/').split('?')[0];
      // The OS's connectivity check asks for some other host (wildcard DNS sent it here): send it to the
      // page, so the "sign in to network" sheet opens. No Host (HTTP/1.0) is treated as the device.
      if (host && !deviceHosts.includes(host)) {
        redirect(res, `${origin()}/`);
        return;
      }
      // HEAD is GET without the body (node drops it): a HEAD for the page must not loop on redirects.
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const handler = routes.get(`${method} ${path}`);
      if (handler) {
        if ((await handler(req, res)) !== false) return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') redirect(res, '/');
      else sendText(res, routes.has(`GET ${path}`) ? 405 : 404, routes.has(`GET ${path}`) ? 'method not allowed' : 'not found');
    } catch {
      // A handler's failure is that request's problem only.
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    }
  }

  function redirect(res: ServerResponse, location: string): void {
    sendText(res, 302, `<a href="${location}">Continue</a>`, 'text/html; charset=utf-8', { Location: location });
  }

  return {
    server,
    limits,
    mount(prefix, handler) {
      const match = typeof prefix === 'string' ? (req: IncomingMessage) => (req.url ?? '').startsWith(prefix) : prefix;
      const entry = { match, handler };
      mounts.push(entry);
      return () => {
        const i = mounts.indexOf(entry);
        if (i >= 0) mounts.splice(i, 1);
      };
    },
    route(method, path, handler) {
      routes.set(`${method.toUpperCase()} ${path}`, handler);
    },
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        server.once('error', onError);
        server.listen(port, options.listenHost ?? '0.0.0.0', () => {
          server.off('error', onError);
          const a = server.address() as AddressInfo;
          port = a.port;
          resolve(a);
        });
      });
    },
    origin,
    close() {
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          for (const s of sockets) s.destroy();
          resolve();
          return;
        }
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    connections: () => sockets.size,
  };
}

/** Read a request body of at most `max` bytes; rejects with `status` 413 when larger. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > max) {
      reject(Object.assign(new Error(`request body too large: at most ${max} bytes`), { status: 413 }));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        reject(Object.assign(new Error(`request body too large: at most ${max} bytes`), { status: 413 }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(Object.assign(e, { status: 400 }));
    });
  });
}
