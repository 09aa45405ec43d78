// SmartConfig, WPS and BluFi end to end: the simulated module, the real AT client and ports, a real provisioner (R11.1–R11.3).
import { createProvisioner } from '@provision/core';
import type { ProvisionConfig, Provisioner } from '@provision/core';
import { describe, expect, it } from 'vitest';
import { createEsp32Bridge } from '../src/bridge';
import type { Esp32Bridge } from '../src/bridge';
import { ModuleProvisioning } from '../src/provisioning-modes';
import type { ProvisioningModeName } from '../src/provisioning-modes';
import { EspAtSimulator } from '../src/simulator';
import type { EspAtSimulatorOptions } from '../src/simulator';
import { advance, HOME, settle, SimulatedClock, until } from './helpers';

const CONFIG: ProvisionConfig = { stableState: 2 };
const WRONG = 'not the password';

interface ModesRig {
  clock: SimulatedClock;
  sim: EspAtSimulator;
  bridge: Esp32Bridge;
  prov: Provisioner;
  modes: ModuleProvisioning;
  log: string[];
  /** Every event and error message, to check that no passphrase leaks. */
  said: string[];
}

async function modesRig(sim: EspAtSimulatorOptions = {}): Promise<ModesRig> {
  const clock = new SimulatedClock();
  const s = new EspAtSimulator({ clock, networks: [HOME], joinDelayMs: 500, ...sim });
  const bridge = createEsp32Bridge({ transport: s, clock, wifi: { retryDelayMs: 1000 } });
  await settle(clock, bridge.open());
  const prov = createProvisioner(bridge.ports, CONFIG);
  const log: string[] = [];
  const said: string[] = [];
  for (const name of ['cred-recv', 'cred-fail', 'cred-success', 'start', 'end'] as const) {
    prov.on(name, (e) => {
      log.push(name + ('reason' in e ? `:${String(e.reason)}` : ''));
      said.push(JSON.stringify(e));
    });
  }
  prov.on('error', (e) => said.push(e.message));
  prov.on('warning', (w) => said.push(w.message));
  await settle(clock, prov.start());
  const modes = new ModuleProvisioning(bridge.client, prov, bridge.ports.wifi, { pollIntervalMs: 200 });
  for (const ev of ['started', 'credentials', 'rejected', 'restarted', 'stopped'] as const) {
    modes.on(ev, (...args: unknown[]) => {
      log.push(`${ev}:${args.map(String).join(',')}`);
      said.push(JSON.stringify(args));
    });
  }
  modes.on('error', (_m, e) => said.push(e.message));
  bridge.client.on('unsolicited', (l) => said.push(l));
  return { clock, sim: s, bridge, prov, modes, log, said };
}

/** The record as stored in the module's NVS (max state), or undefined. */
function storedMax(sim: EspAtSimulator): number | undefined {
  const raw = sim.nvsValue('provision', 'record');
  return raw === undefined ? undefined : (JSON.parse(raw) as { max: number }).max;
}

function noSecrets(r: ModesRig): void {
  for (const line of r.said) {
    expect(line).not.toContain(HOME.passphrase);
    expect(line).not.toContain(WRONG);
  }
}

/** What the phone, app or router does for each mode. */
const deliver: { [m in ProvisioningModeName]: (sim: EspAtSimulator, password: string) => boolean } = {
  smartconfig: (sim, password) => sim.modes.phoneSmartConfig('esptouch', { ssid: HOME.ssid, password }),
  blufi: (sim, password) => sim.modes.phoneBlufi({ ssid: HOME.ssid, password }),
  wps: (sim, password) => {
    sim.modes.faults.wpsWrongKey = password === HOME.passphrase ? undefined : password;
    return sim.modes.pressWpsButton(HOME.ssid);
  },
};

const startMode = (m: ModesRig, mode: ProvisioningModeName): Promise<void> =>
  mode === 'smartconfig' ? m.modes.startSmartConfig({ type: 'esptouch' }) : mode === 'wps' ? m.modes.startWps() : m.modes.startBlufi({ name: 'provision-test' });

