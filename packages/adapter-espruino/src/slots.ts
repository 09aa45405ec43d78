import { provisionError } from '@provision/core';
import { G, type EspruinoStorage } from './espruino';

/**
 * Power-loss-safe files on Espruino's Storage.
 *
 * Storage is a journal, but a rewrite is not atomic: the old copy is marked deleted *before* the new
 * one is written, so a power cut in between loses the file, and one during the write leaves a copy
 * padded with 0xFF. So each logical file lives in two slots, `<name>0` and `<name>1`, each holding
 * `{s: seq, d: data}`. A read takes the valid slot with the higher `seq`; a write goes to the other
 * slot. Whatever instant power is lost, one slot still holds the old or the new data.
 *
 * @module
 */

/** Storage file names are at most 28 characters; longer ones are silently truncated by Espruino. */
export const MAX_NAME = 28;

/** @internal */
export function storageModule(): EspruinoStorage {
  return G.require('Storage') as EspruinoStorage;
}

/** @internal Throw `invalid-config` unless `name` plus a slot digit fits Storage's file names. */
export function checkSlotName(name: string, field: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME - 1) {
    throw provisionError('invalid-config', `${field} must be a string of 1..${MAX_NAME - 1} characters (Storage names are at most ${MAX_NAME}, plus a slot digit), got ${JSON.stringify(name)}`, {
      field: field,
    });
  }
}

interface Slot {
  /** Which slot, 0 or 1. */
  i: number;
  /** Sequence number. */
  s: number;
  /** The data. */
  d: unknown;
}

/**
 * The newest valid slot of `name`; `undefined` when neither slot exists (or only torn ones); throws
 * `storage-failed` when a completely written slot exists but none is valid.
 * @internal
 */
export function newestSlot(name: string): Slot | undefined {
  // The helpers live inside: on Espruino a function defined at module level costs memory for as long
  // as the module is loaded, one defined here only while reading.
  function readSlot(S: EspruinoStorage, name: string, i: number): Slot | undefined {
    const o = S.readJSON(name + i, true) as { s?: unknown; d?: unknown } | undefined;
    if (!o || typeof o !== 'object' || typeof o.s !== 'number' || !('d' in o)) return undefined;
    return { i: i, s: o.s, d: o.d };
  }

  /**
   * A slot that exists and was completely written. A write cut short by power loss leaves the rest of
   * the file as erased flash, 0xFF (never a byte of UTF-8 nor of what `writeJSON` writes): that slot is
   * treated as never written, not as corrupt.
   */
  function readable(raw: string | undefined): boolean {
    return raw !== undefined && raw.indexOf('\xff') < 0;
  }

  const S = storageModule();
  const a = readSlot(S, name, 0);
  const b = readSlot(S, name, 1);
  if (a && b) return a.s > b.s ? a : b;
  if (a || b) return a || b;
  if (readable(S.read(name + 0)) || readable(S.read(name + 1))) {
    throw provisionError('storage-failed', `Storage file ${name} is corrupt: no readable slot`);
  }
  return undefined;
}

/** @internal Read the data of `name`, as {@link newestSlot}. */
export function readSlots(name: string): unknown {
  const s = newestSlot(name);
  return s ? s.d : undefined;
}

/** @internal Write `data` into the older (or unreadable) slot of `name` with the next `seq`. */
export function writeSlots(name: string, data: unknown): void {
  let cur: Slot | undefined;
  try {
    cur = newestSlot(name);
  } catch (_e) {
    // Both slots unreadable: overwrite slot 0 as if new.
  }
  const i = cur ? 1 - cur.i : 0;
  if (!storageModule().writeJSON(name + i, { s: cur ? cur.s + 1 : 1, d: data })) {
    throw provisionError('storage-failed', `writing Storage file ${name}${i} failed (Storage full?)`);
  }
}

/**
 * @internal Erase both slots of `name`: the older first, so a power cut in between leaves the newest
 * (the state before the erase) rather than resurrecting an older one.
 */
export function eraseSlots(name: string): void {
  const S = storageModule();
  let first = 0;
  try {
    const cur = newestSlot(name);
    if (cur) first = 1 - cur.i;
  } catch (_e) {
    // Neither readable: the order does not matter.
  }
  S.erase(name + first);
  S.erase(name + (1 - first));
}
