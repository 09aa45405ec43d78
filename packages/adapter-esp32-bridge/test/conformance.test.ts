import { describe, it } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import type { ConformanceTarget } from '@provision/core/testing';
import { AtClient } from '../src/at-client';
import { createModuleButton, createModuleLed } from '../src/gpio';
import { createModuleStorage } from '../src/storage';
import { createModuleSystem } from '../src/system';
import { createModuleWifi } from '../src/wifi';
import { attachToMockBinding, EspAtSimulator } from '../src/simulator';
import { CAFE, HOME } from './helpers';

// The conformance suite waits for events like a real peer's (its button tests poll on real time), so
// these harnesses run the simulator and the adapter on the real clock with short delays; nothing here
// asserts a duration.
async function open(chip: 'esp32' | 'esp32c3' = 'esp32'): Promise<{ sim: EspAtSimulator; client: AtClient; cleanup(): Promise<void> }> {
  const sim = new EspAtSimulator({ chip, joinDelayMs: 20, bootDelayMs: 5, scanDelayMs: 5, networks: [HOME, CAFE] });
  const mock = attachToMockBinding(sim);
  const client = new AtClient(() => mock.open(), { busyRetryDelayMs: 5 });
  await client.open();
  return { sim, client, cleanup: () => client.close() };
}

const target: ConformanceTarget = {
  name: 'adapter-esp32-bridge (simulated module behind @serialport/binding-mock)',
  async storage() {
    const { sim, client, cleanup } = await open();
    const port = createModuleStorage(client, { userKeys: ['appcfg'] });
    return {
      port,
      cleanup,
      reopen: () => createModuleStorage(client, { userKeys: ['appcfg'] }),
      corruptRecord: (raw: string) => sim.setNvsValue('provision', 'record', raw),
      writeUserConfig: () => port.nvs.write('appcfg', '{"theme":"dark"}'),
      userConfigExists: async () => (await port.nvs.keys()).includes('appcfg'),
    };
  },
  async button() {
    const { sim, client, cleanup } = await open('esp32c3');
    const port = createModuleButton(client, { chip: 'esp32c3', pin: 9, pollIntervalMs: 5 });
    return {
      port,
      press: () => sim.setPin(9, false),
      release: () => sim.setPin(9, undefined),
      cleanup: async () => {
        port.close();
        await cleanup();
      },
    };
  },
  async led() {
    const { sim, client, cleanup } = await open();
    const port = createModuleLed(client, { chip: 'esp32', pin: 2 });
    return {
      port,
      cleanup,
      observe: () => {
        const p = sim.pin(2);
        return { mode: 'steady', on: p.output && p.high };
      },
    };
  },
  async wifi() {
    const { client, cleanup } = await open();
    return {
      port: createModuleWifi(client, { retryDelayMs: 50 }),
      good: HOME,
      wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
      missingNetwork: { ssid: 'NotInRange', passphrase: 'whatever123' },
      eventTimeoutMs: 5000,
      cleanup,
    };
  },
  async system() {
    const { client, cleanup } = await open();
    let reboots = 0;
    return { port: createModuleSystem(client, { hostReboot: () => void reboots++ }), reboots: () => reboots, cleanup };
  },
};

runPortConformance({ describe, it }, target);
