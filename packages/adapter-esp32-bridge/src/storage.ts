import { checkJournal, checkRecord, provisionError } from '@provision/core';
import type { ProvisionRecord, ResetJournal, StoragePort } from '@provision/core';
import type { AtClient } from './at-client';
import { checkNvsName, ModuleNvs, VERIFIED_READ_ATTEMPTS } from './nvs';
import { seal, unseal } from './seal';

/** Options of {@link createModuleStorage}. */
export interface ModuleStorageOptions {
  /** NVS namespace of the module's manufacturing partition to use (default `provision`). */
  namespace?: string;
  /**
   * Keys in the same namespace that hold the app's own configuration: `wipe()` (factory reset) erases
   * them together with the record. The reset journal and the Wi-Fi marker are never among them.
   */
  userKeys?: string[];
}

/** The storage port, plus direct access to the NVS namespace it lives in. */
export interface ModuleStorage extends StoragePort {
  /** The namespace, for the app's own keys (see {@link ModuleStorageOptions.userKeys}). */
  readonly nvs: ModuleNvs;
}

/** Key of the provisioning record. */
export const RECORD_KEY = 'record';
/** Key of the reset journal. */
export const JOURNAL_KEY = 'journal';
/** Key of the marker that says the module holds persisted Wi-Fi credentials (no secret in it). */
export const WIFI_MARKER_KEY = 'wifi';

function failed(what: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return provisionError('storage-failed', `${what} on the ESP32 module failed: ${msg}`, { cause: e });
}

function parse(what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw provisionError('storage-failed', `stored ${what} is corrupt: not valid JSON`, { cause: e });
  }
}

/**
 * A {@link StoragePort} on the ESP32 module's NVS through `AT+SYSMFG`: the record and the reset journal
 * are JSON strings under their own keys in our own namespace, each with a checksum field (`"sum"`, the
 * first 32 bits of a SHA-256) so a value damaged on the UART is never taken for the stored one; values
 * written without it are still read. Each save replaces one NVS key, which NVS
 * does atomically (R10.2). The manufacturing partition is not touched by `AT+RESTORE`, so the journal
 * survives a module factory restore too.
 *
 * Every save is read back before it resolves. Reads go over a UART without a checksum, so `load()` and `loadJournal()` read each key until two
 * reads agree ({@link ModuleNvs.readVerified}, at most 4 reads). `undefined` means two reads found no
 * record; a record that could not be read reliably — every read timed out, came back garbled, or the
 * reads disagreed — is thrown as `storage-failed` ("unknown, not absent"), never returned as a fresh
 * device (R3.7).
 *
 * Apps that keep state on the host instead pass their own `StoragePort` (e.g. the Linux adapter's).
 *
 * @example
 * ```ts
 * const storage = createModuleStorage(client, { userKeys: ['appcfg'] });
 * await storage.save({ v: 1, max: 2, wifiConfigured: true });
 * ```
 */
export function createModuleStorage(client: AtClient, options: ModuleStorageOptions = {}): ModuleStorage {
  const nvs = new ModuleNvs(client, options.namespace ?? 'provision');
  const userKeys = options.userKeys ?? [];
  for (const k of userKeys) {
    checkNvsName('userKeys entry', k);
    if (k === JOURNAL_KEY || k === WIFI_MARKER_KEY) {
      throw provisionError('invalid-config', `userKeys must not contain "${k}": it is reserved (allowed: any other NVS key)`, { field: 'userKeys' });
    }
  }

  async function readKey(key: string, what: string): Promise<string | undefined> {
    try {
      // Two agreeing reads: one dropped or garbled UART line must not turn a stored record into
      // "none" (a fresh device) or into a different record.
      const stored = await nvs.readVerified(key, VERIFIED_READ_ATTEMPTS, (v) => unseal(v) !== undefined);
      return stored === undefined ? undefined : unseal(stored);
    } catch (e) {
      throw failed(`reading the ${what} (it is unknown, not absent)`, e);
    }
  }

  async function writeKey(key: string, what: string, json: string): Promise<void> {
    const text = seal(json);
    try {
      await nvs.write(key, text);
    } catch (e) {
      throw failed(`writing the ${what}`, e);
    }
    // Read it back: an OK can be a stray line (or the module rebooted before the data landed), and a
    // save the core takes for done must really be stored. A failed read is tried once more.
    let back: string | undefined;
    try {
      back = await nvs.read(key).catch(() => nvs.read(key));
    } catch (e) {
      throw failed(`checking the ${what} just written`, e);
    }
    if (back !== text) throw failed(`writing the ${what}`, new Error('the module answered OK but does not hold the new value'));
  }

  return {
    nvs,
    async load(): Promise<ProvisionRecord | undefined> {
      const text = await readKey(RECORD_KEY, 'provisioning record');
      return text === undefined ? undefined : checkRecord(parse('provisioning record', text));
    },
    async save(record: ProvisionRecord): Promise<void> {
      const r = checkRecord(record);
      await writeKey(RECORD_KEY, 'provisioning record', JSON.stringify({ v: r.v, max: r.max, wifiConfigured: r.wifiConfigured }));
    },
    async wipe(): Promise<void> {
      const keys = [RECORD_KEY, ...userKeys];
      try {
        // Erase each key whether or not a listing shows it: a listing line lost on the UART must not
        // leave the record behind after a factory reset. Erasing a missing key is not an error.
        for (const k of keys) await nvs.erase(k);
      } catch (e) {
        throw failed('wiping the provisioning record', e);
      }
      let left: string[];
      try {
        left = (await nvs.keys()).filter((k) => keys.includes(k));
      } catch (e) {
        throw failed('checking the wipe of the provisioning record', e);
      }
      if (left.length > 0) throw failed('wiping the provisioning record', new Error(`still present after erase: ${left.join(', ')}`));
    },
    async loadJournal(): Promise<ResetJournal | undefined> {
      const text = await readKey(JOURNAL_KEY, 'reset journal');
      return text === undefined ? undefined : checkJournal(parse('reset journal', text));
    },
    async saveJournal(journal: ResetJournal): Promise<void> {
      const j = checkJournal(journal);
      await writeKey(JOURNAL_KEY, 'reset journal', JSON.stringify(j));
    },
  };
}
