// The transport-agnostic device core: one security session at a time, endpoints, and the request → reply mapping every transport reuses.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { defaultClock, provisionError, type Clock } from '@provision/core';
import { describeError } from './describe';
import { SessionDataSchema } from './gen/session_pb';
import { requestFailure, type RequestFailure } from './failure';
import { HandshakeLimiter, type RateLimitOptions } from './rate-limit';
import { systemRandom, type RandomSource } from './random';
import { createSec0Server } from './security/sec0';
import { createSec1Server } from './security/sec1';
import { createSec2Server } from './security/sec2';
import type { SecurityServer, SecurityVersion } from './security/scheme';
import type { SrpVerifier } from './srp';
import { utf8 } from './bytes';

/** Largest request or response body any transport carries (IDF's HTTP limit). */
export const MAX_BODY = 4096;

/** What an endpoint handler may return: the reply body, optionally with work to run once it has left. */
export type HandlerResult = Uint8Array | { body: Uint8Array; afterReply?: () => void };

/**
 * An endpoint: gets the decrypted request body, returns the plaintext reply (encrypted by the core).
 * Throwing (or rejecting) makes the transport close the connection without an answer, as IDF does.
 */
export type EndpointHandler = (body: Uint8Array, context: { sessionId: string }) => HandlerResult | Promise<HandlerResult>;

/** The outcome of one request, for a transport to deliver. */
export type Reply =
  /** Send `body`; once it has been written and flushed, call `afterReply` if given. */
  | { kind: 'reply'; body: Uint8Array; afterReply?: () => void }
  /** Close the connection without an answer (IDF's behaviour on any handler error). */
  | { kind: 'close'; reason: string }
  /** No such endpoint (HTTP 404; the console prints nothing). */
  | { kind: 'not-found' };

/** A log line's level. */
export type LogLevel = 'info' | 'warn';

/** Where log lines go. Lines never contain a passphrase, PoP, password or key (R10.3). */
export type LogSink = (level: LogLevel, message: string) => void;

/** Options for {@link createProtocomm}. */
export interface ProtocommOptions {
  /**
   * Security scheme (R11.4): 2 (SRP-6a + AES-GCM, the default), 1 (X25519 + proof of possession +
   * AES-CTR), or 0 (plaintext — insecure, opt-in only, logged as such).
   */
  security?: SecurityVersion;
  /** Security 1: the proof of possession printed on the device or its box. Required unless `allowNoPop`. */
  pop?: string | Uint8Array;
  /** Security 1 without a proof of possession (cap `no_pop`): anyone in range can provision. Insecure. */
  allowNoPop?: boolean;
  /** Security 2: the salt and verifier from {@link createSrpVerifier} (the password is never needed). */
  verifier?: SrpVerifier;
  /** Randomness (tests replaying recorded transcripts only). */
  random?: RandomSource;
  /** Time, for the rate limit (R11.4). */
  clock?: Clock;
  /** Wrong-proof rate limit (R11.4; default 5 per minute, then a 60 s pause). */
  rateLimit?: RateLimitOptions;
  /** Log sink; default: warnings to `console.warn`, nothing else. */
  log?: LogSink;
  /** An endpoint handler that takes longer fails (the connection is closed), ms (default 30 000). */
  handlerTimeoutMs?: number;
}

/** Application entries of the `proto-ver` answer, listed before `prov`. */
export interface VersionEntry {
  ver: string;
  cap?: string[];
}

/** The device side of protocomm, independent of any transport. */
export interface Protocomm {
  /** The security scheme in force. */
  readonly security: SecurityVersion;
  /**
   * Handle one request. `sessionId` identifies the client's session (HTTP cookie or socket, console
   * session number): a different id than the current one destroys the current security session and
   * starts a new one (one session at a time, R11.4). Requests are handled one at a time, in order.
   */
  handleRequest(endpoint: string, sessionId: string, body: Uint8Array): Promise<Reply>;
  /** Register an endpoint (encrypted like every endpoint except `proto-ver`). */
  addEndpoint(name: string, handler: EndpointHandler): void;
  /** Remove an endpoint. */
  removeEndpoint(name: string): void;
  /** True when `name` is served. */
  hasEndpoint(name: string): boolean;
  /** Add or replace an application entry of the `proto-ver` answer. */
  setVersionEntry(label: string, entry: VersionEntry): void;
  /** Destroy the current security session's keys (the next request needs a new handshake). */
  endSession(): void;
  /** Destroy the session and refuse every further request (closed connections). */
  close(): void;
  /** True after {@link Protocomm.close}. */
  readonly closed: boolean;
  /** The log sink (transports log through it too). */
  readonly log: LogSink;
}

