// prov-scan: blocking and non-blocking scans, paging, strongest first, at most 16, and IDF's errors past the table.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '@provision/core/testing';
import type { ScanResult } from '@provision/core';
import { Status } from '../src/gen/constants_pb';
import { CmdScanResultSchema, CmdScanStartSchema, WiFiScanMsgType, WiFiScanPayloadSchema } from '../src/gen/wifi_scan_pb';
import { scanEndpoint } from '../src/endpoints/scan';

const ctx = { sessionId: '1' };
const enc = (v: Parameters<typeof create<typeof WiFiScanPayloadSchema>>[1]) => toBinary(WiFiScanPayloadSchema, create(WiFiScanPayloadSchema, v));
const dec = (r: unknown) => fromBinary(WiFiScanPayloadSchema, r as Uint8Array);
const start = (blocking: boolean) => enc({ msg: WiFiScanMsgType.TypeCmdScanStart, payload: { case: 'cmdScanStart', value: create(CmdScanStartSchema, { blocking, groupChannels: 5, periodMs: 120 }) } });
const status = enc({ msg: WiFiScanMsgType.TypeCmdScanStatus });
const page = (startIndex: number, count: number) => enc({ msg: WiFiScanMsgType.TypeCmdScanResult, payload: { case: 'cmdScanResult', value: create(CmdScanResultSchema, { startIndex, count }) } });
const nets = (n: number): ScanResult[] => Array.from({ length: n }, (_, i) => ({ ssid: `net${i}`, rssi: -90 + ((i * 37) % 60), channel: 1 + (i % 11), secure: i % 2 === 0 }));

describe('prov-scan', () => {
  it('non-blocking: ScanStart answers at once, ScanStatus says unfinished until the scan is done', async () => {
    let finish: (r: ScanResult[]) => void = () => undefined;
    const h = scanEndpoint(() => new Promise<ScanResult[]>((r) => (finish = r)), { clock: new SimulatedClock() });
    expect(dec(await h(start(false), ctx)).status).toBe(Status.Success);
    const s1 = dec(await h(status, ctx));
    expect(s1.payload.case === 'respScanStatus' && s1.payload.value).toMatchObject({ scanFinished: false, resultCount: 0 });
    finish(nets(3));
    await new Promise((r) => setTimeout(r, 0));
    const s2 = dec(await h(status, ctx));
    expect(s2.payload.case === 'respScanStatus' && s2.payload.value).toMatchObject({ scanFinished: true, resultCount: 3 });
  });

  it('blocking: RSSI-sorted, at most 16, in pages; past the results InternalError, past the table a closed connection', async () => {
    const h = scanEndpoint(() => nets(40));
    await h(start(true), ctx);
    const s = dec(await h(status, ctx));
    expect(s.payload.case === 'respScanStatus' && s.payload.value.resultCount).toBe(16);
    const all: number[] = [];
    for (let i = 0; i < 16; i += 4) {
      const r = dec(await h(page(i, 4), ctx));
      expect(r.status).toBe(Status.Success);
      if (r.payload.case === 'respScanResult') all.push(...r.payload.value.entries.map((e) => e.rssi));
    }
    expect(all).toHaveLength(16);
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(Math.min(...nets(40).map((n) => n.rssi)));
    await expect(Promise.resolve().then(() => h(page(16, 1), ctx))).rejects.toThrow(/outside/);
    await expect(Promise.resolve().then(() => h(page(10, 7), ctx))).rejects.toThrow(/outside/);
    const few = scanEndpoint(() => nets(2));
    await few(start(true), ctx);
    const r = dec(await few(page(0, 4), ctx));
    expect(r.status).toBe(Status.InternalError);
    expect(r.payload.case === 'respScanResult' && r.payload.value.entries.length).toBe(2);
  });

  it('a scan that never finishes fails after its timeout on the injected clock', async () => {
    const clock = new SimulatedClock();
    const h = scanEndpoint(() => new Promise<ScanResult[]>(() => undefined), { clock, timeoutMs: 1000 });
    const p = Promise.resolve().then(() => h(start(true), ctx));
    await new Promise((r) => setTimeout(r, 0));
    clock.advance(1000);
    await expect(p).rejects.toThrow(/longer than 1000 ms/);
  });
});
