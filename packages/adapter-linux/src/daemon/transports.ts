// The daemon's transports (protocomm, Improv): started and stopped around the provisioning session (R11.3).
import type { IncomingMessage } from 'node:http';
import type { Clock, Provisioner, ScanResult, TimerHandle, WifiPort } from '@provision/core';
import { parsePortalConfig } from '../portal/config';
import { launchPortal } from '../portal/launch';
import type { PortalServer } from '../portal/server';
import { adapterError, describe } from '../errors';
import { parseListen, suggest, type DaemonProtocommConfig, type DaemonTransportsConfig } from './config';
import type { Logger } from './log';
import { repeatLogger, type RepeatLogger } from './repeat-log';
import { readSecretFile } from './secret-file';

/** A transport that cannot start (its address not up yet, its serial device not there) is tried again this often. */
const RETRY_MS = 5000;

/** What `status` shows of one transport: where it serves, never a secret. */
export interface TransportStatus {
  /** `protocomm`, `improv`, … */
  name: string;
  running: boolean;
  [detail: string]: unknown;
}

/** What a transport starter needs from the daemon. */
export interface TransportRuntime {
  log: Logger;
  clock: Clock;
  /** The Wi-Fi port's scan, when it has one. */
  scan?: () => ScanResult[] | Promise<ScanResult[]>;
  /** The station's Wi-Fi port now (the portal scans it and names transient failures from its events). */
  wifi?: () => WifiPort | undefined;
  /** The station interface. Default `wlan0`. */
  ifname?: string;
}

/** What transports share while they run: the portal's HTTP server, which protocomm mounts on. */
interface Shared {
  portalServer?: PortalServer;
}

