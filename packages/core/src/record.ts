import { provisionError } from './errors';
import type { ProvisionRecord, ResetEntry, ResetJournal } from './ports';

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

function corrupt(what: string): never {
  throw provisionError('storage-failed', `stored provisioning record is corrupt: ${what}`);
}

/**
 * Check a loaded record (R3.6, R10.1). Returns a clean copy.
 * @throws {@link ProvisionError} `storage-failed` describing what is wrong.
 */
export function checkRecord(r: unknown): ProvisionRecord {
  if (!r || typeof r !== 'object' || Array.isArray(r)) corrupt('not an object');
  const o = r as { [k: string]: unknown };
  if (o.v !== RECORD_VERSION) corrupt(`unsupported version ${JSON.stringify(o.v)} (this release reads version ${RECORD_VERSION})`);
  const max = o.max;
  if (typeof max !== 'number' || Math.floor(max) !== max || max < 0 || max > 255) corrupt('max is not an integer 0..255');
  if (typeof o.wifiConfigured !== 'boolean') corrupt('wifiConfigured is not a boolean');
  return { v: RECORD_VERSION, max: max, wifiConfigured: o.wifiConfigured };
}

const CAUSES = ['button', 'timeout', 'bad-credentials', 'app'];

/**
 * Check a loaded reset journal. Returns a clean copy.
 * @throws {@link ProvisionError} `storage-failed`.
 */
export function checkJournal(j: unknown): ResetJournal {
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw provisionError('storage-failed', 'reset journal is corrupt: not an object');
  const o = j as { resets?: unknown; buttonLatched?: unknown };
  if (!Array.isArray(o.resets) || typeof o.buttonLatched !== 'boolean') {
    throw provisionError('storage-failed', 'reset journal is corrupt: needs resets[] and buttonLatched');
  }
  const resets: ResetEntry[] = [];
  for (let i = 0; i < o.resets.length; i++) {
    const e = o.resets[i] as { cause?: unknown; at?: unknown } | null;
    if (!e || CAUSES.indexOf(e.cause as string) < 0 || typeof e.at !== 'number') {
      throw provisionError('storage-failed', `reset journal is corrupt: entry ${i} is not {cause, at}`);
    }
    resets.push({ cause: e.cause as ResetEntry['cause'], at: e.at });
  }
  return { resets: resets, buttonLatched: o.buttonLatched };
}
