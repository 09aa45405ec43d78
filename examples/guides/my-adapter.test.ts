// The conformance suite of @provision/core, run against the adapter of the "writing an adapter" guide.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// #region conformance
import { describe, it } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import { createFileLed, createJsonStorage } from './my-adapter';

runPortConformance({ describe, it }, {
  name: 'my-adapter',
  storage: () => {
    const dir = mkdtempSync(join(tmpdir(), 'my-adapter-'));
    const settings = join(dir, 'settings.json');
    return {
      port: createJsonStorage(dir, [settings]),
      reopen: () => createJsonStorage(dir, [settings]), // a second instance on the same files: a reboot
      corruptRecord: (raw) => writeFileSync(join(dir, 'record.json'), raw),
      writeUserConfig: () => writeFileSync(settings, '{"name":"kitchen"}'),
      userConfigExists: () => existsSync(settings),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  led: () => {
    const dir = mkdtempSync(join(tmpdir(), 'my-led-'));
    const brightness = join(dir, 'brightness');
    return {
      port: createFileLed(brightness),
      // read back from the "hardware", never from the port
      observe: () => ({ mode: 'steady', on: readFileSync(brightness, 'utf8').trim() === '1' }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  // button, wifi, system and clock are not provided: their tests show as skipped, with the reason
});
// #endregion conformance
