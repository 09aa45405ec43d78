// A phone for the simulated module: node:http's client over a SimPhoneLink, as a protocomm client transport (cookie echoed like esp_prov).
import { Agent, request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientTransport } from '@provision/protocomm';
import type { EspAtSimulator, SimPhoneLink, SimPhoneOptions } from '../src/simulator';

export interface Phone extends ClientTransport {
  /** Every link the phone opened, in order. */
  links: SimPhoneLink[];
}

/** Protocomm requests over real HTTP/1.1 (node:http's client, one kept-alive link) through the module's TCP server. */
export function phoneTransport(sim: EspAtSimulator, options: SimPhoneOptions = {}): Phone {
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

/** Send raw bytes on a new link and collect what comes back until the module closes it (or `ms` of polling). */
export function rawLink(sim: EspAtSimulator, options: SimPhoneOptions = {}): { link: SimPhoneLink; text: () => string; ended: () => boolean } {
  const link = sim.softAp.connectPhone(options);
  const got: Buffer[] = [];
  let ended = false;
  link.on('data', (d: Buffer) => got.push(d));
  link.on('end', () => (ended = true));
  link.on('close', () => (ended = true));
  return { link, text: () => Buffer.concat(got).toString('latin1'), ended: () => ended };
}
