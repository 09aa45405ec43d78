import type { ResolvedConfig } from './config';
import { provisionError } from './errors';
import type { Clock, DisconnectReason, TimerHandle, WifiCredentials } from './ports';

/** The provisioning session's state (R8.3): ESP-IDF's `wifi_prov_mgr` states. */
export type SessionState = 'idle' | 'started' | 'cred-recv' | 'fail' | 'success' | 'stopping';

/** Payload of `set-sta-config`: the app may amend the credentials before they are applied. */
export interface SetStaConfigEvent {
  /** The SSID about to be joined. */
  ssid: string;
  /** The BSSID, if pinned. */
  bssid?: string;
  /**
   * Change fields of the credentials about to be applied (including the passphrase, which is never
   * readable from the event, R10.3). The result is validated again.
   */
  amend(patch: Partial<WifiCredentials>): void;
}

/** Payload of `cred-recv` (no passphrase). */
export interface CredRecvEvent {
  ssid: string;
  bssid?: string;
}

/** Payload of `cred-fail`: the reason of this very failure (R8.5). */
export interface CredFailEvent {
  reason: 'auth-error' | 'ap-not-found';
  /** The platform's raw reason. */
  raw?: string | number;
}

/** The session's events (R8.3), each with its payload. */
export interface SessionEvents {
  init: Record<string, never>;
  start: Record<string, never>;
  'set-sta-config': SetStaConfigEvent;
  'cred-recv': CredRecvEvent;
  'cred-fail': CredFailEvent;
  'cred-success': { ssid: string };
  end: Record<string, never>;
  deinit: Record<string, never>;
}

/** What the session needs from the provisioner. @internal */
export interface SessionHost {
  clock: Clock;
  cfg: ResolvedConfig['session'];
  emit<K extends keyof SessionEvents>(name: K, payload: SessionEvents[K]): void;
  /** Drop the connection and unverified credentials. */
  discard(): void;
  /** `cur` 0 and `setMaxState(0)` (R8.5). */
  rewind(): void;
}

/** What a disconnect meant to the session. @internal */
export type SessionVerdict = 'not-mine' | 'retry' | 'attempt-failed' | 'fail';

/**
 * The provisioning session (§8): ESP-IDF `wifi_prov_mgr` states and events, with its defects fixed.
 * @internal
 */
export class Session {
  state: SessionState = 'idle';
  /** Definitive failures in this credential attempt. */
  failures = 0;
  private ssid_ = '';
  private autoStop_: TimerHandle | undefined;

  private readonly host_: SessionHost;

  constructor(host: SessionHost) {
    this.host_ = host;
  }

  /** True unless idle. */
  isActive(): boolean {
    return this.state !== 'idle';
  }

  /** Attempts left before `cred-fail` (only meaningful when `attempts > 0`). */
  attemptsRemaining(): number {
    const a = this.host_.cfg.attempts;
    return a > 0 ? Math.max(0, a - this.failures) : 0;
  }

  start(): void {
    if (this.state !== 'idle') {
      throw provisionError('invalid-state', `the provisioning session is already running (state ${this.state}); stop() it first`);
    }
    this.host_.emit('init', {});
    this.state = 'started';
    this.host_.emit('start', {});
  }

  /** Credentials arrived: let the app amend them, then announce them. Returns the final credentials. */
  receive(creds: WifiCredentials, validate: (c: WifiCredentials) => WifiCredentials): WifiCredentials {
    let next = creds;
    const event: SetStaConfigEvent = {
      ssid: creds.ssid,
      amend: (patch) => {
        next = Object.assign({}, next, patch);
      },
    };
    if (creds.bssid !== undefined) event.bssid = creds.bssid;
    this.host_.emit('set-sta-config', event);
    if (next !== creds) next = validate(next);
    this.cancelAutoStop_();
    this.failures = 0;
    this.ssid_ = next.ssid;
    this.state = 'cred-recv';
    const recv: CredRecvEvent = { ssid: next.ssid };
    if (next.bssid !== undefined) recv.bssid = next.bssid;
    this.host_.emit('cred-recv', recv);
    return next;
  }

  /** Got an IP (R8.6). */
  connected(): boolean {
    if (this.state !== 'cred-recv') return false;
    this.state = 'success';
    this.host_.emit('cred-success', { ssid: this.ssid_ });
    const ms = this.host_.cfg.autoStopMs;
    if (ms > 0) {
      this.autoStop_ = this.host_.clock.setTimeout(() => {
        this.autoStop_ = undefined;
        this.stop();
      }, ms);
    }
    return true;
  }

  /** A disconnect while credentials are being tried (R8.5). */
  disconnected(reason: DisconnectReason, raw: string | number | undefined): SessionVerdict {
    if (this.state !== 'cred-recv') return 'not-mine';
    if (reason === 'other') return 'retry';
    this.failures++;
    const attempts = this.host_.cfg.attempts;
    if (attempts > 0 && this.failures < attempts) return 'attempt-failed';
    this.state = 'fail';
    const ev: CredFailEvent = { reason: reason };
    if (raw !== undefined) ev.raw = raw;
    this.host_.discard();
    this.host_.emit('cred-fail', ev);
    if (this.host_.cfg.autoResetOnFailure && this.state === 'fail') this.resetOnFailure();
    return 'fail';
  }

  /** IDF `reset_sm_state_on_failure` (R8.5). Returns false when not in `fail`. */
  resetOnFailure(): boolean {
    if (this.state === 'idle') throw provisionError('invalid-state', 'resetOnFailure() needs a running provisioning session');
    if (this.state !== 'fail') return false;
    this.state = 'started';
    this.failures = 0;
    this.host_.rewind();
    return true;
  }

  /** IDF `reset_sm_state_for_reprovision` (R8.7). */
  resetForReprovision(): void {
    if (this.state === 'idle') throw provisionError('invalid-state', 'resetForReprovision() needs a running provisioning session');
    this.cancelAutoStop_();
    this.host_.discard();
    this.state = 'started';
    this.failures = 0;
    this.host_.emit('start', {});
  }

  /** End the session (`end`, then `deinit`). Does nothing when idle. */
  stop(): void {
    if (this.state === 'idle' || this.state === 'stopping') return;
    this.cancelAutoStop_();
    this.state = 'stopping';
    this.host_.emit('end', {});
    this.state = 'idle';
    this.host_.emit('deinit', {});
  }

  /** Stop timers without events (provisioner stop / factory reset). */
  halt(): void {
    this.cancelAutoStop_();
  }

  private cancelAutoStop_(): void {
    if (this.autoStop_ !== undefined) {
      this.host_.clock.clearTimeout(this.autoStop_);
      this.autoStop_ = undefined;
    }
  }
}
