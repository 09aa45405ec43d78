// attachProtocomm(): the provisioner's session behind the protocomm endpoints (R11.1–R11.3). A thin mapping, no second state machine.
import { describeError } from './describe';
import { defaultClock, validateCredentials, type Clock, type Provisioner, type WifiCredentials } from '@provision/core';
import type { AuthModeName } from './auth-mode';
import { configEndpoint, type StationStatus } from './endpoints/config';
import { ctrlEndpoint } from './endpoints/ctrl';
import { scanEndpoint, type ScanEndpointOptions, type ScanFunction } from './endpoints/scan';
import { createProtocomm, type Protocomm, type ProtocommOptions, type VersionEntry } from './protocomm';
import type { ProtocommTransport } from './transport';

/** Options for {@link attachProtocomm}. */
export interface AttachOptions extends ProtocommOptions {
  /** Where to serve (see {@link httpTransport}, {@link consoleTransport}). Several may run at once (R11.3). */
  transports: ProtocommTransport[];
  /** The Wi-Fi scan behind `prov-scan` (e.g. `() => wifi.scan()`); without it no `prov-scan` / `wifi_scan` cap. */
  scan?: ScanFunction;
  /** prov-scan limits (at most 16 results by default). */
  scanOptions?: Omit<ScanEndpointOptions, 'clock'>;
  /**
   * After a failed attempt, return the session to accepting credentials at once so the person can retry
   * without a reboot (R11.2). Default true. GetStatus still reports the failure and its reason.
   */
  resetOnFailure?: boolean;
  /** Stop serving after success (R11.3). Default true. */
  stopAfterSuccess?: boolean;
  /** After success, stop this long after the client was told (its GetStatus answered Connected), ms. Default 1000. */
  toldGraceMs?: number;
  /** After success, stop at the latest this long later even if the client never asked, ms. Default 30 000. */
  graceMs?: number;
  /** Application entries of the `proto-ver` answer. */
  versions?: { [label: string]: VersionEntry };
}

/** A running protocomm service. */
export interface ProtocommService {
  /** The transport-agnostic core (to add endpoints: `addEndpoint`). */
  readonly protocomm: Protocomm;
  /** True until stopped. */
  readonly running: boolean;
  /** Resolves once every transport has stopped (after success + grace, on session end, or `stop()`). */
  readonly stopped: Promise<void>;
  /** Stop every transport and destroy the security session. The provisioner's session is left as it is. */
  stop(): Promise<void>;
}

/**
 * Serve Espressif's provisioning protocol for `provisioner`: starts its provisioning session (R8.3) if it
 * is idle, maps SetConfig + ApplyConfig to `configureSta()` (R11.1, connecting as soon as the Apply reply
 * has been flushed), answers GetStatus from the session and *this* failure's reason, keeps serving after
 * a failure so the person can retry (R11.2), and stops after success once the client has been told
 * (R11.3).
 *
 * @example
 * ```ts
 * const service = await attachProtocomm(prov, {
 *   security: 2,
 *   verifier: { salt, verifier },
 *   transports: [httpTransport({ host: '0.0.0.0', port: 8080 })],
 *   scan: () => wifi.scan(),
 * });
 * await service.stopped;
 * ```
 */
