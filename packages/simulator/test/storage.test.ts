import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPortConformance } from '@provision/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createStateStorage } from '../src/file-storage';
import { createFileStore, createMemoryStore, defaultStatePath } from '../src/state-file';

const root = mkdtempSync(join(tmpdir(), 'provision-sim-storage-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshPath(): string {
  return join(root, `state-${++n}`, 'state.json');
}

// The state-file storage is a storage port like any adapter's: the core's conformance suite proves it.
runPortConformance(
  { describe, it },
  {
    name: 'simulator state file',
    storage: () => {
      const path = freshPath();
      return {
        port: createStateStorage(createFileStore(path)),
        reopen: () => createStateStorage(createFileStore(path)),
        // The record alone goes bad (its bytes torn); the journal beside it stays readable.
        corruptRecord: (raw: string) => {
          const doc = JSON.parse(readFileSync(path, 'utf8'));
          doc.record = raw;
          writeFileSync(path, JSON.stringify(doc));
        },
      };
    },
  },
);

describe('state file', () => {
  it('keeps record, journal and Wi-Fi credentials in one JSON document, replaced without leftovers', () => {
    const path = freshPath();
    const s = createStateStorage(createFileStore(path));
    s.save({ v: 1, max: 2, wifiConfigured: true });
    s.saveJournal({ resets: [{ cause: 'timeout', at: 5 }], buttonLatched: false });
    s.saveWifi({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      format: 'provision-sim/1',
      record: { v: 1, max: 2, wifiConfigured: true },
      journal: { resets: [{ cause: 'timeout', at: 5 }], buttonLatched: false },
      wifi: { ssid: 'HomeNet', passphrase: 'correct horse battery' },
    });
    expect(readdirSync(join(path, '..'))).toEqual(['state.json']);
    const again = createStateStorage(createFileStore(path));
    expect(again.storedWifi()).toEqual({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
    again.saveWifi(undefined);
    expect(again.storedWifi()).toBeUndefined();
    expect(again.load()).toEqual({ v: 1, max: 2, wifiConfigured: true });
  });

  it('a file that is not JSON makes both loads throw; the next write replaces it', () => {
    const path = freshPath();
    const store = createFileStore(path);
    createStateStorage(store).save({ v: 1, max: 1, wifiConfigured: false });
    writeFileSync(path, '{"record": {"v": 1, "max"');
    const s = createStateStorage(store);
    expect(() => s.load()).toThrow(/is not valid JSON/);
    expect(() => s.loadJournal()).toThrow(/is not valid JSON/);
    expect(s.storedWifi()).toBeUndefined();
    s.save({ v: 1, max: 2, wifiConfigured: true });
    expect(s.load()).toEqual({ v: 1, max: 2, wifiConfigured: true });
  });

  it('clear() makes the device factory-new', () => {
    const path = freshPath();
    const store = createFileStore(path);
    createStateStorage(store).save({ v: 1, max: 3, wifiConfigured: true });
    store.clear();
    expect(createStateStorage(store).load()).toBeUndefined();
    store.clear();
  });

  it('the memory store behaves like the file store', () => {
    const s = createStateStorage(createMemoryStore());
    expect(s.load()).toBeUndefined();
    s.save({ v: 1, max: 1, wifiConfigured: false });
    expect(s.load()).toEqual({ v: 1, max: 1, wifiConfigured: false });
    expect(s.where).toBe('memory');
  });

  it('the default path follows XDG_STATE_HOME, then HOME', () => {
    expect(defaultStatePath({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' })).toBe(join('/x/state', 'provision-sim', 'state.json'));
    expect(defaultStatePath({ HOME: '/home/u' })).toBe(join('/home/u', '.local', 'state', 'provision-sim', 'state.json'));
  });
});
