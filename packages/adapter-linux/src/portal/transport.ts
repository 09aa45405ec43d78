// The captive portal transport: the page, the routes and the access point over the provisioner's session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateCredentials, type Clock, type MaybePromise, type Provisioner, type ScanResult, type TimerHandle, type WifiCredentials, type WifiEvent } from '@provision/core';
import type { AccessPoint } from '../access-point/access-point';
import { nodeClock } from '../clock';
import type { Logger } from '../daemon/log';
import { describe } from '../errors';
import { PORTAL_CSS, PORTAL_JS } from './assets';
import { renderPage } from './page';
import { createPortalServer, readBody, sendJson, sendText, type PortalLimits, type PortalServer } from './server';
import { failureMessage, READY_MESSAGE, retryMessage, type PortalStatus } from './status';

/**
 * The daemon's `transports.portal` settings.
 *
 * @example
 * ```json
 * { "transports": { "portal": { "enabled": true, "ssidPrefix": "PROV", "password": "per-device-secret", "address": "192.168.4.1/24" } } }
 * ```
 */
export interface PortalConfig {
  /** Run the portal. Default true when the section is present. */
  enabled?: boolean;
  /** Access point SSID prefix: the SSID is `<prefix>_<short id>` (R11.5). Default `PROV`. */
  ssidPrefix?: string;
  /** Access point WPA2 password (8..63 printable ASCII); required unless `open` (R11.4). */
  password?: string;
  /** The device's address and prefix on the access point. Default `192.168.4.1/24`. */
  address?: string;
  /** HTTP port. Default 80. */
  port?: number;
  /** Address the server binds to. Default: every address (`0.0.0.0`). */
  listenHost?: string;
  /** Extra host names that are the device (e.g. `provision.local`); the address always is. */
  hostNames?: string[];
  /** Where the person goes after success; `{ip}` is replaced by the device's new address. Default `http://{ip}/`. */
  nextUrl?: string;
  /** Time between success and tearing the portal and access point down, ms (R11.3). Default 10000. */
  graceMs?: number;
  /** Open event streams at once. Default 16. */
  maxEventStreams?: number;
  /** Server limits. */
  limits?: PortalLimits;
}

/** What the portal needs besides the provisioner. */
export interface PortalDeps {
  /** The access point to raise; without one the portal serves on the networks the device already has. */
  accessPoint?: AccessPoint;
  /** Scan for networks (the Wi-Fi port's `scan`). Called before the access point is raised. */
  scan?: () => MaybePromise<ScanResult[]>;
  /** Time, for the grace period and event-stream keep-alives. Default the Node clock. */
  clock?: Clock;
  /** Log lines; never given a passphrase. */
  log?: Logger;
  /** The name shown on the page. Default the access point's SSID, else `this device`. */
  deviceName?: string;
  /**
   * The Wi-Fi port's `subscribe`, read only to name transient failures: the session retries reasons
   * other than `auth-error`/`ap-not-found` without an event of its own, so without this the page shows
   * "Connecting…" until the retry succeeds or the person gives up. Never used for anything else.
   */
  stationEvents?: (listener: (event: WifiEvent) => void) => () => void;
  /** Serve on this server instead of creating one (it must already be listening or be listened by the caller). */
  server?: PortalServer;
}

/** A running portal. */
export interface PortalTransport {
  /** The HTTP server; mount other handlers on it (`server.mount`). */
  readonly server: PortalServer;
  /** The page's URL, e.g. `http://192.168.4.1/`. */
  url(): string;
  /** The current status. */
  status(): PortalStatus;
  /** The cached networks, strongest first. */
  networks(): ScanResult[];
  /** Whether the access point and the portal are up (for `provision-linux status`). */
  state(): { accessPoint: boolean; portal: boolean };
  /** Scan again; drops the access point briefly when the radio cannot scan while it is up. */
  rescan(): Promise<ScanResult[]>;
  /** Tear everything down (idempotent). */
  stop(): Promise<void>;
  /** Resolves once the portal has stopped (after success and the grace period, or `stop()`). */
  readonly stopped: Promise<void>;
}

