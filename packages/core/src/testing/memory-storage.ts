import { provisionError } from '../errors';
import type { ProvisionRecord, ResetJournal, StoragePort } from '../ports';

/** In-memory storage with a write counter and power-loss simulation. */
export interface MemoryStorage extends StoragePort {
  /** Synchronous, unlike the port's `MaybePromise`. */
  load(): ProvisionRecord | undefined;
  save(record: ProvisionRecord): void;
  wipe(): void;
  loadJournal(): ResetJournal | undefined;
  saveJournal(journal: ResetJournal): void;
  /** Successful writes (save, saveJournal, wipe) since creation or {@link MemoryStorage.resetCounters}. */
  writes: number;
  /** Calls to each method. */
  calls: { [method: string]: number };
  /** Raw stored text of the record, or undefined. */
  rawRecord(): string | undefined;
  /** Replace the stored record's raw text (simulate corruption). */
  corrupt(raw: string): void;
  /** Replace the stored journal's raw text (simulate corruption). */
  corruptJournal(raw: string): void;
  /** App-owned user configuration that `wipe()` deletes (mgos `conf9.json`). */
  userConfig: { [name: string]: string };
  /**
   * Power loss: the next `n` writes succeed, then the medium dies — that write and every later call
   * fail until {@link MemoryStorage.powerOn}. Each write is atomic: the dying write leaves the old value.
   */
  crashAfter(n: number): void;
  /** Bring a crashed medium back (the "reboot" of a power-loss test). */
  powerOn(): void;
  /** True while crashed. */
  isDead(): boolean;
  /** Zero `writes` and `calls`. */
  resetCounters(): void;
  /** Make the next call of `method` throw `error` once (failure injection). */
  failNext(method: 'load' | 'save' | 'wipe' | 'loadJournal' | 'saveJournal' | 'compact', error?: Error): void;
}

/**
 * Create in-memory storage. Values are kept as JSON text, so nothing the core holds aliases what is
 * stored. Pass `withCompact: false` to model a port without the optional `compact()`.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * storage.crashAfter(1); // the second write will be lost with the power
 * ```
 */
export function createMemoryStorage(options?: { withCompact?: boolean; record?: ProvisionRecord; journal?: ResetJournal }): MemoryStorage {
  let record: string | undefined = options && options.record ? JSON.stringify(options.record) : undefined;
  let journal: string | undefined = options && options.journal ? JSON.stringify(options.journal) : undefined;
  let budget = -1;
  let dead = false;
  const failures: { [method: string]: Error | undefined } = {};

  const enter = (method: string, isWrite: boolean): void => {
    s.calls[method] = (s.calls[method] || 0) + 1;
    const f = failures[method];
    if (f) {
      failures[method] = undefined;
      throw f;
    }
    if (dead) throw provisionError('storage-failed', `storage is powered off (${method})`);
    if (isWrite && budget === 0) {
      dead = true;
      throw provisionError('storage-failed', `power lost during ${method}`);
    }
    if (isWrite && budget > 0) budget--;
  };

  const parse = (raw: string | undefined, what: string): unknown => {
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch (e) {
      throw provisionError('storage-failed', `stored ${what} is not valid JSON`, { cause: e });
    }
  };

  const s: MemoryStorage = {
    writes: 0,
    calls: {},
    userConfig: {},
    load() {
      enter('load', false);
      return parse(record, 'record') as ProvisionRecord | undefined;
    },
    save(r) {
      enter('save', true);
      record = JSON.stringify(r);
      s.writes++;
    },
    wipe() {
      enter('wipe', true);
      record = undefined;
      s.userConfig = {};
      s.writes++;
    },
    loadJournal() {
      enter('loadJournal', false);
      return parse(journal, 'journal') as ResetJournal | undefined;
    },
    saveJournal(j) {
      enter('saveJournal', true);
      journal = JSON.stringify(j);
      s.writes++;
    },
    rawRecord: () => record,
    corrupt(raw) {
      record = raw;
    },
    corruptJournal(raw) {
      journal = raw;
    },
    crashAfter(n) {
      budget = n;
    },
    powerOn() {
      dead = false;
      budget = -1;
    },
    isDead: () => dead,
    resetCounters() {
      s.writes = 0;
      s.calls = {};
    },
    failNext(method, error) {
      failures[method] = error || provisionError('storage-failed', `injected ${method} failure`);
    },
  };
  if (!options || options.withCompact !== false) {
    s.compact = function () {
      enter('compact', false);
    };
  }
  return s;
}
