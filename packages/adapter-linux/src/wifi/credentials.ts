// Wi-Fi credential checks and the encodings the backends need (hex, the derived WPA PSK).
import { pbkdf2 } from 'node:crypto';
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
 * The 256-bit WPA pre-shared key of a network, as 64 lowercase hex digits: PBKDF2-HMAC-SHA1 of the
 * passphrase, the SSID's bytes as salt, 4096 rounds, 32 bytes (IEEE 802.11i, what `wpa_passphrase`
 * computes). A passphrase that already is 64 hex digits is the PSK itself. Sending the PSK instead of
 * the passphrase keeps the passphrase out of wpa_supplicant's memory and its saved configuration,
 * and needs no quoting.
 *
 * @example
 * ```ts
 * await derivePsk('IEEE', 'password'); // 'f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e'
 * ```
 */
export function derivePsk(ssid: string, passphrase: string): Promise<string> {
  if (isHexPsk(passphrase)) return Promise.resolve(passphrase.toLowerCase());
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(passphrase, 'utf8'), Buffer.from(ssid, 'utf8'), 4096, 32, 'sha1', (err, key) => {
      if (err) reject(adapterError('invalid-credentials', `cannot derive the WPA key: ${err.message}`, { field: 'passphrase' }));
      else resolve(key.toString('hex'));
    });
  });
}
