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
    expect(typeof full.createEspruinoWifi).toBe('function');
    expect(typeof led.createEspruinoPorts).toBe('function');
    expect(led.createEspruinoWifi).toBeUndefined();
    expect(led.validateCredentials).toBeUndefined();
  });
});

describe('the builds’ typings (checked by the type checker)', () => {
  it('the button + LED build has no Wi-Fi or session API; the full build has it', () => {
    expectTypeOf<Led.Provisioner>().not.toHaveProperty('configureSta');
    expectTypeOf<Led.Provisioner>().not.toHaveProperty('startSession');
    expectTypeOf<Led.Provisioner>().toHaveProperty('setCurState');
    expectTypeOf<Led.EspruinoPortsOptions>().not.toHaveProperty('wifi');
    expectTypeOf<Full.Provisioner>().toHaveProperty('configureSta');
    expectTypeOf<typeof Full.createEspruinoWifi>().toBeFunction();
  });
});
