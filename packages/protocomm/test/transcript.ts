// Recorded exchanges with the real esp_prov: their format, how they are recorded, and the rigs that replay them.
import { createHash } from 'node:crypto';
import type { Protocomm } from '../src/protocomm';
import type { ProtocommTransport } from '../src/transport';
import { createSrpVerifier } from '../src/srp';
import { seeded, unhex } from './fixtures';
import { startRig, POP, USER, PASSWORD, type Rig } from './rig';
import type { SecurityVersion } from '../src/security/scheme';

/** One request and what the device did with it. */
export interface Exchange {
  endpoint: string;
  /** The client's session, numbered in order of appearance (1, 2, ...). */
  session: number;
  request: string;
  /** The reply's hex, or null when the device closed the connection. */
  reply: string | null;
}

/** How the device of a transcript was set up. */
export interface DeviceSetup {
  security: SecurityVersion;
  pop?: string;
  allowNoPop?: boolean;
  resetOnFailure?: boolean;
  /** Seed of the device's deterministic randomness (test/fixtures seeded()). */
  randomSeed: number;
}

/** One esp_prov run of a transcript. */
export interface EspProvRun {
  /** esp_prov's arguments without secrets (the address is filled in at run time). */
  args: string[];
  /** Names of the secret environment variables given (values are the test credentials below). */
  secrets: { pop?: string; sec2Password?: string; passphrase?: string };
  /** ESP_PROV_SEED of the run. */
  seed: string;
  /** Lines typed into esp_prov's prompts. */
  stdin?: string;
  /** What esp_prov reported. */
  outcome: 'success' | 'failed' | 'error';
  /** The ESP-IDF tree the run used (v5.5.4 for the short-A case). */
  idf: string;
}

/** A recorded transcript. */
export interface Transcript {
  name: string;
  description: string;
  device: DeviceSetup;
  runs: EspProvRun[];
  exchanges: Exchange[];
  /** False (with the reason) when our client cannot reproduce the client side byte for byte. */
  clientReplay: true | { skip: string };
}

/** A transport wrapper that records every exchange its inner transport carries. */
export function recording(inner: ProtocommTransport, exchanges: Exchange[]): ProtocommTransport {
  const sessions = new Map<string, number>();
  return {
    get name() {
      return inner.name;
    },
    start(pc: Protocomm) {
      const wrapped: Protocomm = Object.assign(Object.create(pc) as Protocomm, {
        async handleRequest(endpoint: string, sessionId: string, body: Uint8Array) {
          if (!sessions.has(sessionId)) sessions.set(sessionId, sessions.size + 1);
          const r = await pc.handleRequest(endpoint, sessionId, body);
          exchanges.push({ endpoint, session: sessions.get(sessionId)!, request: Buffer.from(body).toString('hex'), reply: r.kind === 'reply' ? Buffer.from(r.body).toString('hex') : null });
          return r;
        },
      });
      return inner.start(wrapped);
    },
    stop: () => inner.stop(),
  };
}

/** The fixed verifier of every security-2 transcript: IDF's example salt, wifiprov / abcd1234. */
export const TRANSCRIPT_SALT = '036ee0c7bcb9eda84c9eac97d93decf4';

/** The device of a transcript, on the simulated provisioner. */
export function deviceFor(setup: DeviceSetup, transports?: ProtocommTransport[]): Promise<Rig> {
  return startRig({
    security: setup.security,
    pop: setup.security === 1 && !setup.allowNoPop ? (setup.pop ?? POP) : undefined,
    allowNoPop: setup.allowNoPop,
    verifier: setup.security === 2 ? createSrpVerifier({ username: USER, password: PASSWORD, salt: unhex(TRANSCRIPT_SALT) }) : undefined,
    resetOnFailure: setup.resetOnFailure,
    stopAfterSuccess: false,
    random: seeded(setup.randomSeed),
    transports,
  });
}

/** esp_prov's randomness under the wrapper's ESP_PROV_SEED: SHA-256(seed ‖ counter) blocks. */
export function espProvRandom(seed: string, security: SecurityVersion): (n: number) => Uint8Array {
  let ctr = 0;
  let buf = Buffer.alloc(0);
  let first = true;
  return (n) => {
    while (buf.length < n) {
      const c = Buffer.alloc(8);
      c.writeBigUInt64BE(BigInt(ctr++));
      buf = Buffer.concat([buf, createHash('sha256').update(seed).update(c).digest()]);
    }
    const out = new Uint8Array(buf.subarray(0, n));
    buf = buf.subarray(n);
    // esp_prov's SRP secret is get_random(32) | 1 << 255.
    if (security === 2 && first) out[0]! |= 0x80;
    first = false;
    return out;
  };
}
