// A device under test: a real provisioner on simulated ports, served by attachProtocomm over HTTP or a console.
import { createSimulatedDevice, type SimulatedDevice } from '@provision/core/testing';
import type { ProvisionConfig } from '@provision/core';
import { attachProtocomm, type AttachOptions, type ProtocommService } from '../src/attach';
import { httpTransport, type HttpTransport } from '../src/http';
import { createSrpVerifier, type SrpVerifier } from '../src/srp';
import type { LogLevel } from '../src/protocomm';
import type { ProtocommTransport } from '../src/transport';

export const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };
export const CAFE = { ssid: 'Cafe', passphrase: '' };
export const USER = 'wifiprov';
export const PASSWORD = 'abcd1234';
export const POP = 'abcd1234';

let cachedVerifier: SrpVerifier | undefined;
/** One verifier for every test (generating one costs a modular exponentiation). */
export function verifier(): SrpVerifier {
  if (!cachedVerifier) cachedVerifier = createSrpVerifier({ username: USER, password: PASSWORD });
  return cachedVerifier;
}

export interface Rig {
  dev: SimulatedDevice;
  service: ProtocommService;
  http?: HttpTransport;
  url: string;
  logs: { level: LogLevel; message: string }[];
  close(): Promise<void>;
}

/** Start a simulated device and serve protocomm for it. */
export async function startRig(
  opts: Partial<AttachOptions> & { config?: ProvisionConfig; transports?: ProtocommTransport[]; joinMs?: number } = {},
): Promise<Rig> {
  const dev = createSimulatedDevice({ networks: { [HOME.ssid]: HOME.passphrase, [CAFE.ssid]: CAFE.passphrase }, config: opts.config, joinMs: opts.joinMs });
  await dev.start();
  const logs: { level: LogLevel; message: string }[] = [];
  const http = opts.transports ? undefined : httpTransport({ host: '127.0.0.1', port: 0 });
  const security = opts.security ?? 2;
  const service = await attachProtocomm(
    dev.prov,
    Object.assign(
      {
        security,
        verifier: security === 2 ? verifier() : undefined,
        pop: security === 1 ? POP : undefined,
        scan: () => dev.wifi.scan!(),
        clock: dev.clock,
        log: (level: LogLevel, message: string) => logs.push({ level, message }),
      },
      opts,
      { transports: opts.transports || [http!] },
    ) as AttachOptions,
  );
  const a = http ? http.address() : undefined;
  return {
    dev,
    service,
    http,
    url: a ? `http://127.0.0.1:${a.port}` : '',
    logs,
    async close() {
      await service.stop();
      dev.prov.stop();
    },
  };
}