/** Networks strongest first, one entry per SSID, no empty (hidden) names. */
export function tidyNetworks(list: ScanResult[]): ScanResult[] {
  const best = new Map<string, ScanResult>();
  for (const n of list) {
    if (!n || typeof n.ssid !== 'string' || n.ssid === '' || !Number.isFinite(n.rssi)) continue;
    const prev = best.get(n.ssid);
    if (!prev || n.rssi > prev.rssi) best.set(n.ssid, { ssid: n.ssid, rssi: n.rssi, secure: !!n.secure });
  }
  return [...best.values()].sort((a, b) => b.rssi - a.rssi).slice(0, 64);
}

class ConnectRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Credentials from a form or JSON body (R9.2); `hidden` picks the typed name over the list. */
export function parseConnectBody(type: string | undefined, body: Buffer): { creds: WifiCredentials; hidden: boolean; form: boolean } {
  const t = (type ?? '').split(';')[0].trim().toLowerCase();
  let ssid: unknown;
  let passphrase: unknown;
  let hidden = false;
  const form = t === 'application/x-www-form-urlencoded';
  const text = body.toString('utf8');
  if (t === 'application/json') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new ConnectRequestError(400, 'the body is not valid JSON; send {"ssid": "...", "passphrase": "..."}');
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConnectRequestError(400, 'the body must be a JSON object {"ssid", "passphrase", "hidden"}');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k !== 'ssid' && k !== 'passphrase' && k !== 'hidden') throw new ConnectRequestError(400, `unknown field ${JSON.stringify(k.slice(0, 32))}; allowed: ssid, passphrase, hidden`);
    }
    ssid = o.ssid;
    passphrase = o.passphrase ?? '';
    if (o.hidden !== undefined && typeof o.hidden !== 'boolean') throw new ConnectRequestError(400, 'hidden must be true or false');
    hidden = o.hidden === true;
  } else if (form) {
    const p = new URLSearchParams(text);
    const typed = p.get('hidden_ssid') ?? '';
    hidden = typed !== '' || p.get('hidden') === '1' || p.get('hidden') === 'on';
    ssid = typed !== '' ? typed : (p.get('ssid') ?? '');
    passphrase = p.get('passphrase') ?? '';
  } else {
    throw new ConnectRequestError(415, 'send application/json or application/x-www-form-urlencoded');
  }
  if (typeof ssid !== 'string' || ssid === '') throw new ConnectRequestError(400, 'pick a network from the list or enter its name');
  if (typeof passphrase !== 'string') throw new ConnectRequestError(400, 'passphrase must be a string');
  try {
    return { creds: validateCredentials({ ssid, passphrase }), hidden, form };
  } catch (e) {
    // The core's message names the rule and never echoes the passphrase.
    throw new ConnectRequestError(400, describe(e));
  }
}

/**
 * Start the captive portal over a provisioner: scan, raise the access point, serve the page, and carry
 * the person's credentials into the session (`configureSta`), reporting the session's events back over
 * Server-Sent Events. A failure resets the session for new credentials (R11.2); success is shown, then
 * after `graceMs` the access point and the server are torn down (R11.3). Starts the session when idle.
 *
 * The portal keeps no credentials: they go straight to `configureSta`, which persists them only once
 * they worked (R8.4, R11.1).
 *
 * @example
 * ```ts
 * const ap = await createAccessPoint({ ifname: 'wlan0', shortId: '3F2A', password: 'per-device-secret' });
 * const portal = await startPortalTransport(prov, { port: 80 }, { accessPoint: ap, scan: () => wifi.scan() });
 * console.log(portal.url()); // http://192.168.4.1/
 * ```
 */