describe.each(['smartconfig', 'wps', 'blufi'] as const)('%s through the provisioner', (mode) => {
  it(`R11.1 R11.3 ${mode}: credentials go through configureSta, persist only after success, the mode stops`, async () => {
    const r = await modesRig();
    await settle(r.clock, startMode(r, mode));
    expect(r.sim.modes.running[mode]).toBe(true);
    expect(r.sim.received).toContain('AT+SYSSTORE=0');
    expect(deliver[mode](r.sim, HOME.passphrase)).toBe(true);
    await until(r.clock, () => r.log.includes('cred-success'), 30_000);
    expect(r.log).toContain(`credentials:${mode},${HOME.ssid}`);
    expect(r.log.indexOf('cred-recv')).toBeLessThan(r.log.indexOf('cred-success'));
    await until(r.clock, () => r.log.includes(`stopped:${mode},success`), 30_000);
    expect(r.sim.modes.running[mode]).toBe(false);
    await advance(r.clock, 2000);
    expect(r.prov.getMaxState()).toBe(2);
    expect(storedMax(r.sim)).toBe(2);
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    // The module joins again after a reboot with what was stored.
    r.sim.reboot();
    await until(r.clock, () => r.sim.stationState === 2, 10_000);
    noSecrets(r);
  });

  it(`R11.2 ${mode}: a wrong password fails with auth-error, nothing is stored, the mode stays for a retry that works`, async () => {
    const r = await modesRig();
    await settle(r.clock, startMode(r, mode));
    expect(deliver[mode](r.sim, WRONG)).toBe(true);
    await until(r.clock, () => r.log.includes('cred-fail:auth-error'), 30_000);
    await until(r.clock, () => r.log.includes(`restarted:${mode},attempt-failed`), 10_000);
    expect(r.sim.storedStation).toBeUndefined();
    expect(storedMax(r.sim) ?? 0).toBe(0);
    expect(r.sim.modes.running[mode]).toBe(true);
    expect(r.prov.getSessionState()).toBe('started');
    expect(deliver[mode](r.sim, HOME.passphrase)).toBe(true);
    await until(r.clock, () => r.log.includes('cred-success'), 30_000);
    await until(r.clock, () => r.log.includes(`stopped:${mode},success`), 30_000);
    await advance(r.clock, 2000);
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    expect(storedMax(r.sim)).toBe(2);
    noSecrets(r);
  });

  it(`${mode}: nothing arrives within timeoutMs: the mode stops with timeout, nothing stored`, async () => {
    const r = await modesRig();
    const o = { timeoutMs: 5000 };
    await settle(r.clock, mode === 'smartconfig' ? r.modes.startSmartConfig(o) : mode === 'wps' ? r.modes.startWps(o) : r.modes.startBlufi(o));
    await until(r.clock, () => r.log.includes(`stopped:${mode},timeout`), 10_000);
    expect(r.modes.running).toBeUndefined();
    expect(r.sim.modes.running[mode]).toBe(false);
    expect(r.sim.storedStation).toBeUndefined();
    expect(storedMax(r.sim) ?? 0).toBe(0);
    expect(r.prov.getSessionState()).toBe('started');
  });

  it(`${mode}: a module reset in the middle starts the mode again; the unverified credentials are not kept`, async () => {
    const r = await modesRig();
    await settle(r.clock, startMode(r, mode));
    expect(deliver[mode](r.sim, HOME.passphrase)).toBe(true);
    // The module resets before the join answered.
    await advance(r.clock, 60);
    r.sim.reboot();
    await until(r.clock, () => r.log.includes(`restarted:${mode},module-restarted`), 10_000);
    expect(r.sim.modes.running[mode]).toBe(true);
    expect(r.sim.storedStation).toBeUndefined();
    expect(storedMax(r.sim) ?? 0).toBeLessThan(2);
    // And the next delivery works.
    await advance(r.clock, 3000);
    if (!r.log.includes('cred-success')) {
      expect(deliver[mode](r.sim, HOME.passphrase)).toBe(true);
      await until(r.clock, () => r.log.includes('cred-success'), 30_000);
    }
    await until(r.clock, () => r.log.includes(`stopped:${mode},success`), 30_000);
    await advance(r.clock, 2000);
    expect(r.sim.storedStation).toEqual({ ssid: HOME.ssid });
    noSecrets(r);
  });

  it(`${mode}: a firmware without it gives not-supported naming the mode and the firmware, nothing sent`, async () => {
    const missing = mode === 'smartconfig' ? ['AT+CWSTARTSMART', 'AT+CWSTOPSMART'] : mode === 'wps' ? ['AT+WPS'] : ['AT+BLUFI', 'AT+BLUFINAME'];
    for (const cmdQuery of [true, false]) {
      const r = await modesRig({ modes: { missingCommands: missing, cmdQuery } });
      const err = await settle(r.clock, startMode(r, mode).then(() => undefined, (e: unknown) => e));
      expect(err).toMatchObject({ code: 'not-supported' });
      expect((err as Error).message).toContain(mode);
      expect((err as Error).message).toContain('AT version:4.0.0.0(simulated)');
      expect(r.modes.running).toBeUndefined();
      expect(r.sim.received).not.toContain('AT+SYSSTORE=0');
      expect(r.sim.storedStation).toBeUndefined();
      expect(storedMax(r.sim) ?? 0).toBe(0);
      const support = await settle(r.clock, r.modes.probe());
      expect(support.source).toBe(cmdQuery ? 'AT+CMD?' : 'test commands');
      expect(support[mode]).toBe(false);
    }
  });
});

