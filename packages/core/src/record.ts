// The provisioning record and the reset journal: their format version, fresh values and load checks.
import { provisionError } from './errors';
import { isIntIn, isObject } from './guards';
import type { ProvisionRecord, ResetCause, ResetEntry, ResetJournal } from './ports';

/** The record format version written by this release. */
export const RECORD_VERSION = 1;

/** How many reset-journal entries are kept. */
export const JOURNAL_LIMIT = 16;

/** The record of a fresh device. */
export function freshRecord(): ProvisionRecord {
  return { v: RECORD_VERSION, max: 0, wifiConfigured: false };
}

/** An empty reset journal. */
export function freshJournal(): ResetJournal {
  return { resets: [], buttonLatched: false };
}

/**
 * True when `r` is a record written by a newer release: an object whose `v` is an integer above
 * {@link RECORD_VERSION}. Such a record is kept as it is, never overwritten (R3.7).
 */
export function isNewerRecord(r: unknown): boolean {
  return isObject(r) && isIntIn(r.v, RECORD_VERSION + 1, 2147483647);
}

/**
 * Check a loaded record (R3.6, R10.1). Returns a clean copy of a record of this version. A record of a
 * newer version (`v` an integer above RECORD_VERSION) is returned as it is: its other fields may mean something this
 * release does not know, and the core must see its `v` to keep it (R3.7). A storage port may call this
 * in `load()` without breaking that rule.
 * @throws {@link ProvisionError} `storage-failed` saying what is wrong (never the stored values).
 */
export function checkRecord(r: unknown): ProvisionRecord {
  // Inside: on Espruino a module-level function costs memory for as long as the module is loaded.
  function corrupt(what: string): never {
    throw provisionError('storage-failed', `stored provisioning record is corrupt: ${what}`);
  }
  if (isNewerRecord(r)) return r as unknown as ProvisionRecord;
  if (!isObject(r)) corrupt('not an object');
  if (r.v !== RECORD_VERSION) corrupt(`version is not an integer of ${RECORD_VERSION} or more`);
  if (!isIntIn(r.max, 0, 255)) corrupt('max is not an integer 0..255');
  if (typeof r.wifiConfigured !== 'boolean') corrupt('wifiConfigured is not a boolean');
  return { v: RECORD_VERSION, max: r.max, wifiConfigured: r.wifiConfigured };
}

/** The reset causes (R7.1). @internal */
export const CAUSES: ResetCause[] = ['button', 'timeout', 'bad-credentials', 'app'];

/**
 * Check a loaded reset journal. Returns a clean copy.
 * @throws {@link ProvisionError} `storage-failed`.
 */
export function checkJournal(j: unknown): ResetJournal {
  function badJournal(what: string): never {
    throw provisionError('storage-failed', `reset journal is corrupt: ${what}`);
  }
  if (!isObject(j)) badJournal('not an object');
  const list = j.resets;
  if (!Array.isArray(list) || typeof j.buttonLatched !== 'boolean') badJournal('needs resets[] and buttonLatched');
  const resets: ResetEntry[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (!e || CAUSES.indexOf(e.cause) < 0 || typeof e.at !== 'number') badJournal(`entry ${i} is not {cause, at}`);
    resets.push({ cause: e.cause, at: e.at });
  }
  return { resets: resets, buttonLatched: j.buttonLatched };
}
