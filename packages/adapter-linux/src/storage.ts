// The Storage port on files: record.json and journal.json in the state directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RECORD_VERSION, type ProvisionRecord, type ResetJournal, type StoragePort } from '@provision/core';
import { fsyncDir, removeStaleTemps, writeFileDurable } from './atomic-write';
import { adapterError, describe } from './errors';

/** Options for {@link createFileStorage}. */
export interface FileStorageOptions {
  /** Directory for the record and the reset journal. Default `/var/lib/provision` (systemd `StateDirectory=provision`). */
  stateDir?: string;
  /**
   * The app's own configuration files (absolute paths) that a factory reset deletes, like mgos's
   * `conf9.json`. Default none.
   */
  userConfigFiles?: string[];
}

/** A {@link StoragePort} on files, with the paths it uses. */
export interface FileStorage extends StoragePort {
  /** The provisioning record file. */
  readonly recordFile: string;
  /** The reset journal file (survives `wipe()`). */
  readonly journalFile: string;
  /**
   * Remove temp files left behind by writes that were interrupted (power loss, SIGKILL). Also runs
   * on its own before the first operation of every storage created, so they never pile up.
   */
  compact(): Promise<void>;
}

/** Default state directory. */
export const DEFAULT_STATE_DIR = '/var/lib/provision';

const RECORD = 'record.json';
const JOURNAL = 'journal.json';
const RESET_CAUSES = ['button', 'timeout', 'bad-credentials', 'app'];

/**
 * Storage port on the local filesystem. The record (`record.json`) and the reset journal
 * (`journal.json`) are small JSON files, written with a durable atomic replace (temp file, fsync,
 * rename, fsync dir) and mode 0600. Nothing secret is stored here: Wi-Fi credentials stay with
 * NetworkManager or wpa_supplicant.
 *
 * What cannot be read is never reported as nothing stored (R3.7): an unreadable file (EIO, a
 * directory in its place, no permission), one that is not JSON or not a record, and a record of a
 * newer format version all make `load()`/`loadJournal()` throw a `storage-failed` error naming the
 * file, and the file is left as it is. Only a missing file is `undefined`. `save()` refuses to replace
 * a record of a newer version (a rollback must not destroy it); `wipe()` removes it.
 *
 * Before its first operation the storage removes the temp files interrupted writes left in the
 * state directory (its own naming pattern only, and only those of no running write).
 *
 * @example
 * ```ts
 * const storage = createFileStorage({ stateDir: '/var/lib/provision', userConfigFiles: ['/etc/myapp/conf.json'] });
 * ```
 */
