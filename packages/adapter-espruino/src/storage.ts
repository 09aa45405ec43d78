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

/** `compact()` of a storage port that asked for it. */
function compactStorage(): void {
  storageModule().compact();
}

/**
 * The port's files and methods. A class rather than closures over the factory's locals: on Espruino
 * each closure costs a function object and keeps the factory's whole scope alive for as long as the
 * port exists.
 */
class SlotStorage implements StoragePort {
  // Only the prefix is kept, the file names made when used: each string field costs memory on Espruino.
  private readonly p_: string;
  private readonly files_: string[] | undefined;
  declare compact?: () => void;

  constructor(prefix: string, files: string[] | undefined) {
    this.p_ = prefix;
    this.files_ = files;
  }

  load(): ProvisionRecord | undefined {
    return readSlots(this.p_ + '.r') as ProvisionRecord | undefined;
  }

  save(r: ProvisionRecord): void {
    writeSlots(this.p_ + '.r', r);
  }

  wipe(): void {
    const S = storageModule();
    const files = this.files_ || [];
    for (let i = 0; i < files.length; i++) S.erase(files[i]);
    // The record last: a power cut during the wipe leaves the record as it was, never an older one.
    eraseSlots(this.p_ + '.r');
  }

  loadJournal(): ResetJournal | undefined {
    return readSlots(this.p_ + '.j') as ResetJournal | undefined;
  }

  saveJournal(j: ResetJournal): void {
    writeSlots(this.p_ + '.j', j);
  }
}

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
  const files = o.files;
  for (let i = 0; files && i < files.length; i++) {
    const f = files[i];
    if (typeof f !== 'string' || f.length < 1 || f.length > MAX_NAME || f === 'provision') {
      throw provisionError('invalid-config', `storage.files[${i}] must be a Storage file name of 1..${MAX_NAME} characters other than "provision", got ${JSON.stringify(f)}`, {
        field: `storage.files[${i}]`,
      });
    }
  }
  const port: EspruinoStoragePort = new SlotStorage(prefix, files);
  if (o.compact) port.compact = compactStorage;
  return port;
}