export async function attachProtocomm(provisioner: Provisioner, options: AttachOptions): Promise<ProtocommService> {
  if (!options || !Array.isArray(options.transports) || options.transports.length === 0) throw new TypeError('attachProtocomm: transports must be a non-empty array');
  const clock: Clock = options.clock || defaultClock;
  const pc = createProtocomm(Object.assign({}, options, { clock }));
  const log = pc.log;
  if (options.versions) for (const label of Object.keys(options.versions)) pc.setVersionEntry(label, options.versions[label]!);

  // What GetStatus needs beyond the session's own state: this attempt's SSID, failure reason and address.
  let attempt: { ssid: string; auth: AuthModeName } | undefined;
  let outcome: StationStatus | undefined;
  let remaining: number | undefined;
  let ip = '';
  let pending: WifiCredentials | undefined;
  // The last scan only (bounded): what GetStatus reports of the joined network's channel and BSSID.
  let scanned: { [ssid: string]: { channel?: number; bssid?: string; secure: boolean } } = Object.create(null);

  const offs = [
    provisioner.on('cred-recv', (e) => {
      outcome = undefined;
      remaining = undefined;
      if (attempt) attempt.ssid = e.ssid;
    }),
    provisioner.on('wifi', (e) => {
      if (e.state === 'connected') ip = e.ip || '';
      if (e.state === 'attempt-failed') remaining = e.attemptsRemaining;
    }),
    provisioner.on('cred-fail', (e) => {
      outcome = { state: 'failed', reason: e.reason };
      log('info', `attempt failed (${e.reason}); waiting for new credentials`);
      if (options.resetOnFailure !== false && provisioner.getSessionState() === 'fail') provisioner.resetOnFailure();
    }),
    provisioner.on('cred-success', (e) => {
      const seen = scanned[e.ssid];
      outcome = { state: 'connected', ip, ssid: e.ssid, auth: attempt ? attempt.auth : 'Open' };
      if (seen && seen.channel) outcome.channel = seen.channel;
      if (seen && seen.bssid) outcome.bssid = seen.bssid;
      if (options.stopAfterSuccess !== false) stopLater(options.graceMs ?? 30_000);
    }),
    provisioner.on('end', () => {
      if (running) void stop();
    }),
  ];

  const status = (): StationStatus => {
    const s = provisioner.getSessionState();
    if (outcome && (outcome.state === 'failed' || s === 'success' || s === 'idle' || s === 'stopping')) return outcome;
    if (s === 'cred-recv') return remaining !== undefined ? { state: 'connecting', attemptsRemaining: remaining } : { state: 'connecting' };
    return { state: 'disconnected' };
  };

  // The first credentials to arrive win (R11.3): while they are tried, others are refused.
  const canAccept = (): boolean => {
    const s = provisioner.getSessionState();
    return s === 'started' || s === 'fail';
  };

  pc.addEndpoint(
    'prov-config',
    configEndpoint({
      status,
      set(creds) {
        if (!canAccept()) throw new Error(`credentials refused: the session is ${provisioner.getSessionState()}`);
        pending = validateCredentials(creds);
      },
      apply() {
        const creds = pending;
        if (!creds) throw new Error('ApplyConfig without SetConfig');
        if (!canAccept()) throw new Error(`credentials refused: the session is ${provisioner.getSessionState()}`);
        pending = undefined;
        const seen = scanned[creds.ssid];
        attempt = { ssid: creds.ssid, auth: (seen ? seen.secure : !!creds.passphrase) ? 'WPA2_PSK' : 'Open' };
        // Runs once the ApplyConfig reply has been flushed: the reply leaves before the radio moves.
        return () => {
          if (provisioner.getSessionState() === 'fail') provisioner.resetOnFailure();
          provisioner.configureSta(creds).catch((e: unknown) => {
            log('warn', `applying the credentials failed: ${describeError(e)}`);
          });
        };
      },
      statusSent(s) {
        if (s.state === 'connected' && options.stopAfterSuccess !== false) stopLater(options.toldGraceMs ?? 1000);
      },
    }),
  );
  if (options.scan) {
    const scan = options.scan;
    pc.addEndpoint(
      'prov-scan',
      scanEndpoint(async (req) => {
        const list = await scan(req);
        const next: typeof scanned = Object.create(null);
        for (const r of Array.isArray(list) ? list.slice(0, 64) : []) if (r && typeof r.ssid === 'string') next[r.ssid] = { channel: r.channel, bssid: r.bssid, secure: !!r.secure };
        scanned = next;
        return list;
      }, Object.assign({}, options.scanOptions, { clock })),
    );
  }
  pc.addEndpoint(
    'prov-ctrl',
    ctrlEndpoint({
      reset() {
        const s = provisioner.getSessionState();
        if (s === 'started') return true; // already reset (R11.2 does it by default)
        return provisioner.resetOnFailure();
      },
      reprov() {
        provisioner.resetForReprovision();
        outcome = undefined;
        remaining = undefined;
        return true;
      },
    }),
  );

  let running = true;
  let stopTimer: unknown;
  let stopAt = Infinity;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  let stopping: Promise<void> | undefined;

  function stopLater(ms: number): void {
    if (!running || clock.now() + ms >= stopAt) return;
    if (stopTimer !== undefined) clock.clearTimeout(stopTimer);
    stopAt = clock.now() + ms;
    stopTimer = clock.setTimeout(() => {
      stopTimer = undefined;
      void stop();
    }, ms);
  }

  function stop(): Promise<void> {
    if (stopping) return stopping;
    running = false;
    // Keys go at once, before the transports have finished closing.
    pc.close();
    if (stopTimer !== undefined) clock.clearTimeout(stopTimer);
    for (const off of offs) off();
    pending = undefined;
    stopping = Promise.all(
      options.transports.map((t) =>
        Promise.resolve()
          .then(() => t.stop())
          .catch((e: unknown) => log('warn', `stopping ${t.name} failed: ${describeError(e)}`)),
      ),
    ).then(() => {
      log('info', 'protocomm stopped');
      resolveStopped();
    });
    return stopping;
  }

  if (provisioner.getSessionState() === 'idle') provisioner.startSession();
  try {
    for (const t of options.transports) {
      await t.start(pc);
      log('info', `serving on ${t.name} (security ${pc.security})`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    protocomm: pc,
    get running() {
      return running;
    },
    stopped,
    stop,
  };
}
