// The SoftAP path over the real serialport binding on a socat pseudo-terminal: a phone provisions the host end to end (real time).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createProvisioner } from '@provision/core';
import { createProtocommClient, createSrpVerifier } from '@provision/protocomm';
import { createEsp32Bridge } from '../src';
import { startSoftApProtocomm } from '../src/softap';
import { attachToPty, createPtyPair, EspAtSimulator } from '../src/simulator';
import { phoneTransport } from './phone';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery', channel: 6 };

describe.skipIf(!hasSocat)(`over a real PTY pair (socat + serialport binding)${hasSocat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it('R11.1 sec2 through the SoftAP: set, apply, connected, stored, access point torn down', async () => {
    const pair = await createPtyPair();
    const sim = new EspAtSimulator({ joinDelayMs: 30, bootDelayMs: 10, scanDelayMs: 10, networks: [HOME] });
    const device = await attachToPty(sim, pair.device);
    const bridge = createEsp32Bridge({ path: pair.host, at: { busyRetryDelayMs: 10 } });
    try {
      await bridge.open();
      const prov = createProvisioner(bridge.ports);
      await prov.start();
      const verifier = createSrpVerifier({ username: 'wifiprov', password: 'abcd1234' });
      const service = await startSoftApProtocomm(bridge, prov, { security: 2, verifier, password: 'ap-secret-99', toldGraceMs: 50, log: () => undefined });
      expect(service.ssid).toBe('PROV_3F2A');
      const t = phoneTransport(sim, { ssid: service.ssid, password: 'ap-secret-99' });
      const c = createProtocommClient({ transport: t, security: 2, username: 'wifiprov', password: 'abcd1234' });
      await c.handshake();
      expect((await c.scan()).map((n) => n.ssid)).toEqual([HOME.ssid]);
      await c.setConfig(HOME);
      await c.applyConfig();
      let s = await c.status().catch(() => undefined);
      for (let i = 0; i < 100 && (!s || s.state !== 'connected'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        s = await c.status().catch(() => undefined);
      }
      expect(s).toMatchObject({ state: 'connected', ssid: HOME.ssid });
      await service.stopped;
      expect(sim.softAp.accessPoint).toBeUndefined();
      expect(sim.storedStation).toEqual({ ssid: HOME.ssid });
      await t.close();
    } finally {
      await bridge.close();
      await device.close();
      await pair.close();
      sim.destroy();
    }
  }, 30_000);
});