export function createFileStorage(options: FileStorageOptions = {}): FileStorage {
  const dir = options.stateDir ?? DEFAULT_STATE_DIR;
  const userFiles = (options.userConfigFiles ?? []).slice();
  const recordFile = path.join(dir, RECORD);
  const journalFile = path.join(dir, JOURNAL);
  let dirReady: Promise<void> | undefined;
  let cleaned: Promise<void> | undefined;

  // Temp files of interrupted writes, once per storage: apps without the daemon never call compact().
  function clean(): Promise<void> {
    cleaned ??= removeStaleTemps(dir, [RECORD, JOURNAL]).then(() => undefined);
    return cleaned;
  }

  function ensureDir(): Promise<void> {
    dirReady ??= mkdirDurable(dir).then(
      () => undefined,
      (e: unknown) => {
        dirReady = undefined;
        throw adapterError('storage-failed', `cannot create state directory ${dir}: ${describe(e)}`, { cause: e });
      },
    );
    return dirReady;
  }

  async function readJson(file: string): Promise<unknown> {
    await clean();
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw adapterError('storage-failed', `cannot read ${file}: ${describe(e)}`, { cause: e });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw adapterError('storage-failed', `${file} is corrupt (not JSON)`, { cause: e });
    }
  }

  async function write(file: string, value: unknown): Promise<void> {
    await clean();
    await ensureDir();
    try {
      await writeFileDurable(file, `${JSON.stringify(value)}\n`);
    } catch (e) {
      throw adapterError('storage-failed', `cannot write ${file}: ${describe(e)}`, { cause: e });
    }
  }

  return {
    recordFile,
    journalFile,
    async load() {
      const raw = await readJson(recordFile);
      if (raw === undefined) return undefined;
      return checkRecord(raw, recordFile);
    },
    async save(record) {
      const next = checkRecord(record, recordFile);
      const stored = await storedVersion(recordFile);
      if (stored !== undefined && stored > next.v) {
        throw adapterError(
          'storage-failed',
          `${recordFile} was written by a newer version (format v${stored}; this release writes v${RECORD_VERSION}): not overwriting it; a factory reset removes it`,
        );
      }
      await write(recordFile, next);
    },
    async wipe() {
      await clean();
      const failures: string[] = [];
      const dirs = new Set<string>();
      for (const f of [...userFiles, recordFile]) {
        try {
          await fs.rm(f, { force: true });
          dirs.add(path.dirname(f));
        } catch (e) {
          failures.push(`${f}: ${describe(e)}`);
        }
      }
      for (const d of dirs) await fsyncDir(d).catch(() => undefined);
      if (failures.length > 0) throw adapterError('storage-failed', `wipe could not delete ${failures.join('; ')}`);
    },
    async loadJournal() {
      const raw = await readJson(journalFile);
      if (raw === undefined) return undefined;
      return checkJournal(raw, journalFile);
    },
    async saveJournal(journal) {
      await write(journalFile, checkJournal(journal, journalFile));
    },
    async compact() {
      try {
        await fs.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw adapterError('storage-failed', `cannot list ${dir}: ${describe(e)}`, { cause: e });
      }
      await removeStaleTemps(dir, [RECORD, JOURNAL]);
    },
  };
}

// mkdir -p, then fsync the parent of every directory it created, so the new entries survive power loss.
async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === path.resolve(first) || path.dirname(d) === d) break;
  }
}

// The format version of the record stored in `file`, when it holds JSON with an integer `v`.
async function storedVersion(file: string): Promise<number | undefined> {
  try {
    const v = (JSON.parse(await fs.readFile(file, 'utf8')) as { v?: unknown } | null)?.v;
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function isInt(n: unknown, lo: number, hi: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi;
}

function checkRecord(raw: unknown, file: string): ProvisionRecord {
  const r = raw as Partial<ProvisionRecord> | null;
  // A newer release's record is handed to the core as it is (R3.7: the core keeps it and never
  // persists over it); only its version is ours to read.
  if (r && typeof r === 'object' && isInt(r.v, RECORD_VERSION + 1, Number.MAX_SAFE_INTEGER)) return { ...r } as ProvisionRecord;
  if (!r || typeof r !== 'object' || r.v !== RECORD_VERSION || !isInt(r.max, 0, 255) || typeof r.wifiConfigured !== 'boolean') {
    throw adapterError('storage-failed', `${file} is corrupt: expected {v: ${RECORD_VERSION}, max 0..255, wifiConfigured}`);
  }
  return { v: r.v, max: r.max, wifiConfigured: r.wifiConfigured };
}

function checkJournal(raw: unknown, file: string): ResetJournal {
  const j = raw as Partial<ResetJournal> | null;
  const ok =
    j !== null &&
    typeof j === 'object' &&
    Array.isArray(j.resets) &&
    typeof j.buttonLatched === 'boolean' &&
    j.resets.every((e) => e && RESET_CAUSES.includes(e.cause) && typeof e.at === 'number' && Number.isFinite(e.at));
  if (!ok) throw adapterError('storage-failed', `${file} is corrupt: expected {resets: [{cause, at}], buttonLatched}`);
  return { resets: j.resets!.map((e) => ({ cause: e.cause, at: e.at })), buttonLatched: j.buttonLatched! };
}
