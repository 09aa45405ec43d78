// A phone for the simulated module's SoftAP: node:http's client over SimPhoneLink connections, shaped as a protocomm client transport.
import { Agent, request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EspAtSimulator } from './module';
import type { SimPhoneLink, SimPhoneOptions } from './softap';

/**
 * A phone's HTTP client for protocomm requests: what `createProtocommClient({ transport })` of
 * `@provision/protocomm` takes (its `ClientTransport`).
 */
export interface SimPhone {
  /** POST `/<endpoint>` with `body`; resolves with the reply body, rejects on a non-200 or a closed link. */
  request(endpoint: string, body: Uint8Array): Promise<Uint8Array>;
  /** Close the phone's connection. */
  close(): Promise<void>;
  /** Every link the phone opened, in order (a dropped link is replaced on the next request). */
  readonly links: SimPhoneLink[];
}

/**
 * A phone on the simulated module's SoftAP: real HTTP/1.1 (`node:http`'s client, one kept-alive
 * connection, the session cookie echoed like esp_prov) over `SimSoftAp.connectPhone` links.
 *
 * @example
 * ```ts
 * const phone = createSimPhone(sim, { ssid: 'PROV_3F2A', password: 'ap-secret-99' });
 * const client = createProtocommClient({ transport: phone, security: 2, username, password });
 * ```
 */
export function createSimPhone(sim: EspAtSimulator, options: SimPhoneOptions = {}): SimPhone {
  const links: SimPhoneLink[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  (agent as unknown as { createConnection: (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => Duplex | undefined }).createConnection = (_o, cb) => {
    try {
      const link = sim.softAp.connectPhone(options);
      links.push(link);
      return link;
    } catch (e) {
      cb(e as Error);
      return undefined;
    }
  };
  let cookie: string | undefined;
  return {
    links,
    request(endpoint, body) {
      return new Promise((resolve, reject) => {
        const headers: { [k: string]: string | number } = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/plain', 'Content-Length': body.length };
        if (cookie) headers.Cookie = cookie;
        const req = httpRequest({ host: '192.168.4.1', port: options.port ?? 80, method: 'POST', path: `/${endpoint}`, headers, agent }, (res) => {
          const sc = res.headers['set-cookie'];
          if (sc && sc.length) cookie = sc[0]!.split(';')[0];
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${endpoint}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').trim()}`));
            else resolve(new Uint8Array(Buffer.concat(chunks)));
          });
          res.on('error', reject);
        });
        req.on('error', (e) => reject(new Error(`${endpoint}: the device closed the connection without an answer (${e.message})`)));
        req.end(Buffer.from(body));
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
