import { provisionError } from './errors';
import { isIntIn } from './guards';
import type { WifiCredentials } from './ports';

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
  // The helpers live inside: on Espruino a function defined at module level costs memory for as long
  // as the module is loaded, one defined here only while validating.
  const FIELDS = ['ssid', 'passphrase', 'bssid', 'channel'];

  /** Bytes `s` takes as UTF-8, or -1 when it holds a lone surrogate (not encodable). */
  function utf8Length(s: string): number {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdfff) {
        // A surrogate encodes only as a high one followed by a low one: 4 bytes for the pair.
        const d = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
        n += 4;
        i++;
      } else n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    return n;
  }

  function isHex(c: number): boolean {
    const l = c | 32; // lower-cases A-F
    return (c >= 48 && c <= 57) || (l >= 97 && l <= 102);
  }

  /** Every character passes `ok`. (Loops, not RegExp: Espruino's RegExp engine is minimal.) */
  function every(s: string, ok: (c: number, i: number) => boolean): boolean {
    for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i), i)) return false;
    return true;
  }

  function fail(field: string, message: string): never {
    throw provisionError('invalid-credentials', message, { field: field });
  }

  if (!input || typeof input !== 'object') fail('', 'credentials must be an object {ssid, passphrase?, bssid?, channel?}');
  const keys = Object.keys(input);
  for (let i = 0; i < keys.length; i++) {
    if (FIELDS.indexOf(keys[i]) < 0) fail(keys[i], `unknown credentials field ${keys[i]}; allowed: ${FIELDS.join(', ')}`);
  }
  const ssid = input.ssid;
  if (typeof ssid !== 'string') fail('ssid', 'ssid must be a string of 1 to 32 UTF-8 bytes');
  const len = utf8Length(ssid);
  if (len < 1 || len > 32) fail('ssid', `ssid must be 1 to 32 UTF-8 bytes, got ${len < 0 ? 'invalid UTF-16' : len + ' bytes'}`);
  const out: WifiCredentials = { ssid: ssid };
  const pass = input.passphrase;
  if (pass !== undefined) {
    if (typeof pass !== 'string') fail('passphrase', 'passphrase must be a string');
    const n = pass.length;
    const ascii = n >= 8 && n <= 63;
    if (n > 0 && !(n === 64 && every(pass, isHex)) && !(ascii && every(pass, (c) => c >= 0x20 && c <= 0x7e))) {
      // Say why without echoing any of it.
      fail(
        'passphrase',
        `passphrase must be empty (open network), 8 to 63 printable ASCII characters or 64 hex digits; got ${n} characters${ascii ? ', not all printable ASCII' : ''}`,
      );
    }
    out.passphrase = pass;
  }
  const b = input.bssid;
  if (b !== undefined) {
    // Six hex octets separated by `:` or `-`, stored lower case with `:`.
    if (typeof b !== 'string' || b.length !== 17 || !every(b, (c, i) => (i % 3 === 2 ? c === 58 || c === 45 : isHex(c)))) {
      fail('bssid', 'bssid must be six hex octets like aa:bb:cc:dd:ee:ff');
    }
    out.bssid = b.toLowerCase().split('-').join(':');
  }
  const c = input.channel;
  if (c !== undefined) {
    if (!isIntIn(c, 0, 196)) fail('channel', 'channel must be an integer from 0 to 196');
    out.channel = c;
  }
  return out;
}
