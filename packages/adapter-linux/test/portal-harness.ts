// A portal over a real provisioner with the simulated Wi-Fi and clock of @provision/core/testing.
import { createProvisioner, type Provisioner, type ScanResult } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi, SimulatedClock, type SimulatedWifi } from '@provision/core/testing';
import type { AccessPoint } from '../src/access-point/access-point';
import { resolveAccessPointSettings } from '../src/access-point/settings';
import { startPortalTransport, type PortalConfig, type PortalTransport } from '../src/portal/transport';

/** An access point port that records what the portal asked of it (the radio-free stand-in for hardware). */
export interface RecordingAccessPoint extends AccessPoint {
  calls: string[];
  canBoth: boolean;
}

export function recordingAccessPoint(canBoth = true): RecordingAccessPoint {
  let up = false;
  const ap: RecordingAccessPoint = {
    backend: 'hostapd',
    settings: resolveAccessPointSettings({ shortId: '3F2A', address: '127.0.0.1/8', password: 'device-pass' }),
    calls: [],
    canBoth,
    start() {
      ap.calls.push('start');
      up = true;
      return Promise.resolve();
    },
    stop() {
      ap.calls.push('stop');
      up = false;
      return Promise.resolve();
    },
    isUp: () => up,
    concurrent: () => ap.canBoth,
  };
  return ap;
}

export interface PortalRig {
  clock: SimulatedClock;
  wifi: SimulatedWifi;
  prov: Provisioner;
  ap: RecordingAccessPoint;
  portal: PortalTransport;
  logs: string[];
  base: string;
  close(): Promise<void>;
}

/** Networks in range for every portal test (strong, fair, weak); HomeNet's password is `correct-horse`. */
export async function startRig(config: PortalConfig = {}, opts: { canBoth?: boolean; joinMs?: number } = {}): Promise<PortalRig> {
  const clock = new SimulatedClock();
  const wifi = createSimulatedWifi(clock, { joinMs: opts.joinMs ?? 1000, ip: '192.168.1.50' });
  wifi.addNetwork('HomeNet', 'correct-horse');
  wifi.addNetwork('Café <Guest> & "friends"', '');
  wifi.addNetwork('Neighbour', 'something-else');
  const prov = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock), wifi });
  await prov.start();
  const ap = recordingAccessPoint(opts.canBoth ?? true);
  const logs: string[] = [];
  const portal = await startPortalTransport(
    prov,
    { port: 0, listenHost: '127.0.0.1', graceMs: 5000, ...config },
    { accessPoint: ap, scan: () => ((wifi.scan?.() ?? []) as ScanResult[]).map((n, i) => ({ ...n, rssi: [-45, -63, -80][i] ?? n.rssi })), stationEvents: (l) => wifi.subscribe(l), clock, log: (e, f) => logs.push(JSON.stringify({ e, ...f })) },
  );
  const base = portal.url().replace(/\/$/, '');
  return {
    clock,
    wifi,
    prov,
    ap,
    portal,
    logs,
    base,
    async close() {
      await portal.stop();
      prov.stop();
    },
  };
}