describe('mode options and limits', () => {
  it('ESP-Touch v2 sends its key; a bad key or type is refused before anything is sent', async () => {
    const r = await modesRig();
    await expect(r.modes.startSmartConfig({ type: 'esptouch-v2', v2Key: 'short' })).rejects.toMatchObject({ code: 'invalid-config' });
    await expect(r.modes.startSmartConfig({ type: 'esptouch', v2Key: '1234567890123456' })).rejects.toMatchObject({ code: 'invalid-config' });
    await expect(r.modes.startSmartConfig({ type: 'x' as never })).rejects.toMatchObject({ code: 'invalid-config' });
    await expect(r.modes.startWps({ authFloor: 9 })).rejects.toMatchObject({ code: 'invalid-config' });
    await expect(r.modes.startBlufi({ name: 'x'.repeat(27) })).rejects.toMatchObject({ code: 'invalid-config' });
    expect(r.sim.received).not.toContain('AT+SYSSTORE=0');
    await settle(r.clock, r.modes.startSmartConfig({ type: 'esptouch-v2', v2Key: '1234567890123456', authFloor: 3 }));
    expect(r.sim.received).toContain('AT+CWSTARTSMART=4,3,"1234567890123456"');
    expect(r.sim.modes.phoneSmartConfig('esptouch-v2', { ssid: HOME.ssid, password: HOME.passphrase, key: '1234567890123456' })).toBe(true);
    await until(r.clock, () => r.log.includes('stopped:smartconfig,success'), 30_000);
  });

  it('one mode at a time: a second start names the one running', async () => {
    const r = await modesRig();
    await settle(r.clock, r.modes.startWps());
    const err = await settle(r.clock, r.modes.startBlufi().then(() => undefined, (e: unknown) => e));
    expect(err).toMatchObject({ code: 'invalid-state' });
    expect((err as Error).message).toContain('wps is running');
    await settle(r.clock, r.modes.stopWps());
    expect(r.log).toContain('stopped:wps,stopped');
    expect(r.sim.received).toContain('AT+WPS=0');
    await settle(r.clock, r.modes.startBlufi());
    expect(r.sim.modes.running.blufi).toBe(true);
  });

  it('WPS PBC overlap: the module gives up silently; the walk time ends the mode', async () => {
    const r = await modesRig();
    await settle(r.clock, r.modes.startWps({ timeoutMs: 10_000 }));
    r.sim.modes.faults.wpsOverlap = 1;
    expect(r.sim.modes.pressWpsButton(HOME.ssid)).toBe(true);
    await until(r.clock, () => r.log.includes('stopped:wps,timeout'), 15_000);
    expect(r.sim.storedStation).toBeUndefined();
  });

  it('SmartConfig lines cut short on the UART: rejected (no credentials guessed), the mode restarts', async () => {
    const r = await modesRig();
    await settle(r.clock, r.modes.startSmartConfig({ type: 'airkiss' }));
    r.sim.modes.faults.smartConfigTruncate = 40;
    // a 41-byte SSID cannot be printed whole: the cut line is still over 32 bytes
    expect(r.sim.modes.phoneSmartConfig('airkiss', { ssid: 'A'.repeat(41), password: HOME.passphrase })).toBe(true);
    await until(r.clock, () => r.log.some((l) => l.startsWith('rejected:smartconfig')), 10_000);
    await until(r.clock, () => r.log.includes('restarted:smartconfig,attempt-failed'), 10_000);
    expect(r.log.filter((l) => l === 'cred-recv')).toHaveLength(0);
    r.sim.modes.faults.smartConfigTruncate = 0;
    expect(r.sim.modes.phoneSmartConfig('airkiss', { ssid: HOME.ssid, password: HOME.passphrase })).toBe(true);
    await until(r.clock, () => r.log.includes('cred-success'), 30_000);
    noSecrets(r);
  });

  it('the password line never reaches an AT response or error, even in the middle of a command', async () => {
    const r = await modesRig();
    await settle(r.clock, r.modes.startSmartConfig());
    r.sim.faults.unsolicitedInNextResponse = ['password:' + WRONG];
    const resp = await settle(r.clock, r.bridge.client.send('AT+CWSTATE?'));
    expect(resp.lines.join('\n')).not.toContain(WRONG);
    noSecrets(r);
  });
});
