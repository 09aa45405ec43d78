// The HTTP transport's rules as pure functions (request checks, cookie/connection → session id), for every HTTP server that serves protocomm.
import { randomBytes } from 'node:crypto';
import { MAX_BODY, type Protocomm } from './protocomm';

const COOKIE = /(?:^|;\s*)session=(\d{1,10})(?:;|$)/;

/** What {@link checkHttpRequest} decided: serve `endpoint` with a body of `length` bytes, or refuse. */
export type HttpRequestCheck = { ok: true; endpoint: string; length: number } | { ok: false; status: 404 | 405 | 411 | 413; why: string };

/**
 * Check a request's line and `Content-Length` before a byte of its body is read: the endpoint must be
 * served, the method `POST`, and `Content-Length` present, decimal and within 1..{@link MAX_BODY}.
 * `why` is safe to send and log (it never holds the body).
 */
export function checkHttpRequest(protocomm: Protocomm, method: string, url: string, contentLength: string | undefined): HttpRequestCheck {
  const endpoint = url.split('?')[0]!.slice(1);
  if (!protocomm.hasEndpoint(endpoint)) return { ok: false, status: 404, why: `no endpoint ${JSON.stringify(endpoint.slice(0, 40))}` };
  if (method !== 'POST') return { ok: false, status: 405, why: `${endpoint}: only POST is allowed` };
  if (contentLength === undefined || !/^\d{1,5}$/.test(contentLength)) return { ok: false, status: 411, why: `${endpoint}: Content-Length is required (1..${MAX_BODY})` };
  const length = Number(contentLength);
  if (length < 1 || length > MAX_BODY) return { ok: false, status: 413, why: `${endpoint}: Content-Length ${length} is outside 1..${MAX_BODY}` };
  return { ok: true, endpoint, length };
}

/** Which security session a request belongs to (see {@link createHttpSessions}). */
export interface HttpSessions {
  /**
   * The session id of a request with this `Cookie` header (undefined: none) arriving on `connection`
   * (any object standing for the TCP connection), and whether the reply must carry
   * `Set-Cookie: session=<id>`.
   */
  resolve(cookie: string | undefined, connection: object): { id: string; setCookie: boolean };
}

/**
 * IDF's session rule for HTTP: a `Cookie` header must name the current session exactly; only a request
 * without one is identified by its connection. Anything else starts a new session with a fresh random
 * id (announced with `Set-Cookie`), which destroys the previous session's keys in the core.
 */
export function createHttpSessions(newId: () => string = () => String(randomBytes(4).readUInt32BE(0))): HttpSessions {
  const byConnection = new WeakMap<object, string>();
  let current: string | undefined;
  return {
    resolve(cookie, connection) {
      const m = cookie === undefined ? null : COOKIE.exec(cookie);
      let id: string | undefined = cookie === undefined ? byConnection.get(connection) : m ? m[1] : undefined;
      if (id !== undefined && id !== current) id = undefined;
      let setCookie = false;
      if (id === undefined) {
        id = newId();
        setCookie = true;
      }
      current = id;
      byConnection.set(connection, id);
      return { id, setCookie };
    },
  };
}