/** One running transport. */
export interface RunningTransport {
  /** Where it serves (shown by `status`). */
  status(): Record<string, unknown>;
  /** Resolves when it stopped by itself (after success, or when the session ended). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts one transport on a provisioner. Everything that can be checked before (files, secrets,
 * packages) is checked in `prepare`, once, at daemon start, so a bad setup fails the start.
 */
export interface TransportStarter {
  name: string;
  prepare(): Promise<(prov: Provisioner) => Promise<RunningTransport>>;
}

/** Import an optional peer package, or say which package to install. */
async function need<T>(pkg: string, key: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && describe(e).includes(pkg)) {
      throw adapterError('not-supported', `${key} is configured but the package ${pkg} is not installed: npm install ${pkg} (next to @provision/adapter-linux), or remove ${key} from the config`, {
        field: key,
        cause: e,
      });
    }
    throw e;
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** The verifier file `provision-protocomm srp-verifier` writes: `{"username","salt","verifier"}` in hex. */
function parseVerifier(text: string, file: string, username: string | undefined): { username?: string; salt: Uint8Array; verifier: Uint8Array } {
  const field = 'transports.protocomm.verifierFile';
  const bad = (why: string) =>
    adapterError('invalid-config', `${field}: ${file} ${why}; write it with provision-protocomm srp-verifier --user USER --password-file FILE > ${file}`, { field });
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  const o = j as { username?: unknown; salt?: unknown; verifier?: unknown };
  if (!o || typeof o !== 'object' || typeof o.salt !== 'string' || typeof o.verifier !== 'string' || !HEX.test(o.salt) || !HEX.test(o.verifier)) {
    throw bad('must hold "salt" and "verifier" as hex strings');
  }
  if (o.verifier.length !== 768) throw bad('has a verifier that is not 384 bytes');
  if (o.username !== undefined && typeof o.username !== 'string') throw bad('has a "username" that is not a string');
  if (username !== undefined && o.username !== undefined && o.username !== username) {
    throw adapterError('invalid-config', `transports.protocomm.username does not match the username ${file} was made for`, { field: 'transports.protocomm.username' });
  }
  return {
    ...(typeof o.username === 'string' ? { username: o.username } : {}),
    salt: new Uint8Array(Buffer.from(o.salt, 'hex')),
    verifier: new Uint8Array(Buffer.from(o.verifier, 'hex')),
  };
}

/** protocomm on the portal's server: its endpoints are POST requests to paths it has; the portal keeps the rest. */
function portalMounted(server: PortalServer, pc: typeof import('@provision/protocomm')): import('@provision/protocomm').ProtocommTransport {
  let unmount: (() => void) | undefined;
  return {
    name: 'http (shared with the portal)',
    start(p) {
      const endpoint = (req: IncomingMessage) => (req.url ?? '').split('?')[0]!.slice(1);
      unmount = server.mount((req) => req.method === 'POST' && p.hasEndpoint(endpoint(req)), pc.createHttpHandler(p));
    },
    stop() {
      unmount?.();
      unmount = undefined;
    },
  };
}

function portalStarter(c: unknown, rt: TransportRuntime, shared: Shared): TransportStarter | undefined {
  const cfg = parsePortalConfig(c);
  if (!cfg.enabled) return undefined;
  return {
    name: 'portal',
    async prepare() {
      return async (prov) => {
        const wifi = rt.wifi?.();
        const portal = await launchPortal(prov, cfg, { ...(wifi ? { wifi } : {}), ...(rt.ifname ? { ifname: rt.ifname } : {}), log: rt.log });
        shared.portalServer = portal.server;
        const stopped = portal.stopped.then(() => {
          if (shared.portalServer === portal.server) shared.portalServer = undefined;
        });
        return {
          status: () => ({ url: portal.url(), ...portal.state() }),
          stopped,
          stop: () => portal.stop(),
        };
      };
    },
  };
}

function protocommStarter(c: DaemonProtocommConfig, graceMs: number, always: boolean, rt: TransportRuntime, shared: Shared | undefined): TransportStarter {
  const key = 'transports.protocomm';
  return {
    name: 'protocomm',
    async prepare() {
      const pc = await need('@provision/protocomm', key, () => import('@provision/protocomm'));
      const security = c.security ?? 2;
      let pop: string | undefined = c.pop;
      if (c.popFile) pop = (await readSecretFile(c.popFile, `${key}.popFile`)).replace(/\r?\n$/, '');
      if (c.popFile && pop === '') throw adapterError('invalid-config', `${key}.popFile: ${c.popFile} is empty`, { field: `${key}.popFile` });
      let verifier: ReturnType<typeof parseVerifier> | undefined;
      if (security === 2) verifier = parseVerifier(await readSecretFile(c.verifierFile!, `${key}.verifierFile`), c.verifierFile!, c.username);
      const insecure = security === 0 ? 'security 0: credentials cross the network in plaintext' : security === 1 && pop === undefined ? 'security 1 without a proof of possession: anyone in range can provision' : undefined;
      const { host, port } = parseListen(c.listen ?? '0.0.0.0:80')!;
      const onPortal = shared !== undefined && c.listen === undefined;
      const baudRate = c.consoleBaudRate ?? 115200;
      const serial = c.console ? await need('serialport', `${key}.console`, () => import('serialport')) : undefined;
      return async (prov) => {
        if (insecure) rt.log('transport-insecure', { transport: 'protocomm', security, message: `${insecure} (allowInsecure is set)` });
        let http: import('@provision/protocomm').HttpTransport | undefined;
        const transports: import('@provision/protocomm').ProtocommTransport[] = [];
        let portalUrl: string | undefined;
        if (onPortal) {
          const server = shared.portalServer;
          if (!server) throw new Error("the portal's server is not up (protocomm shares it when listen is not set)");
          transports.push(portalMounted(server, pc));
          portalUrl = server.origin();
        } else {
          http = pc.httpTransport({ host, port });
          transports.push(http);
        }
        let consolePort: import('serialport').SerialPort | undefined;
        if (serial && c.console) {
          const sp = new serial.SerialPort({ path: c.console, baudRate, autoOpen: false });
          await new Promise<void>((resolve, reject) => sp.open((err) => (err ? reject(err) : resolve())));
          consolePort = sp;
          // IDF's 256-byte lines are too short for security 2's Cmd0 (about 800 hex digits).
          transports.push(pc.consoleTransport(sp, { name: `console ${c.console}`, ...(security === 2 ? { maxLineBytes: 2048 } : {}) }));
        }
        let service: import('@provision/protocomm').ProtocommService;
        try {
          service = await pc.attachProtocomm(prov, {
            security,
            ...(pop === undefined ? {} : { pop }),
            ...(security === 1 && pop === undefined ? { allowNoPop: true } : {}),
            ...(verifier ? { verifier: { salt: verifier.salt, verifier: verifier.verifier } } : {}),
            transports,
            clock: rt.clock,
            graceMs,
            stopAfterSuccess: !always,
            ...(rt.scan ? { scan: rt.scan } : {}),
            log: (level, message) => rt.log('protocomm', { level, message }),
          });
        } catch (e) {
          consolePort?.close();
          throw e;
        }
        const closeConsole = (): Promise<void> =>
          new Promise<void>((resolve) => {
            const sp = consolePort;
            consolePort = undefined;
            if (!sp || !sp.isOpen) return resolve();
            sp.close(() => resolve());
          });
        const stopped = service.stopped.then(closeConsole);
        const where = http?.address();
        return {
          status: () => ({
            security,
            listen: portalUrl !== undefined ? `${portalUrl} (shared with the portal)` : where ? `${where.address.includes(':') ? `[${where.address}]` : where.address}:${where.port}` : `${host}:${port}`,
            ...(c.console ? { console: c.console } : {}),
            ...(verifier?.username ?? c.username ? { username: verifier?.username ?? c.username } : {}),
            ...(insecure ? { insecure: true } : {}),
          }),
          stopped,
          stop: () => service.stop().then(closeConsole),
        };
      };
    },
  };
}

function improvStarter(c: object, rt: TransportRuntime): TransportStarter {
  const key = 'transports.improv';
  return {
    name: 'improv',
    async prepare() {
      const im = await need('@provision/improv', key, () => import('@provision/improv/serial'));
      let checked: ReturnType<typeof im.validateImprovConfig>;
      try {
        checked = im.validateImprovConfig(c, key);
      } catch (e) {
        throw improvConfigError(e);
      }
      return async (prov) => {
        let closed = false;
        let ended: () => void = () => undefined;
        const stopped = new Promise<void>((r) => (ended = r));
        const t = await im.startImprovTransport(prov, c, {
          clock: rt.clock,
          ...(rt.scan ? { scan: rt.scan } : {}),
          log: (message: string) => rt.log('improv', { message }),
        });
        return {
          status: () => ({ path: checked.path, baudRate: checked.baudRate }),
          stopped,
          async stop() {
            if (closed) return;
            closed = true;
            await t.close();
            ended();
          },
        };
      };
    },
  };
}

/**
 * An error of `@provision/improv`'s validator as the daemon words its own: without the offending value
 * (`; got …`), which may be a secret pasted into the wrong key, and with a "did you mean" for an
 * unknown key.
 */
function improvConfigError(e: unknown): Error {
  const field = (e as { field?: unknown }).field;
  let msg = describe(e).replace(/[;,] got [\s\S]*$/, '');
  const unknown = /^(transports\.improv\.([^:]+)): unknown key; allowed: (.+)$/.exec(msg);
  if (unknown) {
    const s = suggest(unknown[2]!, unknown[3]!.split(', '));
    msg = `${unknown[1]} is not a known key${s ? ` (did you mean ${s}?)` : ''}; allowed: ${unknown[3]}`;
  }
  return adapterError('invalid-config', msg, { ...(typeof field === 'string' ? { field } : {}), cause: e });
}

/** The daemon's transports, following the provisioner in charge. */
export interface Transports {
  /** Follow `prov` (the daemon's provisioner, again after it was replaced): stop those of the old one, start per R11.3. */
  follow(prov: Provisioner): Promise<void>;
  /** For `status`: each configured transport, whether it runs, and where. */
  status(): TransportStatus[];
  stop(): Promise<void>;
}

/**
 * Check the configured transports (packages installed, secret files private, verifier well formed)
 * and return a controller that runs them per R11.3: while the device is unprovisioned or a session is
 * active (or always, with `always: true`), stopped `graceMs` after `cred-success` and when the session
 * ends. Several run at once on the one session: the first credentials win.
 */
export async function prepareTransports(config: DaemonTransportsConfig | undefined, rt: TransportRuntime): Promise<Transports> {
  const always = config?.always === true;
  const graceMs = config?.graceMs ?? 30_000;
  // One starter per key of `transports` (TRANSPORT_KEYS in config.ts); a new transport adds its key
  // there and its starter here.
  const starters: TransportStarter[] = [];
  const shared: Shared = {};
  // The portal first: protocomm without a `listen` of its own mounts on the portal's server.
  const portal = config?.portal === undefined ? undefined : portalStarter(config.portal, rt, shared);
  if (portal) starters.push(portal);
  if (config?.protocomm) starters.push(protocommStarter(config.protocomm, graceMs, always, rt, portal ? shared : undefined));
  if (config?.improv) starters.push(improvStarter(config.improv, rt));
  const ready = await Promise.all(starters.map(async (s) => ({ name: s.name, start: await s.prepare() })));

  const running = new Map<string, RunningTransport>();
  const starting = new Set<string>();
  let prov: Provisioner | undefined;
  let offs: (() => void)[] = [];
  let graceTimer: TimerHandle | undefined;
  let retryTimer: TimerHandle | undefined;
  let closed = false;
  const failures = new Map<string, RepeatLogger>();
  const failLog = (name: string): RepeatLogger => {
    let l = failures.get(name);
    if (!l) failures.set(name, (l = repeatLogger(rt.log, rt.clock)));
    return l;
  };

  const clearGrace = (): void => {
    if (graceTimer !== undefined) rt.clock.clearTimeout(graceTimer);
    graceTimer = undefined;
  };

  async function stopAll(why: string): Promise<void> {
    clearGrace();
    if (retryTimer !== undefined) rt.clock.clearTimeout(retryTimer);
    retryTimer = undefined;
    const all = [...running.entries()];
    running.clear();
    await Promise.all(
      all.map(([name, t]) =>
        t.stop().then(
          () => rt.log('transport-stopped', { transport: name, why }),
          (e: unknown) => rt.log('transport-error', { transport: name, message: `stopping failed: ${describe(e)}` }),
        ),
      ),
    );
  }

  function wanted(p: Provisioner): boolean {
    const s = p.getSessionState();
    return always || !p.isWifiConfigured() || (s !== 'idle' && s !== 'stopping' && s !== 'success');
  }

  async function startAll(p: Provisioner): Promise<void> {
    for (const r of ready) {
      if (closed || prov !== p || running.has(r.name) || starting.has(r.name)) continue;
      starting.add(r.name);
      try {
        const t = await r.start(p);
        if (closed || prov !== p) {
          await t.stop();
          continue;
        }
        running.set(r.name, t);
        failLog(r.name).clear();
        rt.log('transport-started', { transport: r.name, ...t.status() });
        void t.stopped.then(() => {
          if (running.get(r.name) !== t) return;
          running.delete(r.name);
          rt.log('transport-stopped', { transport: r.name, why: 'success or session end' });
          // With always: true, serve again on a new session.
          if (always && !closed && prov === p) void startAll(p);
        });
      } catch (e) {
        // The SoftAP's address may come up after the daemon, a USB gadget port after the host plugs in.
        failLog(r.name).report('transport-error', `cannot start: ${describe(e)}`, { transport: r.name, retryMs: RETRY_MS });
        if (retryTimer === undefined) {
          retryTimer = rt.clock.setTimeout(() => {
            retryTimer = undefined;
            if (!closed && prov === p && wanted(p)) void startAll(p);
          }, RETRY_MS);
        }
      } finally {
        starting.delete(r.name);
      }
    }
  }

  return {
    async follow(p) {
      for (const off of offs) off();
      offs = [];
      await stopAll('provisioner replaced');
      prov = p;
      if (ready.length === 0) return;
      offs = [
        // A session started by someone else (an app's startSession() or resetForReprovision()): serve it.
        p.on('start', () => void startAll(p)),
        p.on('cred-success', () => {
          if (always) return;
          clearGrace();
          if (retryTimer !== undefined) rt.clock.clearTimeout(retryTimer);
          retryTimer = undefined;
          // protocomm stops itself once its client was told; this covers the rest (Improv already sent its result).
          graceTimer = rt.clock.setTimeout(() => {
            graceTimer = undefined;
            void stopAll('provisioned');
          }, graceMs);
        }),
        p.on('end', () => {
          if (!always && graceTimer === undefined) void stopAll('session ended');
        }),
      ];
      if (wanted(p)) await startAll(p);
    },
    status() {
      return ready.map((r) => {
        const t = running.get(r.name);
        return { name: r.name, running: !!t, ...(t ? t.status() : {}) };
      });
    },
    async stop() {
      closed = true;
      for (const off of offs) off();
      offs = [];
      await stopAll('daemon stopping');
    },
  };
}
