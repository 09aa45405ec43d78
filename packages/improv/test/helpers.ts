// Test helpers: an independent frame parser for what the device writes, and a device rig on the
// core's simulated device (real provisioner, simulated Wi-Fi and clock).
import { createSimulatedDevice, type SimulatedDevice } from '@provision/core/testing';
import type { ProvisionConfig } from '@provision/core';
import { createImprovDevice, encodeRpc, type ImprovDevice, type ImprovDeviceOptions } from '../src/index';

/** One frame as a client reads it. */
export interface Frame {
  type: number;
  data: number[];
}

/** Parse device output: frames, each `IMPROV 1 type len data checksum`, with anything between them ignored. */
export function parseFrames(bytes: number[]): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i + 10 <= bytes.length; ) {
    if (String.fromCharCode(...bytes.slice(i, i + 6)) !== 'IMPROV' || bytes[i + 6] !== 1) {
      i++;
      continue;
    }
    const len = bytes[i + 8]!;
    const frame = bytes.slice(i, i + 10 + len);
    const sum = frame.slice(0, -1).reduce((a, b) => a + b, 0) & 255;
    if (sum !== frame[frame.length - 1]) throw new Error(`bad checksum in device output at ${i}`);
    out.push({ type: bytes[i + 7]!, data: frame.slice(9, 9 + len) });
    i += 10 + len;
  }
  return out;
}

/** The strings of an RPC result's data. */
export function resultStrings(data: number[]): string[] {
  const out: string[] = [];
  const end = 2 + data[1]!;
  for (let i = 2; i < end; i += 1 + data[i]!) out.push(Buffer.from(data.slice(i + 1, i + 1 + data[i]!)).toString('utf8'));
  return out;
}

/** A readable view of a frame: `state 2`, `error 3`, `result 1 [url]`. */
export function show(f: Frame): string {
  if (f.type === 1) return `state ${f.data[0]}`;
  if (f.type === 2) return `error ${f.data[0]}`;
  if (f.type === 4) return `result ${f.data[0]} ${JSON.stringify(resultStrings(f.data))}`;
  return `type ${f.type}`;
}

export const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };

/** The bytes of a send-settings command's data. */
export function settingsData(ssid: string, password: string): number[] {
  const s = [...Buffer.from(ssid, 'utf8')];
  const p = [...Buffer.from(password, 'utf8')];
  return [s.length, ...s, p.length, ...p];
}

export interface Rig {
  dev: SimulatedDevice;
  improv: ImprovDevice;
  logs: string[];
  other: string[];
  /** Every byte written so far. */
  written: number[];
  /** Send one RPC. */
  rpc(command: number, data?: number[]): void;
  /** Frames written since the last call, shown. */
  take(): string[];
}

export async function rig(options: { config?: ProvisionConfig; joinMs?: number; improv?: Partial<ImprovDeviceOptions> } = {}): Promise<Rig> {
  const dev = createSimulatedDevice({ networks: { HomeNet: HOME.passphrase, 'Café': '' }, joinMs: options.joinMs ?? 0, config: options.config });
  await dev.start();
  const logs: string[] = [];
  const other: string[] = [];
  const written: number[] = [];
  let seen = 0;
  const improv = createImprovDevice(dev.prov, {
    write: (b) => {
      written.push(...b);
    },
    clock: dev.clock,
    firmware: 'thermostat',
    version: '1.4.0',
    platform: 'Simulated',
    deviceName: 'Hall thermostat',
    nextUrl: 'http://{ip}/setup',
    scan: () => dev.wifi.scan!(),
    log: (l) => logs.push(l),
    other: (s) => other.push(s),
    ...options.improv,
  });
  return {
    dev,
    improv,
    logs,
    other,
    written,
    rpc: (command, data = []) => improv.receive(encodeRpc(command, data)),
    take() {
      const frames = parseFrames(written.slice(seen));
      seen = written.length;
      return frames.map(show);
    },
  };
}
