import { checkJournal, checkRecord, provisionError, type ProvisionRecord, type ResetJournal, type StoragePort, type WifiCredentials } from '@provision/core';
import type { StateStore } from './state-file';

/** The simulated device's whole persisted state, as kept in the state file. */
interface StateDoc {
  format?: string;
  record?: unknown;
  journal?: unknown;
  /** The credentials the simulated Wi-Fi stored (the radio's own flash, like ESP-IDF's NVS). */
  wifi?: unknown;
}

const FORMAT = 'provision-sim/1';

/** The storage port of the simulated device, plus the Wi-Fi credentials kept beside the record. */
export interface SimStorage extends StoragePort {
  load(): ProvisionRecord | undefined;
  save(record: ProvisionRecord): void;
  wipe(): void;
  loadJournal(): ResetJournal | undefined;
  saveJournal(journal: ResetJournal): void;
  /** The Wi-Fi credentials stored in the state file, if any and readable. */
  storedWifi(): WifiCredentials | undefined;
  /** Store (or with `undefined`, erase) the Wi-Fi credentials. */
  saveWifi(creds: WifiCredentials | undefined): void;
  /** Where the state lives. */
  readonly where: string;
}

/**
 * A {@link StoragePort} over a {@link StateStore}: the provisioning record, the reset journal and the
 * simulated Wi-Fi's stored credentials share one JSON document, rewritten atomically on every change.
 * Every call is synchronous, which keeps simulated runs deterministic.
 *
 * What cannot be read makes `load()` or `loadJournal()` throw, as the port contract asks: a state file
 * that is not valid JSON (both throw), or a record or journal that is not what the core wrote (only that
 * one throws; the other is still read). The core then starts from defaults with a warning, and the
 * next write replaces what was bad.
 *
 * @example
 * ```ts
 * const storage = createStateStorage(createFileStore('/tmp/device.json'));
 * createProvisioner({ storage, system, clock }, {});
 * ```
 */
export function createStateStorage(store: StateStore): SimStorage {
  const read = (): StateDoc => {
    const text = store.read();
    if (text === undefined) return {};
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw provisionError('storage-failed', `state file ${store.where} is not valid JSON`, { cause: e });
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      throw provisionError('storage-failed', `state file ${store.where} does not hold an object`);
    }
    return doc as StateDoc;
  };
  // A write must go through even over an unreadable file: it replaces it.
  const readForWrite = (): StateDoc => {
    try {
      return read();
    } catch {
      return {};
    }
  };
  const write = (change: (doc: StateDoc) => void): void => {
    const doc = readForWrite();
    change(doc);
    doc.format = FORMAT;
    store.write(`${JSON.stringify(doc, null, 2)}\n`);
  };
  return {
    where: store.where,
    load() {
      const r = read().record;
      return r === undefined ? undefined : checkRecord(r);
    },
    save(record) {
      write((d) => {
        d.record = record;
      });
    },
    wipe() {
      write((d) => {
        delete d.record;
      });
    },
    loadJournal() {
      const j = read().journal;
      return j === undefined ? undefined : checkJournal(j);
    },
    saveJournal(journal) {
      write((d) => {
        d.journal = journal;
      });
    },
    storedWifi() {
      const w = readForWrite().wifi as WifiCredentials | undefined;
      if (!w || typeof w !== 'object' || typeof w.ssid !== 'string') return undefined;
      return w;
    },
    saveWifi(creds) {
      write((d) => {
        if (creds) d.wifi = creds;
        else delete d.wifi;
      });
    },
  };
}
