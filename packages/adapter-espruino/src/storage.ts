import { provisionError, type ProvisionRecord, type ResetJournal, type StoragePort } from '@provision/core';
import { checkSlotName, eraseSlots, MAX_NAME, readSlots, storageModule, writeSlots } from './slots';

/** Options of {@link createEspruinoStorage}. */
export interface EspruinoStorageOptions {
  /**
   * Prefix of our Storage files (default `"prov"`): the record is `<prefix>.r0`/`.r1`, the reset
   * journal `<prefix>.j0`/`.j1`. At most 24 characters.
   */
  prefix?: string;
  /**
   * The app's own configuration files in Storage (mgos `conf9.json`), erased by a factory reset
   * (`wipe()`). Never list the module file itself (`"provision"`).
   */
  files?: string[];
  /**
   * Offer `compact()` (default false): a factory reset then runs `Storage.compact()`. Compaction moves
   * files in flash; code loaded from Storage keeps pointing into flash, so enable this only when the
   * module was the first file written after `require('Storage').eraseAll()` (nothing before it can
   * move) or is not loaded from Storage. The device reboots right after a factory reset anyway.
   */
  compact?: boolean;
}

/** The storage port. */
export type EspruinoStoragePort = StoragePort;

/**
 * The {@link StoragePort} on Espruino's `Storage`, safe against power loss (R10.2) although Storage
 * itself is not: each file is kept in two slots `{seq, data}` (see the README). `wipe()` erases the
 * record and the app's listed `files` and keeps the journal; `compact()` is offered on request.
 *
 * @example
 * ```js
 * var storage = createEspruinoStorage({ files: ['app.json'] });
 * ```
 */
export function createEspruinoStorage(options?: EspruinoStorageOptions): EspruinoStoragePort {
  const o = options || {};
  const prefix = o.prefix === undefined ? 'prov' : o.prefix;
  checkSlotName(prefix + '.r', 'storage.prefix');
  const files = o.files || [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (typeof f !== 'string' || f.length < 1 || f.length > MAX_NAME || f === 'provision') {
      throw provisionError('invalid-config', `storage.files[${i}] must be a Storage file name of 1..${MAX_NAME} characters other than "provision", got ${JSON.stringify(f)}`, {
        field: `storage.files[${i}]`,
      });
    }
  }
  const rec = prefix + '.r';
  const jr = prefix + '.j';
  const port: EspruinoStoragePort = {
    load: function () {
      return readSlots(rec) as ProvisionRecord | undefined;
    },
    save: function (r: ProvisionRecord) {
      writeSlots(rec, r);
    },
    wipe: function () {
      const S = storageModule();
      for (let i = 0; i < files.length; i++) S.erase(files[i]);
      // The record last: a power cut during the wipe leaves the record as it was, never an older one.
      eraseSlots(rec);
    },
    loadJournal: function () {
      return readSlots(jr) as ResetJournal | undefined;
    },
    saveJournal: function (j: ResetJournal) {
      writeSlots(jr, j);
    },
  };
  if (o.compact) {
    port.compact = function () {
      storageModule().compact();
    };
  }
  return port;
}
