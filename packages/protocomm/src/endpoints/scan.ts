// The prov-scan endpoint: blocking and non-blocking scans, status, results in pages, strongest first.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { defaultClock, type Clock, type ScanResult } from '@provision/core';
import { Status } from '../gen/constants_pb';
import { WifiAuthMode } from '../gen/wifi_constants_pb';
import {
  RespScanResultSchema,
  RespScanStartSchema,
  RespScanStatusSchema,
  WiFiScanMsgType,
  WiFiScanPayloadSchema,
  WiFiScanResultSchema,
  type WiFiScanPayload,
} from '../gen/wifi_scan_pb';
import { requestFailure } from '../failure';
import type { EndpointHandler } from '../protocomm';
import { bssidToBytes } from './bssid';

/** How a client asked to scan (IDF's CmdScanStart; a backend may ignore what it cannot do). */
export interface ScanRequest {
  passive: boolean;
  groupChannels: number;
  periodMs: number;
}

/** A scan function: typically the Wi-Fi port's `scan()`. */
export type ScanFunction = (request: ScanRequest) => ScanResult[] | Promise<ScanResult[]>;

/** Options of the prov-scan endpoint. */
export interface ScanEndpointOptions {
  /** Most results kept, strongest first (IDF's default: 16). */
  maxResults?: number;
  /** A scan that takes longer fails, ms (default 15 000). */
  timeoutMs?: number;
  /** Time for the scan timeout. */
  clock?: Clock;
}

/** One entry on the wire. */
function entry(r: ScanResult) {
  const e = create(WiFiScanResultSchema, {
    ssid: new TextEncoder().encode(r.ssid),
    channel: r.channel || 0,
    rssi: Math.round(r.rssi),
    auth: r.secure ? WifiAuthMode.WPA2_PSK : WifiAuthMode.Open,
  });
  if (r.bssid) e.bssid = bssidToBytes(r.bssid);
  return e;
}

/** The prov-scan handler over `scan`. */
export function scanEndpoint(scan: ScanFunction, options: ScanEndpointOptions = {}): EndpointHandler {
  const max = options.maxResults ?? 16;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const clock = options.clock || defaultClock;
  let results: ScanResult[] = [];
  let finished = false;
  let running: Promise<void> | undefined;

  const run = (req: ScanRequest): Promise<void> => {
    if (running) return running;
    finished = false;
    results = [];
    let timer: unknown;
    const timeout = new Promise<never>((_r, reject) => {
      timer = clock.setTimeout(() => reject(requestFailure(`prov-scan: the scan took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    running = Promise.race([Promise.resolve().then(() => scan(req)), timeout])
      .then((list) => {
        const ok = Array.isArray(list) ? list.filter((r) => r && typeof r.ssid === 'string' && typeof r.rssi === 'number') : [];
        // Strongest first, at most `max` (IDF: 16 by default).
        results = ok.sort((a, b) => b.rssi - a.rssi).slice(0, max);
        finished = true;
      })
      .finally(() => {
        clock.clearTimeout(timer);
        running = undefined;
      });
    return running;
  };

  const reply = (msg: WiFiScanMsgType, status: Status, payload: WiFiScanPayload['payload']): Uint8Array =>
    toBinary(WiFiScanPayloadSchema, create(WiFiScanPayloadSchema, { msg, status, payload }));

  return async (body) => {
    let req: WiFiScanPayload;
    try {
      req = fromBinary(WiFiScanPayloadSchema, body);
    } catch (_e) {
      throw requestFailure('prov-scan: malformed WiFiScanPayload');
    }
    if (req.msg === WiFiScanMsgType.TypeCmdScanStart) {
      const p = req.payload.case === 'cmdScanStart' ? req.payload.value : undefined;
      const sr: ScanRequest = { passive: !!(p && p.passive), groupChannels: p ? p.groupChannels : 0, periodMs: p ? p.periodMs : 0 };
      const started = run(sr);
      if (p && p.blocking) await started;
      else started.catch(() => undefined);
      return reply(WiFiScanMsgType.TypeRespScanStart, Status.Success, { case: 'respScanStart', value: create(RespScanStartSchema) });
    }
    if (req.msg === WiFiScanMsgType.TypeCmdScanStatus) {
      return reply(WiFiScanMsgType.TypeRespScanStatus, Status.Success, {
        case: 'respScanStatus',
        value: create(RespScanStatusSchema, { scanFinished: finished, resultCount: finished ? results.length : 0 }),
      });
    }
    if (req.msg === WiFiScanMsgType.TypeCmdScanResult) {
      const p = req.payload.case === 'cmdScanResult' ? req.payload.value : undefined;
      const start = p ? p.startIndex : 0;
      const count = p ? p.count : 0;
      // IDF: a page outside the result table is a handler error; one past the results found answers
      // InternalError with the entries there are.
      if (start >= max || count > max - start) throw requestFailure(`prov-scan: results ${start}..${start + count - 1} are outside 0..${max - 1}`);
      const have = finished ? results.length : 0;
      return reply(WiFiScanMsgType.TypeRespScanResult, start + count > have ? Status.InternalError : Status.Success, {
        case: 'respScanResult',
        value: create(RespScanResultSchema, { entries: results.slice(start, Math.min(start + count, have)).map(entry) }),
      });
    }
    throw requestFailure(`prov-scan: unknown message type ${req.msg}`);
  };
}
