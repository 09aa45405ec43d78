import { provisionError } from './errors';
import type { WifiCredentials } from './ports';

/**
 * Bytes `s` takes as UTF-8, or -1 when it holds a lone surrogate (not encodable).
 * @internal
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return -1;
      n += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else n += 3;
  }
  return n;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Every character passes `ok`. (Loops, not RegExp: Espruino's RegExp engine is minimal.) */
function every(s: string, ok: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i))) return false;
  return true;
}

/** Six hex octets separated by `:` or `-`, normalised to lower case with `:`; undefined if malformed. */
function normaliseBssid(b: string): string | undefined {
  if (b.length !== 17) return undefined;
  let out = '';
  for (let i = 0; i < 17; i++) {
    const c = b.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 58 && c !== 45) return undefined;
      out += ':';
    } else {
      if (!isHex(c)) return undefined;
      out += b.charAt(i).toLowerCase();
    }
  }
  return out;
}

function fail(field: string, message: string): never {
  throw provisionError('invalid-credentials', message, { field: field });
}

/**
 * Validate station credentials (R9.2) and return a normalised copy (BSSID lower-case, only known
 * fields). Nothing is stored and no connection is touched by validation.
 *
 * - `ssid`: 1..32 bytes of UTF-8.
 * - `passphrase`: absent or empty (open network), 8..63 printable ASCII, or exactly 64 hex digits.
 * - `bssid`: absent, or six hex octets `aa:bb:cc:dd:ee:ff` (`-` separators accepted).
 * - `channel`: absent, or an integer 0..196 (0 = any).
 *
 * @throws {@link ProvisionError} with code `invalid-credentials`; the message never contains the
 * passphrase.
 */
export function validateCredentials(input: WifiCredentials): WifiCredentials {
  if (!input || typeof input !== 'object') fail('', 'credentials must be an object {ssid, passphrase?, bssid?, channel?}');
  const keys = Object.keys(input);
  for (let i = 0; i < keys.length; i++) {
    if (['ssid', 'passphrase', 'bssid', 'channel'].indexOf(keys[i]) < 0) {
      fail(keys[i], `unknown credentials field ${keys[i]}; allowed: ssid, passphrase, bssid, channel`);
    }
  }
  const ssid = input.ssid;
  if (typeof ssid !== 'string') fail('ssid', 'ssid must be a string of 1 to 32 UTF-8 bytes');
  const len = utf8Length(ssid);
  if (len < 1 || len > 32) fail('ssid', `ssid must be 1 to 32 UTF-8 bytes, got ${len < 0 ? 'invalid UTF-16' : len + ' bytes'}`);
  const out: WifiCredentials = { ssid: ssid };
  const pass = input.passphrase;
  if (pass !== undefined) {
    if (typeof pass !== 'string') fail('passphrase', 'passphrase must be a string');
    if (pass.length > 0) {
      const hex = pass.length === 64 && every(pass, isHex);
      const ascii = pass.length >= 8 && pass.length <= 63 && every(pass, (c) => c >= 0x20 && c <= 0x7e);
      if (!hex && !ascii) {
        // Say why without echoing any of it.
        fail(
          'passphrase',
          `passphrase must be empty (open network), 8 to 63 printable ASCII characters, or 64 hex digits; got ${pass.length} characters${
            pass.length >= 8 && pass.length <= 63 ? ' including a non-printable or non-ASCII one' : ''
          }`,
        );
      }
    }
    out.passphrase = pass;
  }
  if (input.bssid !== undefined) {
    const b = typeof input.bssid === 'string' ? normaliseBssid(input.bssid) : undefined;
    if (b === undefined) fail('bssid', 'bssid must be six hex octets like aa:bb:cc:dd:ee:ff');
    out.bssid = b;
  }
  if (input.channel !== undefined) {
    const c = input.channel;
    if (typeof c !== 'number' || Math.floor(c) !== c || c < 0 || c > 196) fail('channel', 'channel must be an integer from 0 to 196');
    out.channel = c;
  }
  return out;
}
