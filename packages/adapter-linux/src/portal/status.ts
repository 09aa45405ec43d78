// What the portal tells the person: the session's progress as a status with a sentence in plain words.
import type { DisconnectReason } from '@provision/core';

/** Where the attempt stands, as the page shows it. */
export type PortalPhase = 'ready' | 'connecting' | 'retrying' | 'failed' | 'connected' | 'closed';

/** The portal's status (`GET /status`, each `GET /events` message). Never holds a passphrase. */
export interface PortalStatus {
  /** Where the attempt stands. */
  phase: PortalPhase;
  /** A sentence for the person, e.g. "The password for HomeNet was not accepted". */
  message: string;
  /** The network being joined or last tried. */
  ssid?: string;
  /** For `failed` and `retrying`: the classified reason (R2). */
  reason?: DisconnectReason;
  /** The platform's raw reason, when it gave one. */
  raw?: string | number;
  /** For `connected`: the device's address on the network it joined. */
  ip?: string;
  /** For `connected`: where the person goes next. */
  nextUrl?: string;
  /** Increases with every change, so a page can ignore a stale answer. */
  seq: number;
}

/** The sentence for a failure reason: the same words for the same reason on every transport (R11.1). */
export function failureMessage(ssid: string, reason: DisconnectReason, raw?: string | number): string {
  if (reason === 'auth-error') return `The password for ${ssid} was not accepted`;
  if (reason === 'ap-not-found') return `${ssid} was not found`;
  return raw === undefined ? `Could not join ${ssid}` : `Could not join ${ssid} (${String(raw)})`;
}

/** The sentence while joining, after a transient failure or with attempts left. */
export function retryMessage(ssid: string, reason: DisconnectReason, raw: string | number | undefined, attemptsLeft?: number): string {
  const why = failureMessage(ssid, reason, raw);
  return attemptsLeft === undefined ? `${why}; still trying` : `${why}; trying again (${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left)`;
}

/** The first status, before any credentials arrived. */
export const READY_MESSAGE = 'Pick your network and enter its password.';
