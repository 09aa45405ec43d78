// Protocomm over the ESP-AT module's own SoftAP and TCP server: AT+CWSAP, AT+CIPSERVER, +IPD in, AT+CIPSEND out, so a stock module is provisionable by Espressif's app and esp_prov.
import type { Provisioner, ScanResult } from '@provision/core';
import {
  attachProtocomm,
  checkHttpRequest,
  createHttpSessions,
  type AttachOptions,
  type Protocomm,
  type ProtocommService,
  type ProtocommTransport,
} from '@provision/protocomm';
import type { AtClient } from './at-client';
import { atQuote } from './escape';
import { formatHttpResponse, HttpLinkParser, type HttpParseResult } from './http-over-at';
import { setSoftApActive } from './softap-mode';

/** Most bytes one `AT+CIPSEND` carries (ESP-AT's limit in normal transmission mode). */
export const CIPSEND_MAX_BYTES = 2048;

/** Options of {@link softApTransport}. */
export interface SoftApTransportOptions {
  /** The access point's name, 1..32 bytes. */
  ssid: string;
  /**
   * WPA2 password, 8..63 characters (R11.5: a per-device password). Without one the access point is
   * open: anyone in range can join it (insecure, logged as such).
   */
  password?: string;
  /** Channel 1..13 (default 1). The station's join moves it to the router's channel. */
  channel?: number;
  /** TCP port (default 80, where the phone app and esp_prov look). */
  port?: number;
  /** Stations the access point admits, 1..10 (default 4; ESP-AT's TCP server has 5 links). */
  maxStations?: number;
  /** Bytes per `AT+CIPSEND`, 1..2048 (default 2048). */
  sendChunkBytes?: number;
  /** A link whose request stays incomplete this long is closed, ms (default 10 000). */
  requestTimeoutMs?: number;
}

/** The SoftAP transport: a {@link ProtocommTransport} that also says its access point's name. */
export interface SoftApTransport extends ProtocommTransport {
  /** The access point's name. */
  readonly ssid: string;
  /** Links open now (for diagnostics and tests). */
  readonly openLinks: number;
}

interface Link {
  /** Stands for this TCP connection in the session map (a new object for every connection). */
  readonly key: object;
  readonly parser: HttpLinkParser;
  busy: boolean;
  closed: boolean;
  timer: unknown;
}

const LINK_LINE = /^([0-4]),(CONNECT|CLOSED|CONNECT FAIL)$/;
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

function checkOptions(o: SoftApTransportOptions): void {
  const bad = (why: string): never => {
    throw new TypeError(`softApTransport: ${why}`);
  };
  if (typeof o.ssid !== 'string' || utf8Length(o.ssid) < 1 || utf8Length(o.ssid) > 32) bad('ssid must be 1..32 bytes');
  if (o.password !== undefined && o.password !== '' && (o.password.length < 8 || o.password.length > 63 || !/^[\x20-\x7e]*$/.test(o.password)))
    bad('password must be 8..63 printable ASCII characters (WPA2), or absent for an open access point');
  const int = (v: number | undefined, lo: number, hi: number, name: string): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) bad(`${name} must be an integer ${lo}..${hi}, got ${String(v)}`);
  };
  int(o.channel, 1, 13, 'channel');
  int(o.port, 1, 65535, 'port');
  int(o.maxStations, 1, 10, 'maxStations');
  int(o.sendChunkBytes, 1, CIPSEND_MAX_BYTES, 'sendChunkBytes');
  int(o.requestTimeoutMs, 1, 600_000, 'requestTimeoutMs');
}

/**
 * Serve protocomm's HTTP scheme through the module's SoftAP and TCP server. On `start` it brings the
 * access point up in station + SoftAP mode (`AT+SYSSTORE=0`, nothing of it reaches the module's
 * flash; `AT+CWMODE=3`, `AT+CWSAP`, `AT+CIPMUX=1`, `AT+CIPSERVER=1,<port>`); on `stop` it deletes the
 * server, closes every link and returns the module to station mode (`AT+CWMODE=1`).
 *
 * The HTTP rules are those of protocomm's own HTTP transport (its `checkHttpRequest` and
 * `createHttpSessions`): POST only, `Content-Length` required and ≤ 4096, the session by cookie or by
 * link, a failed request closes the link without an answer. Request heads are at most 2 KiB; anything
 * malformed or oversized gets an error status and the link is closed (`AT+CIPCLOSE`). A reply leaves
 * in `AT+CIPSEND` chunks of at most 2048 bytes; its follow-up (the station connect after
 * ApplyConfig) runs once the module reported `SEND OK` for the last chunk.
 */
