// Framing of ESP-AT's `+IPD,<link>,<len>[,<ip>,<port>]:<data>` (socket data in active receive mode): the length field, bounded, frames binary data.
/**
 * The most data bytes one `+IPD` may announce: ESP-AT's socket receive window (5760 bytes on ESP32
 * modules; active mode delivers at most what one read of the socket returns). A header announcing more
 * is not taken as a frame, so one flipped digit cannot make the client swallow what follows.
 */
export const IPD_MAX_BYTES = 5760;

/** Longest header `+IPD,<link>,<len>,"<ip>",<port>:` (an IPv6 remote address included). */
const IPD_HEADER_MAX = 80;

const IPD_HEADER = /^\+IPD,([0-4]),(\d{1,5})(?:,"[0-9A-Fa-f.:]{1,45}",\d{1,5})?:/;
// What the start of a header may look like while the rest has not arrived yet.
const PARTIAL = /^\+(?:I(?:P(?:D(?:,(?:[0-4](?:,(?:\d{1,5}(?:,(?:"(?:[0-9A-Fa-f.:]{1,45}(?:"(?:,(?:\d{1,5})?)?)?)?)?)?)?)?)?)?)?)?)?$/;

/** One framed `+IPD`: the link it arrived on, its bytes, and how many input bytes it used. */
export interface IpdFrame {
  link: number;
  data: Uint8Array;
  consumed: number;
}

/**
 * Frame a `+IPD` at the start of `bytes` (multiple-connection mode, `AT+CIPMUX=1`).
 *
 * @returns the frame; `'wait'` when `bytes` may be the start of one whose header or data has not all
 *   arrived; `'line'` when it is not a `+IPD` header the client may trust (read it as a text line)
 */
export function frameIpd(bytes: Uint8Array): IpdFrame | 'wait' | 'line' {
  const n = Math.min(bytes.length, IPD_HEADER_MAX);
  let head = '';
  for (let i = 0; i < n; i++) head += String.fromCharCode(bytes[i]!);
  const m = IPD_HEADER.exec(head);
  // Not yet a whole header: wait only while what arrived can still become one.
  if (!m) return head.length < IPD_HEADER_MAX && PARTIAL.test(head) ? 'wait' : 'line';
  const length = Number(m[2]);
  if (length < 1 || length > IPD_MAX_BYTES) return 'line';
  const total = m[0].length + length;
  if (bytes.length < total) return 'wait';
  return { link: Number(m[1]), data: new Uint8Array(bytes.subarray(m[0].length, total)), consumed: total };
}
