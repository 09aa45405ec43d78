// The prov-config endpoint: GetStatus filled exactly as IDF fills it, SetConfig with IDF's length limits, ApplyConfig.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { isProvisionError, type WifiCredentials } from '@provision/core';
import { Status } from '../gen/constants_pb';
import {
  RespApplyConfigSchema,
  RespGetStatusSchema,
  RespSetConfigSchema,
  WiFiConfigMsgType,
  WiFiConfigPayloadSchema,
  type RespGetStatus,
} from '../gen/wifi_config_pb';
import { WifiAttemptFailedSchema, WifiAuthMode, WifiConnectedStateSchema, WifiConnectFailedReason, WifiStationState } from '../gen/wifi_constants_pb';
import { requestFailure } from '../failure';
import type { AuthModeName } from '../auth-mode';
import type { EndpointHandler } from '../protocomm';
import { bssidFromBytes, bssidToBytes } from './bssid';

/** The station as GetStatus reports it. */
export type StationStatus =
  /** Nothing tried yet, or the session was reset for reprovisioning. */
  | { state: 'disconnected' }
  /** Joining; `attemptsRemaining` after a failed try with retries left (`attempt_failed`). */
  | { state: 'connecting'; attemptsRemaining?: number }
  /** Joined with an address. */
  | { state: 'connected'; ip: string; ssid: string; bssid?: string; channel?: number; auth?: AuthModeName }
  /** This attempt failed for this reason (R8.5). */
  | { state: 'failed'; reason: 'auth-error' | 'ap-not-found' };

/** What prov-config needs from the device: a thin view of the provisioning session. */
export interface ConfigBackend {
  /** The station status of the current attempt. */
  status(): StationStatus;
  /** Credentials arrived (already length-checked); throw an `invalid-credentials` error to refuse them. */
  set(creds: WifiCredentials): void;
  /**
   * Apply the credentials of the last `set`. Returns the work that starts the connection, run once the
   * reply has been written and flushed to the client; throw to answer InternalError (e.g. nothing set).
   */
  apply(): () => void;
  /** Optional: called once a GetStatus reply has reached the client (written and flushed). */
  statusSent?(status: StationStatus): void;
}

const MAX_SSID = 32;
const MAX_PASSPHRASE = 64;

/** RespGetStatus as IDF fills it (PROTOCOLS §A). */
export function statusMessage(s: StationStatus): RespGetStatus {
  const r = create(RespGetStatusSchema, { status: Status.Success });
  if (s.state === 'connected') {
    r.staState = WifiStationState.Connected;
    const c = create(WifiConnectedStateSchema, { ip4Addr: s.ip, ssid: new TextEncoder().encode(s.ssid), channel: s.channel || 0, authMode: WifiAuthMode[s.auth ?? 'Open'] });
    if (s.bssid) c.bssid = bssidToBytes(s.bssid);
    r.state = { case: 'connected', value: c };
  } else if (s.state === 'failed') {
    // IDF never sends Disconnected (2) for a failure: ConnectionFailed (3) with the reason.
    r.staState = WifiStationState.ConnectionFailed;
    r.state = { case: 'failReason', value: s.reason === 'auth-error' ? WifiConnectFailedReason.AuthError : WifiConnectFailedReason.NetworkNotFound };
  } else if (s.state === 'connecting') {
    r.staState = WifiStationState.Connecting;
    if (s.attemptsRemaining !== undefined) r.state = { case: 'attemptFailed', value: create(WifiAttemptFailedSchema, { attemptsRemaining: s.attemptsRemaining }) };
  } else {
    r.staState = WifiStationState.Disconnected;
  }
  return r;
}

/** Credentials from CmdSetConfig's bytes, or an InvalidArgument reason. */
function readCreds(ssid: Uint8Array, passphrase: Uint8Array, bssid: Uint8Array, channel: number): WifiCredentials | string {
  if (ssid.length < 1 || ssid.length > MAX_SSID) return `ssid must be 1..${MAX_SSID} bytes, got ${ssid.length}`;
  if (passphrase.length > MAX_PASSPHRASE) return `passphrase must be 0..${MAX_PASSPHRASE} bytes, got ${passphrase.length}`;
  if (bssid.length !== 0 && bssid.length !== 6) return `bssid must be 0 or 6 bytes, got ${bssid.length}`;
  let s: string;
  let p: string;
  try {
    const dec = new TextDecoder('utf-8', { fatal: true });
    s = dec.decode(ssid);
    p = dec.decode(passphrase);
  } catch (_e) {
    return 'ssid and passphrase must be UTF-8';
  }
  const c: WifiCredentials = { ssid: s, passphrase: p };
  if (bssid.length === 6) c.bssid = bssidFromBytes(bssid);
  if (channel) c.channel = channel;
  return c;
}

/** The prov-config handler over `backend`. */
export function configEndpoint(backend: ConfigBackend): EndpointHandler {
  return (body) => {
    let req;
    try {
      req = fromBinary(WiFiConfigPayloadSchema, body);
    } catch (_e) {
      throw requestFailure('prov-config: malformed WiFiConfigPayload');
    }
    if (req.msg === WiFiConfigMsgType.TypeCmdGetStatus) {
      const s = backend.status();
      const out = toBinary(WiFiConfigPayloadSchema, create(WiFiConfigPayloadSchema, { msg: WiFiConfigMsgType.TypeRespGetStatus, payload: { case: 'respGetStatus', value: statusMessage(s) } }));
      const sent = backend.statusSent;
      return sent ? { body: out, afterReply: () => sent.call(backend, s) } : out;
    }
    if (req.msg === WiFiConfigMsgType.TypeCmdSetConfig) {
      if (req.payload.case !== 'cmdSetConfig') throw requestFailure('prov-config: SetConfig without its payload');
      const m = req.payload.value;
      const creds = readCreds(m.ssid, m.passphrase, m.bssid, m.channel);
      let status = Status.Success;
      if (typeof creds === 'string') status = Status.InvalidArgument;
      else {
        try {
          backend.set(creds);
        } catch (e) {
          status = isProvisionError(e, 'invalid-credentials') ? Status.InvalidArgument : Status.InternalError;
        }
      }
      return toBinary(WiFiConfigPayloadSchema, create(WiFiConfigPayloadSchema, { msg: WiFiConfigMsgType.TypeRespSetConfig, payload: { case: 'respSetConfig', value: create(RespSetConfigSchema, { status }) } }));
    }
    if (req.msg === WiFiConfigMsgType.TypeCmdApplyConfig) {
      let status = Status.Success;
      let after: (() => void) | undefined;
      try {
        after = backend.apply();
      } catch (_e) {
        status = Status.InternalError;
      }
      const out = toBinary(WiFiConfigPayloadSchema, create(WiFiConfigPayloadSchema, { msg: WiFiConfigMsgType.TypeRespApplyConfig, payload: { case: 'respApplyConfig', value: create(RespApplyConfigSchema, { status }) } }));
      return after ? { body: out, afterReply: after } : out;
    }
    throw requestFailure(`prov-config: unknown message type ${req.msg}`);
  };
}
