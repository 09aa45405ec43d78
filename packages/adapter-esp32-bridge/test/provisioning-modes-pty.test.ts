// SmartConfig and BluFi through a provisioner over a real pseudo-terminal (socat) and the real serialport binding.
import { spawnSync } from 'node:child_process';
import { createProvisioner } from '@provision/core';
import { describe, expect, it } from 'vitest';
import { createEsp32Bridge } from '../src/bridge';
import { ModuleProvisioning } from '../src/provisioning-modes';
import { openSerial } from '../src/serial';
import { attachToPty, createPtyPair, EspAtSimulator } from '../src/simulator';
import { HOME } from './helpers';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

function waitFor(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe.skipIf(!hasSocat)('provisioning modes over a real PTY pair (socat + serialport binding)', () => {
  it('R11.1 R11.2 SmartConfig: wrong password fails, the retry works and is stored; BluFi after it', async () => {
    const pair = await createPtyPair();
    const sim = new EspAtSimulator({ joinDelayMs: 30, bootDelayMs: 10, networks: [HOME] });
    const device = await attachToPty(sim, pair.device);
    const bridge = createEsp32Bridge({ transport: () => openSerial(pair.host, { baudRate: 115200 }), at: { busyRetryDelayMs: 10 }, wifi: { retryDelayMs: 50 } });
    try {
      await bridge.open();
      const prov = createProvisioner(bridge.ports, { stableState: 2 });
      const log: string[] = [];
      prov.on('cred-fail', (e) => log.push(`cred-fail:${e.reason}`));
      prov.on('cred-success', () => log.push('cred-success'));
      await prov.start();
      const modes = new ModuleProvisioning(bridge.client, prov, bridge.ports.wifi, { pollIntervalMs: 20, successGraceMs: 20 });
      modes.on('restarted', (m, why) => log.push(`restarted:${m},${why}`));
      modes.on('stopped', (m, why) => log.push(`stopped:${m},${why}`));

      await modes.startSmartConfig({ type: 'esptouch' });
      expect(sim.modes.phoneSmartConfig('esptouch', { ssid: HOME.ssid, password: 'not the password' })).toBe(true);
      await waitFor('cred-fail', () => log.includes('cred-fail:auth-error'));
      await waitFor('restart', () => log.includes('restarted:smartconfig,attempt-failed'));
      expect(sim.storedStation).toBeUndefined();
      expect(sim.modes.phoneSmartConfig('esptouch', { ssid: HOME.ssid, password: HOME.passphrase })).toBe(true);
      await waitFor('success', () => log.includes('stopped:smartconfig,success'));
      await waitFor('stored', () => sim.storedStation?.ssid === HOME.ssid && sim.nvsValue('provision', 'record')?.includes('"max":2') === true);

      // BluFi on the same link: the module's own join, adopted and verified with AT+CWJAP.
      await bridge.ports.wifi.forget();
      prov.resetForReprovision();
      await modes.startBlufi({ name: 'pty-test' });
      expect(sim.modes.phoneBlufi({ ssid: HOME.ssid, password: HOME.passphrase })).toBe(true);
      await waitFor('blufi success', () => log.includes('stopped:blufi,success'));
      await waitFor('blufi stored', () => sim.storedStation?.ssid === HOME.ssid);
      expect(sim.received).toContain('AT+CWJAP');
      prov.stop();
    } finally {
      await bridge.close();
      await device.close();
      await pair.close();
      sim.destroy();
    }
  }, 30_000);
});