export async function startPortalTransport(provisioner: Provisioner, config: PortalConfig = {}, deps: PortalDeps = {}): Promise<PortalTransport> {
  const clock = deps.clock ?? nodeClock;
  const log: Logger = deps.log ?? (() => undefined);
  const ap = deps.accessPoint;
  const graceMs = config.graceMs ?? 10_000;
  const maxStreams = config.maxEventStreams ?? 16;
  const address = ap ? ap.settings.address : (config.address ?? '192.168.4.1').split('/')[0];
  const deviceName = deps.deviceName ?? (ap ? ap.settings.ssid : 'this device');
  const nextTemplate = config.nextUrl ?? 'http://{ip}/';
  if (!Number.isInteger(graceMs) || graceMs < 0) throw new TypeError(`graceMs must be a whole number of ms >= 0, got ${String(graceMs)}`);

  let networks: ScanResult[] = [];
  let status: PortalStatus = { phase: 'ready', message: READY_MESSAGE, seq: 0 };
  let lastIp: string | undefined;
  let trying: string | undefined;
  let apDroppedForAttempt = false;
  let stopping = false;
  let graceTimer: TimerHandle | undefined;
  const streams = new Set<ServerResponse>();
  const unsubscribe: (() => void)[] = [];
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const setStatus = (next: Omit<PortalStatus, 'seq'>): void => {
    status = { ...next, seq: status.seq + 1 };
    const frame = `data: ${JSON.stringify(status)}\n\n`;
    for (const s of streams) s.write(frame);
    log('portal-status', { phase: status.phase, ssid: status.ssid, reason: status.reason });
  };

  const scanNow = async (): Promise<void> => {
    if (!deps.scan) return;
    try {
      networks = tidyNetworks(await deps.scan());
      log('portal-scan', { networks: networks.length });
    } catch (e) {
      log('portal-scan-failed', { error: describe(e) });
    }
  };

  const raiseAp = async (): Promise<void> => {
    if (!ap || stopping) return;
    try {
      await ap.start();
      log('access-point-up', { backend: ap.backend, ssid: ap.settings.ssid, address: ap.settings.address, open: ap.settings.password === '' });
    } catch (e) {
      log('access-point-failed', { backend: ap.backend, error: describe(e) });
      throw e;
    }
  };
  const dropAp = async (why: string): Promise<void> => {
    if (!ap || !ap.isUp()) return;
    try {
      await ap.stop();
      log('access-point-down', { backend: ap.backend, why });
    } catch (e) {
      log('access-point-stop-failed', { backend: ap.backend, error: describe(e) });
    }
  };

  // 1. Scan while the radio is still a station: a radio in AP mode cannot scan.
  await scanNow();
  if (ap && ap.settings.password === '') log('access-point-insecure', { ssid: ap.settings.ssid, note: 'open access point: anyone in range can join and see the network list' });
  // 2. The access point.
  await raiseAp();

  // 3. The session's events are the only source of progress (R11.1).
  const on: Provisioner['on'] = (name, fn) => {
    const u = provisioner.on(name, fn);
    unsubscribe.push(u);
    return u;
  };
  on('cred-recv', (ev) => {
    trying = ev.ssid;
    setStatus({ phase: 'connecting', ssid: ev.ssid, message: `Connecting to ${ev.ssid}…` });
  });
  on('wifi', (ev) => {
    if (ev.state === 'connected' && ev.ip) lastIp = ev.ip;
    if (!trying || (status.phase !== 'connecting' && status.phase !== 'retrying') || !ev.reason) return;
    if (ev.state === 'connecting' || ev.state === 'attempt-failed') {
      setStatus({ phase: 'retrying', ssid: trying, reason: ev.reason, raw: ev.raw, message: retryMessage(trying, ev.reason, ev.raw, ev.attemptsRemaining) });
    }
  });
  if (deps.stationEvents) {
    unsubscribe.push(
      deps.stationEvents((ev) => {
        if (ev.type !== 'disconnected' || ev.reason !== 'other' || !trying || provisioner.getSessionState() !== 'cred-recv') return;
        if (status.phase !== 'connecting' && status.phase !== 'retrying') return;
        setStatus({ phase: 'retrying', ssid: trying, reason: 'other', raw: ev.raw, message: retryMessage(trying, 'other', ev.raw) });
      }),
    );
  }
  on('cred-fail', (ev) => {
    const ssid = trying ?? '';
    // Back to `started` for new credentials; the page keeps the form (R11.2).
    if (provisioner.getSessionState() === 'fail') provisioner.resetOnFailure();
    setStatus({ phase: 'failed', ssid, reason: ev.reason, raw: ev.raw, message: `${failureMessage(ssid, ev.reason, ev.raw)}. Check it and try again.` });
    if (apDroppedForAttempt) {
      apDroppedForAttempt = false;
      // The phone sees the reason once it rejoins the access point.
      void raiseAp().catch(() => undefined);
    }
  });
  on('cred-success', (ev) => {
    const nextUrl = lastIp ? nextTemplate.split('{ip}').join(lastIp) : undefined;
    setStatus({
      phase: 'connected',
      ssid: ev.ssid,
      ip: lastIp,
      nextUrl,
      message: lastIp ? `Connected to ${ev.ssid}. The device's address there is ${lastIp}.` : `Connected to ${ev.ssid}.`,
    });
    // Success is reported before anything shuts down (R11.2); then the grace period (R11.3).
    graceTimer = clock.setTimeout(() => {
      graceTimer = undefined;
      void stop();
    }, graceMs);
  });
  on('end', () => {
    if (status.phase !== 'connected') setStatus({ phase: 'closed', message: 'Provisioning has ended on the device.' });
  });

  if (provisioner.getSessionState() === 'idle') provisioner.startSession();

  // 4. The server.
  const portal =
    deps.server ??
    createPortalServer({
      deviceHosts: [address, ...(config.hostNames ?? [])],
      listenHost: config.listenHost,
      port: config.port ?? 80,
      limits: config.limits,
    });
  const page = (): string => renderPage({ deviceName, networks, status });
  const asset = (body: string, type: string) => (_req: IncomingMessage, res: ServerResponse) => sendText(res, 200, body, type, { 'Cache-Control': 'max-age=300' });
  const security = {
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };

  portal.route('GET', '/', (_req, res) => sendText(res, 200, page(), 'text/html; charset=utf-8', security));
  portal.route('GET', '/portal.css', asset(PORTAL_CSS, 'text/css; charset=utf-8'));
  portal.route('GET', '/portal.js', asset(PORTAL_JS, 'text/javascript; charset=utf-8'));
  portal.route('GET', '/networks', (_req, res) => sendJson(res, 200, { networks }));
  portal.route('GET', '/status', (_req, res) =>
    sendJson(res, 200, { ...status, session: provisioner.getSessionState(), accessPoint: ap ? ap.isUp() : false, backend: ap ? ap.backend : undefined }),
  );
  portal.route('GET', '/events', (req, res) => {
    if (streams.size >= maxStreams) {
      sendText(res, 503, 'too many event streams', 'text/plain; charset=utf-8', { 'Retry-After': '5' });
      return;
    }
    // An event stream is long-lived by design: only this socket's idle cut-off is lifted.
    req.socket.setTimeout(0);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(`retry: 2000\n\ndata: ${JSON.stringify(status)}\n\n`);
    streams.add(res);
    let ping: TimerHandle | undefined;
    const beat = (): void => {
      ping = clock.setTimeout(() => {
        res.write(': keep-alive\n\n');
        beat();
      }, 15_000);
    };
    beat();
    res.on('close', () => {
      streams.delete(res);
      clock.clearTimeout(ping);
    });
  });
  portal.route('POST', '/connect', async (req, res) => {
    let parsed: ReturnType<typeof parseConnectBody>;
    try {
      parsed = parseConnectBody(req.headers['content-type'], await readBody(req, portal.limits.maxBodyBytes));
    } catch (e) {
      const code = e instanceof ConnectRequestError ? e.status : ((e as { status?: number }).status ?? 400);
      const message = code === 413 ? `the request is too large: at most ${portal.limits.maxBodyBytes} bytes` : describe(e);
      log('portal-connect-refused', { status: code, error: message });
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') && code !== 413) {
        setStatusLocal(res, message);
        return;
      }
      sendJson(res, code, { error: message });
      if (code === 413) req.socket.destroySoon();
      return;
    }
    const refused = admit();
    if (refused) {
      sendJson(res, 409, { error: refused });
      return;
    }
    log('portal-connect', { ssid: parsed.creds.ssid, hidden: parsed.hidden });
    const concurrent = ap ? await ap.concurrent() : true;
    trying = parsed.creds.ssid;
    // Announce before the attempt, so the page shows progress even if the access point goes down.
    if (parsed.form) sendText(res, 303, '', 'text/plain; charset=utf-8', { Location: '/' });
    else sendJson(res, 202, { status: { ...status, phase: 'connecting', ssid: parsed.creds.ssid, message: `Connecting to ${parsed.creds.ssid}…`, seq: status.seq } });
    if (!concurrent && ap && ap.isUp()) {
      // The radio cannot do both: let the answer leave, then give the radio to the station.
      await new Promise<void>((r) => clock.setTimeout(r, 300));
      apDroppedForAttempt = true;
      await dropAp('station attempt on a radio without AP+STA');
    }
    provisioner.configureSta(parsed.creds).catch((e: unknown) => {
      setStatus({ phase: 'failed', ssid: parsed.creds.ssid, reason: 'other', message: `Could not apply the settings for ${parsed.creds.ssid}: ${describe(e)}` });
      if (provisioner.getSessionState() === 'fail') provisioner.resetOnFailure();
      if (apDroppedForAttempt) {
        apDroppedForAttempt = false;
        void raiseAp().catch(() => undefined);
      }
    });
  });

  /** A validation failure for a no-JavaScript client: the page again with the reason. */
  function setStatusLocal(res: ServerResponse, message: string): void {
    const html = renderPage({ deviceName, networks, status: { phase: 'failed', message, seq: status.seq } });
    sendText(res, 400, html, 'text/html; charset=utf-8', security);
  }

  /** Why new credentials cannot be taken now, if they cannot. */
  function admit(): string | undefined {
    if (stopping) return 'the portal is shutting down';
    const s = provisioner.getSessionState();
    if (s === 'fail') provisioner.resetOnFailure();
    if (s === 'success' || status.phase === 'connected') return 'the device is already connected';
    if (s === 'idle' || s === 'stopping') return 'provisioning has ended on the device';
    // The first credentials win (R11.3); only an attempt that keeps failing transiently may be replaced.
    if (s === 'cred-recv' && status.phase !== 'retrying') return 'a connection attempt is under way; wait for its result';
    return undefined;
  }

  if (!deps.server) {
    try {
      await portal.listen();
    } catch (e) {
      for (const u of unsubscribe) u();
      await dropAp('the portal could not listen');
      throw e;
    }
  }
  log('portal-up', { url: `${portal.origin()}/` });

  async function stop(): Promise<void> {
    if (stopping) return stopped;
    stopping = true;
    if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
    for (const u of unsubscribe) u();
    for (const s of streams) s.end();
    streams.clear();
    if (!deps.server) await portal.close();
    await dropAp('portal stopped');
    log('portal-down', {});
    resolveStopped();
    return stopped;
  }

  return {
    server: portal,
    url: () => `${portal.origin()}/`,
    status: () => status,
    networks: () => networks,
    state: () => ({ accessPoint: ap ? ap.isUp() : false, portal: !stopping }),
    async rescan() {
      const canBoth = ap ? await ap.concurrent() : true;
      if (ap && ap.isUp() && !canBoth) {
        await dropAp('rescan on a radio without AP+STA');
        await scanNow();
        await raiseAp();
      } else await scanNow();
      return networks;
    },
    stop,
    stopped,
  };
}