export function softApTransport(client: AtClient, options: SoftApTransportOptions): SoftApTransport {
  checkOptions(options);
  const port = options.port ?? 80;
  const chunkBytes = options.sendChunkBytes ?? CIPSEND_MAX_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const clock = client.clock;
  const links = new Map<number, Link>();
  let pc: Protocomm | undefined;
  let running = false;
  let offs: Array<() => void> = [];

  const log = (level: 'info' | 'warn', message: string): void => {
    if (pc) pc.log(level, `softap: ${message}`);
  };

  function openLink(id: number): Link {
    const old = links.get(id);
    if (old) dropLink(id, old);
    const link: Link = {
      key: {},
      parser: new HttpLinkParser((head) => {
        const c = checkHttpRequest(pc!, head.method, head.url, head.headers['content-length']);
        return c.ok ? { ok: true, length: c.length } : c;
      }),
      busy: false,
      closed: false,
      timer: undefined,
    };
    links.set(id, link);
    return link;
  }

  function dropLink(id: number, link: Link): void {
    link.closed = true;
    if (link.timer !== undefined) clock.clearTimeout(link.timer);
    link.timer = undefined;
    if (links.get(id) === link) links.delete(id);
  }

  async function closeLink(id: number, link: Link): Promise<void> {
    if (link.closed) return;
    dropLink(id, link);
    try {
      await client.send(`AT+CIPCLOSE=${id}`);
    } catch (e) {
      // Already closed by the phone (its CLOSED may be on its way): nothing left to do.
      log('info', `closing link ${id}: ${(e as Error).message}`);
    }
  }

  async function write(id: number, link: Link, bytes: Uint8Array): Promise<boolean> {
    for (let off = 0; off < bytes.length; off += chunkBytes) {
      if (link.closed) return false;
      const chunk = bytes.subarray(off, off + chunkBytes);
      try {
        await client.sendData(`AT+CIPSEND=${id},${chunk.length}`, chunk);
      } catch (e) {
        log('warn', `link ${id}: the reply could not be sent (${(e as Error).message})`);
        return false;
      }
    }
    return true;
  }

  async function refuse(id: number, link: Link, status: number, why: string): Promise<void> {
    log('warn', `link ${id}: ${why}`);
    const body = new TextEncoder().encode(`${why}\n`);
    await write(id, link, formatHttpResponse(status, { 'Content-Type': 'text/plain', Connection: 'close' }, body));
    await closeLink(id, link);
  }

  async function serve(id: number, link: Link, req: HttpParseResult & { kind: 'request' }): Promise<void> {
    const c = checkHttpRequest(pc!, req.head.method, req.head.url, req.head.headers['content-length']);
    if (!c.ok) return refuse(id, link, c.status, c.why);
    const { id: session, setCookie } = sessions.resolve(req.head.headers['cookie'], link.key);
    let reply;
    try {
      reply = await pc!.handleRequest(c.endpoint, session, req.body);
    } catch {
      reply = { kind: 'close' as const, reason: 'handler failed' };
    }
    if (reply.kind === 'close') return closeLink(id, link);
    if (reply.kind === 'not-found') return refuse(id, link, 404, `no endpoint ${JSON.stringify(c.endpoint.slice(0, 40))}`);
    const headers: { [k: string]: string } = { 'Content-Type': 'application/octet-stream' };
    if (setCookie) headers['Set-Cookie'] = `session=${session}`;
    if (!req.head.keepAlive) headers['Connection'] = 'close';
    const sent = await write(id, link, formatHttpResponse(200, headers, reply.body));
    // SEND OK for every chunk: the reply is in the module's TCP stack, so the radio may move now.
    if (sent && reply.afterReply) {
      try {
        reply.afterReply();
      } catch (e) {
        log('warn', `${c.endpoint}: follow-up failed: ${(e as Error).message}`);
      }
    }
    if (!sent || !req.head.keepAlive) await closeLink(id, link);
  }

  function armTimeout(id: number, link: Link): void {
    if (link.timer !== undefined) clock.clearTimeout(link.timer);
    link.timer = undefined;
    if (!link.parser.partial || link.closed) return;
    link.timer = clock.setTimeout(() => {
      link.timer = undefined;
      if (link.closed || link.busy) return;
      log('warn', `link ${id}: request incomplete after ${requestTimeoutMs} ms; closing`);
      void closeLink(id, link);
    }, requestTimeoutMs);
  }

  function pump(id: number, link: Link): void {
    if (link.busy || link.closed || !running) return;
    const next = link.parser.next();
    if (!next) return armTimeout(id, link);
    link.busy = true;
    if (link.timer !== undefined) clock.clearTimeout(link.timer);
    link.timer = undefined;
    const work = next.kind === 'refuse' ? refuse(id, link, next.status, next.why) : serve(id, link, next);
    void work
      .catch((e: unknown) => log('warn', `link ${id}: ${(e as Error).message}`))
      .then(() => {
        link.busy = false;
        pump(id, link);
      });
  }

  let sessions = createHttpSessions();

  async function bringUp(): Promise<void> {
    setSoftApActive(client, true);
    await client.send('AT+SYSSTORE=0');
    await client.send('AT+CWMODE=3');
    const pwd = options.password || '';
    await client.send(`AT+CWSAP=${atQuote(options.ssid)},${atQuote(pwd)},${options.channel ?? 1},${pwd ? 3 : 0},${options.maxStations ?? 4}`);
    await client.send('AT+CIPMUX=1');
    await client.send(`AT+CIPSERVER=1,${port}`);
  }

  const t: SoftApTransport = {
    get name() {
      return `softap "${options.ssid}" port ${port}`;
    },
    ssid: options.ssid,
    get openLinks() {
      return links.size;
    },
    async start(protocomm) {
      pc = protocomm;
      sessions = createHttpSessions();
      if (!options.password) log('warn', `access point "${options.ssid}" is open (no password): anyone in range can join it (insecure)`);
      const onIpd = (id: number, data: Uint8Array): void => {
        if (!running) return;
        // The CONNECT line may have been lost on the UART: data opens the link as well.
        const link = links.get(id) || openLink(id);
        if (link.closed) return;
        link.parser.push(data);
        pump(id, link);
      };
      const onLine = (line: string): void => {
        const m = LINK_LINE.exec(line);
        if (!m || !running) return;
        const id = Number(m[1]);
        if (m[2] === 'CONNECT') openLink(id);
        else {
          // The phone went away: whatever it sent of an unfinished request is dropped, never handled.
          const link = links.get(id);
          if (link) dropLink(id, link);
        }
      };
      const onReady = (): void => {
        if (!running) return;
        // The module restarted: its access point and server are gone with every link.
        for (const [id, link] of links) dropLink(id, link);
        log('warn', 'the module restarted; bringing the access point up again');
        bringUp().catch((e: unknown) => log('warn', `bringing the access point up again failed: ${(e as Error).message}`));
      };
      client.on('ipd', onIpd);
      client.on('unsolicited', onLine);
      client.on('ready', onReady);
      offs = [() => client.off('ipd', onIpd), () => client.off('unsolicited', onLine), () => client.off('ready', onReady)];
      running = true;
      try {
        await bringUp();
      } catch (e) {
        running = false;
        for (const off of offs) off();
        setSoftApActive(client, false);
        throw e;
      }
    },
    async stop() {
      if (!running) return;
      running = false;
      for (const off of offs) off();
      offs = [];
      const hadLinks = links.size > 0;
      for (const [id, link] of links) dropLink(id, link);
      setSoftApActive(client, false);
      // AT+CIPCLOSE=5 closes every link on any ESP-AT version; the `,1` of AT+CIPSERVER=0,1 (close all)
      // is newer. Then single connection and station mode: the access point goes down.
      const steps = [...(hadLinks ? ['AT+CIPCLOSE=5'] : []), 'AT+CIPSERVER=0,1', 'AT+CIPMUX=0', 'AT+CWMODE=1'];
      for (const s of steps) {
        try {
          await client.send(s);
        } catch (e) {
          log('warn', `tearing the access point down: ${(e as Error).message}`);
        }
      }
    },
  };
  return t;
}

