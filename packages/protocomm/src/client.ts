// The client side, for Node: what esp_prov does (version, handshake, scan, set, apply, status, ctrl), for factory rigs and tests.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Duplex } from 'node:stream';
import { provisionError } from '@provision/core';
import { Status } from './gen/constants_pb';
import { SessionDataSchema } from './gen/session_pb';
import { CmdGetStatusSchema, CmdSetConfigSchema, WiFiConfigMsgType, WiFiConfigPayloadSchema } from './gen/wifi_config_pb';
import { WifiConnectFailedReason, WifiStationState } from './gen/wifi_constants_pb';
import { WiFiCtrlMsgType, WiFiCtrlPayloadSchema } from './gen/wifi_ctrl_pb';
import { CmdScanResultSchema, CmdScanStartSchema, WiFiScanMsgType, WiFiScanPayloadSchema, type WiFiScanPayload } from './gen/wifi_scan_pb';
import { WifiAuthMode } from './gen/wifi_constants_pb';
import { bssidFromBytes, bssidToBytes } from './endpoints/bssid';
import { consoleClientTransport, httpClientTransport, type ClientTransport } from './client-transport';
import { systemRandom, type RandomSource } from './random';
import { createSec0Client } from './security/sec0';
import { createSec1Client } from './security/sec1';
import { createSec2Client } from './security/sec2';
import type { SecurityClient, SecurityVersion } from './security/scheme';
import { utf8 } from './bytes';
import type { AuthModeName } from './auth-mode';

/** Options for {@link createProtocommClient}: a URL or a stream, and the security to use. */
export interface ProtocommClientOptions {
  /** The device's HTTP address, `http://192.168.4.1:80` or `host:port`. */
  url?: string;
  /** Or a console stream (serial port, PTY) speaking the console line protocol. */
  duplex?: Duplex;
  /** 0, 1 or 2 (default 2). */
  security?: SecurityVersion;
  /** Security 1: the proof of possession (omit for a device without one). */
  pop?: string;
  /** Security 2: username and password. */
  username?: string;
  password?: string;
  /** Per-request timeout, ms (default 10 000; over a console a rejected request is silence until then). */
  timeoutMs?: number;
  /** Randomness (tests only). */
  random?: RandomSource;
  /** Or a ready transport (tests, custom links). */
  transport?: ClientTransport;
}

/** One network from a scan. */
export interface ScanEntry {
  ssid: string;
  channel: number;
  rssi: number;
  bssid?: string;
  auth: AuthModeName;
}

/** What GetStatus said. */
export type DeviceStatus =
  | { state: 'connected'; ip: string; ssid: string; bssid?: string; channel: number; auth: AuthModeName }
  | { state: 'connecting'; attemptsRemaining?: number }
  | { state: 'failed'; reason: 'auth-error' | 'ap-not-found' }
  | { state: 'disconnected' };

/** Options for {@link ProtocommClient.scan}. */
export interface ScanOptions {
  /** Wait for the scan in ScanStart (default true, like esp_prov). */
  blocking?: boolean;
  passive?: boolean;
  /** Channels per group (esp_prov: 5). */
  groupChannels?: number;
  /** Dwell per channel, ms (esp_prov: 120). */
  periodMs?: number;
  /** Results per ScanResult request, 1..16 (default 16). */
  pageSize?: number;
}

/** A protocomm client. */
export interface ProtocommClient {
  /** `proto-ver`: the device's capabilities. */
  getVersion(): Promise<{ [label: string]: { ver?: string; sec_ver?: number; sec_patch_ver?: number; cap?: string[] } }>;
  /** Establish the security session. */
  handshake(): Promise<void>;
  /** Scan and read every result (RSSI-sorted by the device). */
  scan(options?: ScanOptions): Promise<ScanEntry[]>;
  /** Send the credentials (SetConfig); rejects with the device's status when refused. */
  setConfig(creds: { ssid: string; passphrase?: string; bssid?: string; channel?: number }): Promise<void>;
  /** ApplyConfig: the device starts connecting. */
  applyConfig(): Promise<void>;
  /** GetStatus. */
  status(): Promise<DeviceStatus>;
  /** prov-ctrl reset (after a failure). */
  ctrlReset(): Promise<void>;
  /** prov-ctrl reprov. */
  ctrlReprov(): Promise<void>;
  /** A request to an app-defined endpoint, encrypted like the rest. */
  request(endpoint: string, body: Uint8Array): Promise<Uint8Array>;
  /** Close the connection and destroy the session keys. */
  close(): Promise<void>;
}

