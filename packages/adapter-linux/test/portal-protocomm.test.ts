// One server for both: Espressif's protocomm mounted on the portal's server, the same session behind each.
import type { IncomingMessage } from 'node:http';
import { attachProtocomm, createHttpHandler, createProtocommClient, type Protocomm, type ProtocommService, type ProtocommTransport } from '@provision/protocomm';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers';
import { startRig, type PortalRig } from './portal-harness';
import type { PortalServer } from '../src/portal/server';

const POP = 'abcd1234';

/** A protocomm transport that serves its endpoints through the portal's server (`mount`). */
function portalMounted(server: PortalServer): ProtocommTransport {
  let unmount: (() => void) | undefined;
  return {
    name: 'http (shared with the portal)',
    start(pc: Protocomm) {
      const endpoint = (req: IncomingMessage) => (req.url ?? '').split('?')[0].slice(1);
      unmount = server.mount((req) => req.method === 'POST' && pc.hasEndpoint(endpoint(req)), createHttpHandler(pc));
    },
    stop() {
      unmount?.();
    },
  };
}

let rig: PortalRig | undefined;
let service: ProtocommService | undefined;
afterEach(async () => {
  await service?.stop();
  await rig?.close();
  rig = undefined;
  service = undefined;
});

describe('the portal server shared with protocomm', () => {
  it('R11.1 R11.3 an app over protocomm and the page see the same session: a failure sent by the app shows in both, a success through the page reaches the app', async () => {
    rig = await startRig();
    const r = rig;
    service = await attachProtocomm(r.prov, { security: 1, pop: POP, transports: [portalMounted(r.portal.server)], clock: r.clock, log: () => undefined, scan: () => r.wifi.scan?.() ?? [] });
    const client = createProtocommClient({ url: r.base, security: 1, pop: POP, timeoutMs: 5000 });
    try {
      expect(Object.keys(await client.getVersion())).toContain('prov');
      await client.handshake();
      await client.setConfig({ ssid: 'HomeNet', passphrase: 'wrong-password-1' });
      await client.applyConfig();
      await waitUntil(() => r.wifi.calls.connect === 1, 5000, 'the station attempt');
      r.clock.advance(1000);
      await waitUntil(() => r.portal.status().phase === 'failed', 5000, 'the failure');
      // The same reason on both transports.
      expect(r.portal.status().message).toBe('The password for HomeNet was not accepted. Check it and try again.');
      expect(await client.status()).toEqual({ state: 'failed', reason: 'auth-error' });
      // The portal's own routes and redirect are untouched by the mount.
      const page = await fetch(`${r.base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('The password for HomeNet was not accepted');
      // The corrected password through the page: the app sees the success too.
      const post = await fetch(`${r.base}/connect`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ssid: 'HomeNet', passphrase: 'correct-horse' }) });
      expect(post.status).toBe(202);
      r.clock.advance(1000);
      expect(r.portal.status().phase).toBe('connected');
      expect(await client.status()).toMatchObject({ state: 'connected', ip: '192.168.1.50', ssid: 'HomeNet' });
    } finally {
      await client.close();
    }
  });
});
