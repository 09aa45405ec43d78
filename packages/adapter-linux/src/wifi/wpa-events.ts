// Classifying wpa_supplicant monitor event lines into the port's event vocabulary.
import type { DisconnectReason } from '@provision/core';

/** What one wpa_supplicant event line means for the station. */
export type WpaEventMeaning =
  | { kind: 'attempt' }
  | { kind: 'scan-started' }
  | { kind: 'connected' }
  | { kind: 'link-lost'; raw: string }
  | { kind: 'failed'; reason: DisconnectReason; raw: string }
  | { kind: 'scan-results' }
  | { kind: 'ignore' };

/**
 * Classify one unsolicited wpa_supplicant line (level prefix already removed):
 * - `CTRL-EVENT-SSID-TEMP-DISABLED … reason=WRONG_KEY|AUTH_FAILED` → `auth-error` (other reasons, e.g.
 *   `CONN_FAILED`, → `other`)
 * - `CTRL-EVENT-NETWORK-NOT-FOUND` → `ap-not-found`
 * - `CTRL-EVENT-EAP-FAILURE`, `CTRL-EVENT-AUTH-REJECT` → `auth-error`; `CTRL-EVENT-ASSOC-REJECT` → `other`
 * - `CTRL-EVENT-DISCONNECTED` → a lost link (reported only after a connection)
 * - `Trying to associate`, `CTRL-EVENT-EAP-STARTED` → a new attempt; `CTRL-EVENT-SCAN-STARTED` → a scan
 *   (a new search for the network, not by itself a join attempt).
 */
export function classifyWpaEvent(line: string): WpaEventMeaning {
  const raw = line.trim();
  if (raw.startsWith('CTRL-EVENT-CONNECTED')) return { kind: 'connected' };
  if (raw.startsWith('CTRL-EVENT-SSID-TEMP-DISABLED')) {
    const reason = /\breason=(\S+)/.exec(raw)?.[1] ?? '';
    return { kind: 'failed', reason: reason === 'WRONG_KEY' || reason === 'AUTH_FAILED' ? 'auth-error' : 'other', raw: `SSID-TEMP-DISABLED reason=${reason}` };
  }
  if (raw.startsWith('CTRL-EVENT-NETWORK-NOT-FOUND')) return { kind: 'failed', reason: 'ap-not-found', raw: 'NETWORK-NOT-FOUND' };
  if (raw.startsWith('CTRL-EVENT-EAP-FAILURE')) return { kind: 'failed', reason: 'auth-error', raw: 'EAP-FAILURE' };
  if (raw.startsWith('CTRL-EVENT-AUTH-REJECT')) {
    const code = /\bstatus_code=(\d+)/.exec(raw)?.[1];
    return { kind: 'failed', reason: 'auth-error', raw: code ? `AUTH-REJECT status_code=${code}` : 'AUTH-REJECT' };
  }
  if (raw.startsWith('CTRL-EVENT-ASSOC-REJECT')) {
    const code = /\bstatus_code=(\d+)/.exec(raw)?.[1];
    return { kind: 'failed', reason: 'other', raw: code ? `ASSOC-REJECT status_code=${code}` : 'ASSOC-REJECT' };
  }
  if (raw.startsWith('CTRL-EVENT-DISCONNECTED')) {
    const reason = /\breason=(\d+)/.exec(raw)?.[1];
    return { kind: 'link-lost', raw: reason ? `DISCONNECTED reason=${reason}` : 'DISCONNECTED' };
  }
  if (raw.startsWith('CTRL-EVENT-SCAN-RESULTS')) return { kind: 'scan-results' };
  if (raw.startsWith('Trying to associate') || raw.startsWith('CTRL-EVENT-EAP-STARTED')) return { kind: 'attempt' };
  if (raw.startsWith('CTRL-EVENT-SCAN-STARTED')) return { kind: 'scan-started' };
  return { kind: 'ignore' };
}