/**
 * Create a client for a device speaking Espressif's provisioning protocol (ours or an ESP32's).
 *
 * @example
 * ```ts
 * const c = createProtocommClient({ url: 'http://192.168.4.1:80', security: 2, username: 'wifiprov', password });
 * await c.handshake();
 * await c.setConfig({ ssid: 'HomeNet', passphrase });
 * await c.applyConfig();
 * console.log(await c.status());
 * ```
 */
export function createProtocommClient(options: ProtocommClientOptions): ProtocommClient {
  const security = options.security ?? 2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const random = options.random || systemRandom;
  const link: ClientTransport =
    options.transport ||
    (options.url ? httpClientTransport(options.url, timeoutMs) : options.duplex ? consoleClientTransport(options.duplex, timeoutMs) : (undefined as never));
  if (!link) throw provisionError('invalid-config', 'createProtocommClient needs url or duplex');
  if (security === 2 && (!options.username || !options.password)) throw provisionError('invalid-config', 'security 2 needs username and password');
  let sec: SecurityClient | undefined;

  const newSecurity = (): SecurityClient =>
    security === 0 ? createSec0Client() : security === 1 ? createSec1Client(options.pop ? utf8(options.pop) : undefined, random) : createSec2Client(options.username!, options.password!, random);

  const call = async (endpoint: string, body: Uint8Array): Promise<Uint8Array> => {
    if (!sec) throw provisionError('invalid-state', `${endpoint}: handshake() first`);
    const s = sec;
    return s.decrypt(await link.request(endpoint, s.encrypt(body)));
  };

  const checked = (what: string, status: Status): void => {
    if (status !== Status.Success) throw provisionError('transport', `${what}: the device answered ${Status[status] || status}`);
  };

  const scanCall = async (payload: Parameters<typeof create<typeof WiFiScanPayloadSchema>>[1]): Promise<WiFiScanPayload> => {
    const r = fromBinary(WiFiScanPayloadSchema, await call('prov-scan', toBinary(WiFiScanPayloadSchema, create(WiFiScanPayloadSchema, payload))));
    checked('prov-scan', r.status);
    return r;
  };

  const configCall = async (payload: Parameters<typeof create<typeof WiFiConfigPayloadSchema>>[1]) =>
    fromBinary(WiFiConfigPayloadSchema, await call('prov-config', toBinary(WiFiConfigPayloadSchema, create(WiFiConfigPayloadSchema, payload))));

  const ctrlCall = async (msg: WiFiCtrlMsgType, payload: Parameters<typeof create<typeof WiFiCtrlPayloadSchema>>[1]): Promise<void> => {
    const r = fromBinary(WiFiCtrlPayloadSchema, await call('prov-ctrl', toBinary(WiFiCtrlPayloadSchema, create(WiFiCtrlPayloadSchema, Object.assign({ msg }, payload)))));
    checked('prov-ctrl', r.status);
  };

  return {
    async getVersion() {
      const body = await link.request('proto-ver', utf8('---'));
      return JSON.parse(Buffer.from(body).toString('utf8'));
    },
    async handshake() {
      if (sec) sec.destroy();
      sec = undefined;
      const s = newSecurity();
      try {
        let msg: ReturnType<SecurityClient['start']> | undefined = s.start();
        while (msg) {
          const resp = fromBinary(SessionDataSchema, await link.request('prov-session', toBinary(SessionDataSchema, msg)));
          msg = s.next(resp);
        }
      } catch (e) {
        s.destroy();
        throw e;
      }
      sec = s;
    },
    async scan(o = {}) {
      await scanCall({
        msg: WiFiScanMsgType.TypeCmdScanStart,
        payload: { case: 'cmdScanStart', value: create(CmdScanStartSchema, { blocking: o.blocking ?? true, passive: !!o.passive, groupChannels: o.groupChannels ?? 5, periodMs: o.periodMs ?? 120 }) },
      });
      let count = 0;
      for (let i = 0; i < 600; i++) {
        const st = await scanCall({ msg: WiFiScanMsgType.TypeCmdScanStatus });
        const v = st.payload.case === 'respScanStatus' ? st.payload.value : undefined;
        if (v && v.scanFinished) {
          count = v.resultCount;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const out: ScanEntry[] = [];
      const page = Math.max(1, Math.min(o.pageSize ?? 16, 16));
      for (let start = 0; start < count; start += page) {
        const r = await scanCall({ msg: WiFiScanMsgType.TypeCmdScanResult, payload: { case: 'cmdScanResult', value: create(CmdScanResultSchema, { startIndex: start, count: Math.min(page, count - start) }) } });
        if (r.payload.case !== 'respScanResult') throw provisionError('transport', 'prov-scan: malformed ScanResult reply');
        for (const e of r.payload.value.entries) {
          const x: ScanEntry = { ssid: new TextDecoder().decode(e.ssid), channel: e.channel, rssi: e.rssi, auth: (WifiAuthMode[e.auth] as AuthModeName) || 'Open' };
          if (e.bssid.length === 6) x.bssid = bssidFromBytes(e.bssid);
          out.push(x);
        }
      }
      return out;
    },
    async setConfig(c) {
      const cmd = create(CmdSetConfigSchema, { ssid: utf8(c.ssid), passphrase: utf8(c.passphrase || ''), channel: c.channel || 0 });
      if (c.bssid) cmd.bssid = bssidToBytes(c.bssid);
      const r = await configCall({ msg: WiFiConfigMsgType.TypeCmdSetConfig, payload: { case: 'cmdSetConfig', value: cmd } });
      if (r.payload.case !== 'respSetConfig') throw provisionError('transport', 'prov-config: malformed SetConfig reply');
      checked('SetConfig', r.payload.value.status);
    },
    async applyConfig() {
      // Like esp_prov: msg only, no empty oneof (`0804`).
      const r = await configCall({ msg: WiFiConfigMsgType.TypeCmdApplyConfig });
      if (r.payload.case !== 'respApplyConfig') throw provisionError('transport', 'prov-config: malformed ApplyConfig reply');
      checked('ApplyConfig', r.payload.value.status);
    },
    async status() {
      const r = await configCall({ msg: WiFiConfigMsgType.TypeCmdGetStatus, payload: { case: 'cmdGetStatus', value: create(CmdGetStatusSchema) } });
      if (r.payload.case !== 'respGetStatus') throw provisionError('transport', 'prov-config: malformed GetStatus reply');
      const g = r.payload.value;
      checked('GetStatus', g.status);
      if (g.staState === WifiStationState.Connected && g.state.case === 'connected') {
        const c = g.state.value;
        const d: DeviceStatus = { state: 'connected', ip: c.ip4Addr, ssid: new TextDecoder().decode(c.ssid), channel: c.channel, auth: (WifiAuthMode[c.authMode] as AuthModeName) || 'Open' };
        if (c.bssid.length === 6) d.bssid = bssidFromBytes(c.bssid);
        return d;
      }
      if (g.staState === WifiStationState.Connecting) {
        return g.state.case === 'attemptFailed' ? { state: 'connecting', attemptsRemaining: g.state.value.attemptsRemaining } : { state: 'connecting' };
      }
      if (g.staState === WifiStationState.ConnectionFailed || (g.staState === WifiStationState.Disconnected && g.state.case === 'failReason')) {
        return { state: 'failed', reason: g.state.case === 'failReason' && g.state.value === WifiConnectFailedReason.NetworkNotFound ? 'ap-not-found' : 'auth-error' };
      }
      return { state: 'disconnected' };
    },
    ctrlReset: () => ctrlCall(WiFiCtrlMsgType.TypeCmdCtrlReset, {}),
    ctrlReprov: () => ctrlCall(WiFiCtrlMsgType.TypeCmdCtrlReprov, {}),
    request: (endpoint, body) => call(endpoint, body),
    async close() {
      if (sec) sec.destroy();
      sec = undefined;
      await link.close();
    },
  };
}
