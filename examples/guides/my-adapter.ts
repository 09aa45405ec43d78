// A small adapter: storage in two JSON files, and an LED behind a brightness file (as under
// /sys/class/leds/<name>/brightness). Its conformance test is my-adapter.test.ts.
// #region storage
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LedPort, ProvisionRecord, ResetJournal, StoragePort } from '@provision/core';

/** Write `text` so that a power cut leaves the old file or the new one (R10.2). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(join(file, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** `undefined` when the file does not exist; throws when it exists but is not JSON. */
function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // Only a missing file is "nothing stored"; any other read error, and bytes that are not JSON (an
  // empty or torn file too), throw: the core then treats the state as unknown, not fresh (R3.7).
  return JSON.parse(text) as T;
}

export function createJsonStorage(dir: string, userConfigFiles: string[] = []): StoragePort {
  const record = join(dir, 'record.json');
  const journal = join(dir, 'journal.json');
  return {
    load: () => readJson<ProvisionRecord>(record),
    save: (r) => writeAtomic(record, JSON.stringify(r)),
    wipe() {
      for (const f of [record, ...userConfigFiles]) rmSync(f, { force: true });
    },
    loadJournal: () => readJson<ResetJournal>(journal),
    saveJournal: (j) => writeAtomic(journal, JSON.stringify(j)),
    // no compact(): the optional capability is simply absent
  };
}
// #endregion storage

// #region led
/** An LED behind a brightness file; `activeHigh: false` inverts it. */
export function createFileLed(file: string, options: { activeHigh?: boolean } = {}): LedPort {
  const activeHigh = options.activeHigh ?? true;
  return {
    set(on) {
      writeAtomic(file, on === activeHigh ? '1\n' : '0\n');
    },
    // no blink(): the core times the pattern itself
  };
}
// #endregion led
