// UTF-8 to and from JavaScript strings with plain loops: Espruino has no TextEncoder/TextDecoder.

/**
 * The UTF-8 bytes of `s`. A lone surrogate is encoded as U+FFFD, as `TextEncoder` does.
 * @internal
 */
export function utf8Encode(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/**
 * The string that bytes `start..end` of `b` encode as UTF-8, or undefined when they are not valid
 * UTF-8 (an overlong form, a surrogate, a truncated sequence): a client that sends such an SSID sent
 * a broken command, and guessing would join the wrong network.
 * @internal
 */
export function utf8Decode(b: ArrayLike<number>, start: number, end: number): string | undefined {
  let s = '';
  let i = start;
  while (i < end) {
    const c = b[i];
    let n = 0;
    let cp = c;
    if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 7;
    } else if (c >= 0xe0 && c < 0xf0) {
      n = 2;
      cp = c & 15;
    } else if (c >= 0xc2 && c < 0xe0) {
      n = 1;
      cp = c & 31;
    } else if (c >= 0x80) return undefined;
    if (i + n >= end) return undefined;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (d & 63);
    }
    // Overlong three- and four-byte forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    } else s += String.fromCharCode(cp);
    i += n + 1;
  }
  return s;
}
