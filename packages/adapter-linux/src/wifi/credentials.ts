import type { WifiCredentials } from '@provision/core';
import { adapterError } from '../errors';

const enc = new TextEncoder();

/**
 * Check credentials before they reach a backend (R9.2). Errors name the field, never the value.
 */
export function checkCredentials(c: WifiCredentials): void {
  if (!c || typeof c.ssid !== 'string') throw adapterError('invalid-credentials', 'ssid must be a string of 1..32 UTF-8 bytes', { field: 'ssid' });
  const n = enc.encode(c.ssid).length;
  if (n < 1 || n > 32) throw adapterError('invalid-credentials', `ssid must be 1..32 UTF-8 bytes, got ${n}`, { field: 'ssid' });
  const p = c.passphrase ?? '';
  if (p !== '' && !isHexPsk(p) && !/^[\x20-\x7e]{8,63}$/.test(p)) {
    throw adapterError('invalid-credentials', 'passphrase must be empty, 8..63 printable ASCII characters, or 64 hex digits', { field: 'passphrase' });
  }
  if (c.bssid !== undefined && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(c.bssid)) {
    throw adapterError('invalid-credentials', 'bssid must be six hex bytes like aa:bb:cc:dd:ee:ff', { field: 'bssid' });
  }
  if (c.channel !== undefined && (!Number.isInteger(c.channel) || c.channel < 1 || c.channel > 165)) {
    throw adapterError('invalid-credentials', 'channel must be an integer 1..165', { field: 'channel' });
  }
}

/** True for a raw 256-bit PSK written as 64 hex digits. */
export function isHexPsk(p: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(p);
}

/** Bytes of a string as lowercase hex (wpa_supplicant accepts unquoted hex for ssid/identity). */
export function toHex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

/**
 * A wpa_supplicant quoted string. Only printable ASCII is allowed: a control character (newline)
 * would otherwise end up as a new line in the saved configuration file.
 */
export function quoteWpa(value: string, field: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw adapterError('invalid-credentials', `${field} must be printable ASCII`, { field });
  return `"${value}"`;
}
