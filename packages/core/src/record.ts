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
 * Check a loaded record (R3.6, R10.1). Returns a clean copy.
 * @throws {@link ProvisionError} `storage-failed` describing what is wrong.
 */
export function checkRecord(r: unknown): ProvisionRecord {
  // Inside: on Espruino a module-level function costs memory for as long as the module is loaded.
  function corrupt(what: string): never {
    throw provisionError('storage-failed', `stored provisioning record is corrupt: ${what}`);
  }
  if (!isObject(r)) corrupt('not an object');
  if (r.v !== RECORD_VERSION) corrupt(`unsupported version ${JSON.stringify(r.v)} (expected ${RECORD_VERSION})`);
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
