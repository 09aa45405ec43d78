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

/**
 * What the session needs from the provisioner: the provisioner itself, so that no per-instance object
 * of closures is needed (on Espruino each closure costs memory). @internal
 */
export interface SessionHost {
  readonly clock_: Clock;
  readonly config: ResolvedConfig;
  emit_<K extends keyof SessionEvents>(name: K, payload: SessionEvents[K]): void;
  /** Drop the connection and unverified credentials. */
  discardCredentials_(): void;
  /** `cur` 0 and `setMaxState(0)` (R8.5). */
  rewind_(): void;
}

/** What a disconnect meant to the session. @internal */
export type SessionVerdict = 'not-mine' | 'retry' | 'attempt-failed' | 'fail';

/** The provisioning session as the provisioner uses it. @internal */
export interface Session {
  readonly state_: SessionState;
  /** True unless idle. */
  isActive_(): boolean;
  /** Attempts left before `cred-fail`, after an `attempt-failed` verdict (so `attempts > failures`). */
  attemptsRemaining_(): number;
  start_(): void;
  /** Credentials arrived: let the app amend them, then announce them. Returns the final credentials. */
  receive_(creds: WifiCredentials, validate: (c: WifiCredentials) => WifiCredentials): WifiCredentials;
  /** Got an IP (R8.6). */
  connected_(): boolean;
  /** A disconnect while credentials are being tried (R8.5). */
  disconnected_(reason: DisconnectReason, raw: string | number | undefined): SessionVerdict;
  /** IDF `reset_sm_state_on_failure` (R8.5). Returns false when not in `fail` (idle included). */
  resetOnFailure_(): boolean;
  /** IDF `reset_sm_state_for_reprovision` (R8.7). */
  resetForReprovision_(): void;
  /** End the session (`end`, then `deinit`). Does nothing when idle. */
  stop_(): void;
  /** Stop timers without events (provisioner stop / factory reset). */
  halt_(): void;
}

let SessionClass: (new (host: SessionHost) => Session) | undefined;

/**
 * A new idle provisioning session (§8) for `host`: ESP-IDF `wifi_prov_mgr` states and events, with its
 * defects fixed. The class is defined on first use: on Espruino a class's methods cost memory from the
 * moment it is defined, and most devices never start a session.
 * @internal
 */
export function createSession(host: SessionHost): Session {
  if (!SessionClass) {
    SessionClass = class SessionImpl implements Session {
      state_: SessionState = 'idle';
      /** Definitive failures in this credential attempt. */
      failures_ = 0;
      private ssid_?: string;
      private autoStop_: TimerHandle | undefined;

      private readonly host_: SessionHost;

      constructor(host: SessionHost) {
        this.host_ = host;
      }

      /** True unless idle. */
      isActive_(): boolean {
        return this.state_ !== 'idle';
      }

      /** Attempts left before `cred-fail`, after an `attempt-failed` verdict (so `attempts > failures`). */
      attemptsRemaining_(): number {
        return this.host_.config.session.attempts - this.failures_;
      }

      start_(): void {
        if (this.state_ !== 'idle') {
          throw provisionError('invalid-state', `provisioning session already running (state ${this.state_}); stopSession() first`);
        }
        this.host_.emit_('init', {});
        this.state_ = 'started';
        this.host_.emit_('start', {});
      }

      /** Credentials arrived: let the app amend them, then announce them. Returns the final credentials. */
      receive_(creds: WifiCredentials, validate: (c: WifiCredentials) => WifiCredentials): WifiCredentials {
        let next = creds;
        const event: SetStaConfigEvent = {
          ssid: creds.ssid,
          amend: (patch) => {
            next = Object.assign({}, next, patch);
          },
        };
        if (creds.bssid !== undefined) event.bssid = creds.bssid;
        this.host_.emit_('set-sta-config', event);
        if (next !== creds) next = validate(next);
        this.halt_();
        this.failures_ = 0;
        this.ssid_ = next.ssid;
        this.state_ = 'cred-recv';
        const recv: CredRecvEvent = { ssid: next.ssid };
        if (next.bssid !== undefined) recv.bssid = next.bssid;
        this.host_.emit_('cred-recv', recv);
        return next;
      }

      /** Got an IP (R8.6). */
      connected_(): boolean {
        if (this.state_ !== 'cred-recv') return false;
        this.state_ = 'success';
        this.host_.emit_('cred-success', { ssid: this.ssid_ as string });
        const ms = this.host_.config.session.autoStopMs;
        if (ms > 0) {
          this.autoStop_ = this.host_.clock_.setTimeout(() => {
            this.autoStop_ = undefined;
            this.stop_();
          }, ms);
        }
        return true;
      }

      /** A disconnect while credentials are being tried (R8.5). */
      disconnected_(reason: DisconnectReason, raw: string | number | undefined): SessionVerdict {
        if (this.state_ !== 'cred-recv') return 'not-mine';
        if (reason === 'other') return 'retry';
        this.failures_++;
        const attempts = this.host_.config.session.attempts;
        if (attempts > 0 && this.failures_ < attempts) return 'attempt-failed';
        this.state_ = 'fail';
        const ev: CredFailEvent = { reason: reason };
        if (raw !== undefined) ev.raw = raw;
        this.host_.discardCredentials_();
        this.host_.emit_('cred-fail', ev);
        if (this.host_.config.session.autoResetOnFailure && this.state_ === 'fail') this.resetOnFailure_();
        return 'fail';
      }

      /** IDF `reset_sm_state_on_failure` (R8.5). Returns false when not in `fail` (idle included). */
      resetOnFailure_(): boolean {
        if (this.state_ !== 'fail') return false;
        this.state_ = 'started';
        this.failures_ = 0;
        this.host_.rewind_();
        return true;
      }

      /** IDF `reset_sm_state_for_reprovision` (R8.7). */
      resetForReprovision_(): void {
        if (this.state_ === 'idle') throw provisionError('invalid-state', 'resetForReprovision() needs a running provisioning session');
        this.halt_();
        this.host_.discardCredentials_();
        this.state_ = 'started';
        this.failures_ = 0;
        this.host_.emit_('start', {});
      }

      /** End the session (`end`, then `deinit`). Does nothing when idle. */
      stop_(): void {
        if (this.state_ === 'idle' || this.state_ === 'stopping') return;
        this.halt_();
        this.state_ = 'stopping';
        this.host_.emit_('end', {});
        this.state_ = 'idle';
        this.host_.emit_('deinit', {});
      }

      /** Stop timers without events (provisioner stop / factory reset). */
      halt_(): void {
        if (this.autoStop_ !== undefined) {
          this.host_.clock_.clearTimeout(this.autoStop_);
          this.autoStop_ = undefined;
        }
      }
    };
  }
  return new SessionClass(host);
}