/** Options of {@link startSoftApProtocomm}: protocomm's (security, pop or verifier, ...) and the access point's. */
export interface SoftApProtocommOptions extends Omit<AttachOptions, 'transports' | 'scan'>, Omit<SoftApTransportOptions, 'ssid'> {
  /** The access point's full name; default `<ssidPrefix><short id>` (R11.5). */
  ssid?: string;
  /** Prefix of the access point's name (default `PROV_`). */
  ssidPrefix?: string;
  /** The device's short id; default the last two bytes of the module's SoftAP MAC, e.g. `3F2A`. */
  shortId?: string;
  /** The scan behind `prov-scan`; default the module's `AT+CWLAP` (`bridge.ports.wifi.scan`); `false`: none. */
  scan?: AttachOptions['scan'] | false;
  /** More transports served alongside (e.g. a console on the host). */
  transports?: ProtocommTransport[];
}

/** What {@link startSoftApProtocomm} started. */
export interface SoftApProtocommService extends ProtocommService {
  /** The access point's name the phone joins. */
  readonly ssid: string;
  /** The SoftAP transport. */
  readonly softAp: SoftApTransport;
}

const MAC_LINE = /^\+CIPAPMAC:"([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})"$/;

/** The module's short id: the last two bytes of its SoftAP MAC (`AT+CIPAPMAC?`), upper-case hex. */
export async function moduleShortId(client: AtClient): Promise<string> {
  const r = await client.send('AT+CIPAPMAC?');
  for (const line of r.lines) {
    const m = MAC_LINE.exec(line);
    if (m) return m[1]!.split(':').slice(4).join('').toUpperCase();
  }
  throw new Error('AT+CIPAPMAC? gave no MAC address; pass shortId or ssid');
}

