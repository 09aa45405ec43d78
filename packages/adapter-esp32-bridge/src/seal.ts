// A checksum inside the stored JSON, so a value damaged on the UART is told apart from the stored one.
import { createHash } from 'node:crypto';

const SEALED = /^(\{.*),"sum":"([0-9a-f]{8})"\}$/s;

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function sumOf(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 8);
}

/**
 * Add a checksum to a JSON object's text: `{"v":1,…}` becomes `{"v":1,…,"sum":"1a2b3c4d"}` (the first
 * 32 bits of the SHA-256 of the text without it). The result is still plain JSON, so a reader that
 * does not know the field just ignores it.
 */
export function seal(json: string): string {
  if (!json.startsWith('{') || !json.endsWith('}') || json === '{}') throw new Error('seal() takes the text of a non-empty JSON object');
  return `${json.slice(0, -1)},"sum":"${sumOf(json)}"}`;
}

/**
 * The text `seal()` was given, or `undefined` when the checksum does not match (the value was damaged
 * on its way, or in storage). Text without a checksum (written before checksums) is returned as it is,
 * unless it shows signs of damage: a `"sum"` that does not have the sealed form, or a control
 * character (`JSON.stringify` never writes one).
 */
export function unseal(stored: string): string | undefined {
  const m = SEALED.exec(stored);
  if (!m) return stored.includes('"sum"') || hasControl(stored) ? undefined : stored;
  const body = `${m[1]!}}`;
  return sumOf(body) === m[2] ? body : undefined;
}