const defaultLog: LogSink = (level, message) => {
  if (level === 'warn') console.warn(`protocomm: ${message}`);
};

const NAME = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Create the device side of protocomm: security sessions and endpoints, without a transport. Give it
 * to {@link createHttpHandler} or {@link serveConsole}, or let {@link attachProtocomm} do everything.
 *
 * @example
 * ```ts
 * const pc = createProtocomm({ security: 2, verifier });
 * pc.addEndpoint('custom-data', (body) => body); // an encrypted echo
 * ```
 */
export function createProtocomm(options: ProtocommOptions = {}): Protocomm {
  const security = options.security ?? 2;
  if (security !== 0 && security !== 1 && security !== 2) throw provisionError('invalid-config', `security must be 0, 1 or 2, got ${String(security)}`, { field: 'security' });
  const log = options.log || defaultLog;
  const random = options.random || systemRandom;
  let pop: Uint8Array | undefined;
  if (security === 1) {
    if (options.pop !== undefined && options.pop !== '') pop = typeof options.pop === 'string' ? utf8(options.pop) : new Uint8Array(options.pop);
    else if (!options.allowNoPop) throw provisionError('invalid-config', 'security 1 needs a proof of possession (pop); set allowNoPop: true to run without one (insecure)', { field: 'pop' });
    if (pop && (pop.length < 1 || pop.length > 64)) throw provisionError('invalid-config', 'pop must be 1..64 bytes', { field: 'pop' });
  }
  const verifier = options.verifier;
  if (security === 2) {
    if (!verifier || !(verifier.salt instanceof Uint8Array) || !(verifier.verifier instanceof Uint8Array)) {
      throw provisionError('invalid-config', 'security 2 needs verifier: { salt, verifier } (see createSrpVerifier)', { field: 'verifier' });
    }
    if (verifier.salt.length < 1 || verifier.salt.length > 64 || verifier.verifier.length < 1 || verifier.verifier.length > 384) {
      throw provisionError('invalid-config', 'verifier.salt must be 1..64 bytes and verifier.verifier 1..384 bytes', { field: 'verifier' });
    }
  }
  if (security === 0) log('warn', 'security 0: no encryption and no authentication; anyone in range can read and set the credentials (insecure, opt-in)');
  if (security === 1 && !pop) log('warn', 'security 1 without a proof of possession: anyone in range can provision this device (insecure)');
  const clock = options.clock || defaultClock;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
  const limiter = new HandshakeLimiter(clock, options.rateLimit);
  // Requests are handled one at a time, so a handler that never answers must not stall every client.
  const bounded = <T>(p: Promise<T>, endpoint: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(requestFailure(`${endpoint}: the handler did not answer within ${handlerTimeoutMs} ms`)), handlerTimeoutMs);
      p.then(
        (v) => {
          clock.clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  const endpoints: { [name: string]: EndpointHandler } = Object.create(null);
  const appVersions: { [label: string]: VersionEntry } = Object.create(null);
  let current: { id: string; server: SecurityServer } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const newServer = (): SecurityServer =>
    security === 0 ? createSec0Server() : security === 1 ? createSec1Server(pop, random) : createSec2Server(verifier!, random);

  const endSession = (): void => {
    if (current) current.server.destroy();
    current = undefined;
  };

  const versionJson = (): Uint8Array => {
    const cap: string[] = [];
    if (security === 0) cap.push('no_sec');
    if (security === 1 && !pop) cap.push('no_pop');
    if (endpoints['prov-scan']) cap.push('wifi_scan');
    const out: { [k: string]: unknown } = {};
    for (const label of Object.keys(appVersions)) out[label] = appVersions[label];
    // Patch 1 for security 2: the patch-0 nonce reuse is never offered.
    out.prov = { ver: 'v1.1', sec_ver: security, sec_patch_ver: security === 2 ? 1 : 0, cap };
    return utf8(JSON.stringify(out));
  };

  const fail = (endpoint: string, e: unknown): Reply => {
    const f = e as RequestFailure;
    if (f && f.wrongProof && limiter.fail()) log('warn', `too many wrong proofs: refusing handshakes for ${Math.round(limiter.blockedFor() / 1000)} s`);
    const msg = describeError(e);
    const reason = msg.startsWith(endpoint) ? msg : `${endpoint}: ${msg}`;
    log('warn', `request failed, closing the connection: ${reason}`);
    return { kind: 'close', reason };
  };

  let closed = false;
  const handle = async (endpoint: string, sessionId: string, body: Uint8Array): Promise<Reply> => {
    if (closed) return { kind: 'close', reason: 'protocomm is closed' };
    if (body.length > MAX_BODY) return fail(endpoint, requestFailure(`body of ${body.length} bytes exceeds ${MAX_BODY}`));
    if (endpoint !== 'proto-ver' && endpoint !== 'prov-session' && !endpoints[endpoint]) return { kind: 'not-found' };
    if (!current || current.id !== sessionId) {
      // One security session at a time: a new client destroys the old session's keys (R11.4).
      endSession();
      current = { id: sessionId, server: newServer() };
    }
    const server = current.server;
    if (endpoint === 'proto-ver') return { kind: 'reply', body: versionJson() };
    if (endpoint === 'prov-session') {
      const wait = limiter.blockedFor();
      if (wait > 0) return fail(endpoint, requestFailure(`handshake refused: too many wrong proofs, try again in ${Math.ceil(wait / 1000)} s`));
      try {
        const req = fromBinary(SessionDataSchema, body);
        return { kind: 'reply', body: toBinary(SessionDataSchema, server.handshake(req)) };
      } catch (e) {
        endSession();
        return fail(endpoint, e);
      }
    }
    if (!server.established) {
      endSession();
      return fail(endpoint, requestFailure('no established security session (prov-session first)'));
    }
    try {
      const plain = server.decrypt(body);
      const handler = endpoints[endpoint]!;
      const r = await bounded(Promise.resolve().then(() => handler(plain, { sessionId })), endpoint);
      const out = r instanceof Uint8Array ? { body: r } : r;
      if (!(out.body instanceof Uint8Array) || out.body.length > MAX_BODY) throw requestFailure(`the handler's reply is not 0..${MAX_BODY} bytes`);
      // The session may have been replaced while the handler ran: never encrypt with a dead key.
      if (!current || current.server !== server) throw requestFailure('the security session ended while the request was handled');
      const reply: Reply = { kind: 'reply', body: server.encrypt(out.body) };
      if (out.afterReply) reply.afterReply = out.afterReply;
      return reply;
    } catch (e) {
      // After a failure the keystream/counters no longer match the client's: start over.
      if (current && current.server === server) endSession();
      return fail(endpoint, e);
    }
  };

  return {
    security,
    log,
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      endSession();
    },
    handleRequest(endpoint, sessionId, body) {
      const run = queue.then(() => handle(endpoint, String(sessionId), body));
      queue = run.catch(() => undefined);
      return run.catch((e: unknown) => fail(endpoint, e));
    },
    addEndpoint(name, handler) {
      if (!NAME.test(name)) throw provisionError('invalid-config', `endpoint name must be 1..32 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(name)}`);
      if (name === 'proto-ver' || name === 'prov-session') throw provisionError('invalid-config', `endpoint ${name} is built in`);
      if (typeof handler !== 'function') throw provisionError('invalid-config', `endpoint ${name}: handler must be a function`);
      endpoints[name] = handler;
    },
    removeEndpoint(name) {
      delete endpoints[name];
    },
    hasEndpoint: (name) => name === 'proto-ver' || name === 'prov-session' || !!endpoints[name],
    setVersionEntry(label, entry) {
      if (label === 'prov' || !NAME.test(label)) throw provisionError('invalid-config', `version label must be 1..32 of A-Z a-z 0-9 . _ - and not "prov", got ${JSON.stringify(label)}`);
      appVersions[label] = { ver: String(entry.ver), cap: entry.cap ? entry.cap.map(String) : [] };
    },
    endSession,
  };
}
