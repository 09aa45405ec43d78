// Both Espruino builds load with Node's require() through the package's exports (CommonJS in a
// "type": "module" package: dist/espruino/package.json says so), each with the API its .d.ts declares.
import { createRequire } from 'node:module';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as Full from '../espruino/provision';
import type * as Led from '../espruino/provision-led';
import { ensureBundle } from './bundle';

const require = createRequire(import.meta.url);

describe("require('@provision/adapter-espruino/espruino') and '/espruino-led' in Node", () => {
  it('load the full and the button + LED builds', () => {
    ensureBundle();
    ensureBundle('provision-led.min.js');
    const full = require('@provision/adapter-espruino/espruino') as { [k: string]: unknown };
    const led = require('@provision/adapter-espruino/espruino-led') as { [k: string]: unknown };
    expect(typeof full.createEspruinoPorts).toBe('function');
    expect(typeof full.validateCredentials).toBe('function');
    expect(typeof led.createEspruinoPorts).toBe('function');
    expect(led.validateCredentials).toBeUndefined();
  });

  it('R9.1 the button + LED build rejects the Wi-Fi and session sections it cannot use, naming the allowed keys', () => {
    ensureBundle();
    ensureBundle('provision-led.min.js');
    const full = require('@provision/adapter-espruino/espruino') as typeof Full;
    const led = require('@provision/adapter-espruino/espruino-led') as typeof Led;
    for (const section of ['wifi', 'session']) {
      const config = { [section]: {} } as never;
      expect(() => led.validateConfig(config)).toThrow(`unknown config key ${section}; allowed keys: stableState, timeoutMs, rebootDelayMs, resetStepTimeoutMs, button, led`);
      expect(Object.keys(full.validateConfig(config))).toContain(section);
    }
    expect(led.validateConfig({ stableState: 2, led: { patterns: { stable: { on: 1, off: 2 } } } })).toEqual({
      stableState: 2,
      timeoutMs: 300000,
      rebootDelayMs: 100,
      resetStepTimeoutMs: 2000,
      button: { holdMs: 0, debounceMs: 50, inhibitAfterMs: 0 },
      led: { patterns: { stable: { on: 1, off: 2 } } },
    });
  });
});

describe('the builds’ typings (checked by the type checker)', () => {
  it('the button + LED build has no Wi-Fi or session API; the full build has it', () => {
    expectTypeOf<Led.Provisioner>().not.toHaveProperty('configureSta');
    expectTypeOf<Led.Provisioner>().not.toHaveProperty('startSession');
    expectTypeOf<Led.Provisioner>().toHaveProperty('setCurState');
    expectTypeOf<Led.EspruinoPortsOptions>().not.toHaveProperty('wifi');
    expectTypeOf<Led.ProvisionConfig>().not.toHaveProperty('wifi');
    expectTypeOf<Led.ProvisionConfig>().not.toHaveProperty('session');
    expectTypeOf<Led.ResolvedConfig>().not.toHaveProperty('session');
    expectTypeOf<Led.ProvisionConfig>().toHaveProperty('button');
    expectTypeOf<Full.Provisioner>().toHaveProperty('configureSta');
    expectTypeOf<typeof Full.validateCredentials>().toBeFunction();
    expectTypeOf<Led.EspruinoPortsOptions>().not.toHaveProperty('wifi');
  });
});