/**
 * Make a Node host with a stock ESP-AT module provisionable by Espressif's "ESP SoftAP Provisioning"
 * app and esp_prov: the module opens an access point named `PROV_<short id>` (R11.5), serves
 * protocomm on its port 80, the credentials go through `provisioner`'s session (R11.1), a failure
 * keeps serving for a retry (R11.2), and after success the access point is torn down (R11.3).
 *
 * @example
 * ```ts
 * const bridge = createEsp32Bridge({ path: '/dev/ttyUSB0' });
 * await bridge.open();
 * const provisioner = createProvisioner(bridge.ports);
 * await provisioner.start();
 * const service = await startSoftApProtocomm(bridge, provisioner, {
 *   security: 2,
 *   verifier: { salt, verifier }, // from createSrpVerifier(), made offline
 *   password: 'per-device-ap-password',
 * });
 * console.log(`join ${service.ssid}`);
 * await service.stopped;
 * ```
 */
export async function startSoftApProtocomm(
  bridge: { client: AtClient; ports: { wifi: { scan(): Promise<ScanResult[]> } } },
  provisioner: Provisioner,
  options: SoftApProtocommOptions,
): Promise<SoftApProtocommService> {
  const ssid = options.ssid ?? `${options.ssidPrefix ?? 'PROV_'}${options.shortId ?? (await moduleShortId(bridge.client))}`;
  const softAp = softApTransport(bridge.client, {
    ssid,
    password: options.password,
    channel: options.channel,
    port: options.port,
    maxStations: options.maxStations,
    sendChunkBytes: options.sendChunkBytes,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const scan = options.scan === false ? undefined : options.scan || (() => bridge.ports.wifi.scan());
  const attach: AttachOptions = Object.assign({}, options, { transports: [softAp, ...(options.transports || [])], scan, clock: options.clock || bridge.client.clock });
  for (const k of ['ssid', 'ssidPrefix', 'shortId', 'password', 'channel', 'port', 'maxStations', 'sendChunkBytes', 'requestTimeoutMs'] as const) delete (attach as unknown as Record<string, unknown>)[k];
  const service = await attachProtocomm(provisioner, attach);
  return {
    get protocomm() {
      return service.protocomm;
    },
    get running() {
      return service.running;
    },
    stopped: service.stopped,
    stop: () => service.stop(),
    ssid,
    softAp,
  };
}
