// A minimal, strict HTTP/1.1 request parser for one TCP link of the module: bounded head and body, keep-alive, pipelining one request at a time.
/** Most bytes of a request head (request line, headers and the blank line). */
export const HTTP_MAX_HEAD_BYTES = 2048;

/** A request's head, as parsed. Header names are lower-case; a header given twice is refused. */
export interface HttpRequestHead {
  method: string;
  url: string;
  /** `1.0` or `1.1`. */
  version: '1.0' | '1.1';
  headers: { [name: string]: string };
  /** Whether the link stays open after the reply (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `keep-alive`). */
  keepAlive: boolean;
}

/** What the parser produced: a whole request, or a refusal after which the link must be closed. */
export type HttpParseResult =
  | { kind: 'request'; head: HttpRequestHead; body: Uint8Array }
  | { kind: 'refuse'; status: number; why: string };

/** Decides, from the head alone, how many body bytes to read (or refuses before any is read). */
export type HttpBodyDecision = (head: HttpRequestHead) => { ok: true; length: number } | { ok: false; status: number; why: string };

const REQUEST_LINE = /^([A-Z]{1,16}) (\/[!-~]{0,255}) HTTP\/(\d)\.(\d)$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}):[ \t]*(.*?)[ \t]*$/;

/** True when `s` holds a control character other than a tab (not allowed in a header value). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a];

function indexOfHeadEnd(b: Uint8Array, limit: number): number {
  const n = Math.min(b.length, limit);
  for (let i = 0; i + 3 < n; i++) {
    if (b[i] === CRLFCRLF[0] && b[i + 1] === CRLFCRLF[1] && b[i + 2] === CRLFCRLF[2] && b[i + 3] === CRLFCRLF[3]) return i;
  }
  return -1;
}

/**
 * Parse the head (without the final CR LF CR LF). Refuses what IDF's httpd or a careful server would:
 * other versions than 1.0/1.1, bare CR or LF, folded or malformed headers, a header given twice,
 * `Transfer-Encoding` (the protocol always sends `Content-Length`).
 */
export function parseHttpHead(text: string): { ok: true; head: HttpRequestHead } | { ok: false; status: number; why: string } {
  const lines = text.split('\r\n');
  for (const l of lines) if (l.includes('\r') || l.includes('\n')) return { ok: false, status: 400, why: 'bare CR or LF in the request head' };
  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) return { ok: false, status: 400, why: 'malformed request line' };
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) return { ok: false, status: 505, why: `HTTP/${m[3]}.${m[4]} is not supported (1.0 or 1.1)` };
  const headers: { [name: string]: string } = Object.create(null);
  for (let i = 1; i < lines.length; i++) {
    const h = HEADER_LINE.exec(lines[i]!);
    if (!h || hasControl(h[2]!)) return { ok: false, status: 400, why: `malformed header line ${i}` };
    const name = h[1]!.toLowerCase();
    if (name in headers) return { ok: false, status: 400, why: `header ${name} given twice` };
    headers[name] = h[2]!;
  }
  if ('transfer-encoding' in headers) return { ok: false, status: 400, why: 'Transfer-Encoding is not accepted; send Content-Length' };
  const version = m[4] === '0' ? '1.0' : '1.1';
  const connection = (headers['connection'] || '').toLowerCase();
  const keepAlive = version === '1.1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
  return { ok: true, head: { method: m[1]!, url: m[2]!, version, headers, keepAlive } };
}

/**
 * The request stream of one TCP link. Bytes go in with {@link HttpLinkParser.push} as they arrive
 * (split anywhere); {@link HttpLinkParser.next} returns the next whole request once its head and
 * body are in, so requests are handled one at a time even when pipelined. Memory is bounded: at most
 * one head ({@link HTTP_MAX_HEAD_BYTES}) plus one body (what `decide` allowed) are held; more is a
 * refusal. After a refusal the parser takes nothing more: close the link.
 */
export class HttpLinkParser {
  private buf: Uint8Array = new Uint8Array(0);
  private pending: { head: HttpRequestHead; length: number } | undefined;
  private refused: HttpParseResult | undefined;

  /** @param decide - the body length a head allows (e.g. protocomm's Content-Length check) */
  constructor(
    private readonly decide: HttpBodyDecision,
    private readonly maxBodyBytes = 4096,
  ) {}

  /** Bytes held now (never more than one head plus one body). */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  /** True once a refusal was returned: the link must be closed. */
  get done(): boolean {
    return this.refused !== undefined;
  }

  /** True while part of a request has arrived but not all of it. */
  get partial(): boolean {
    return this.pending !== undefined || this.buf.length > 0;
  }

  /** Take bytes from the link. */
  push(bytes: Uint8Array): void {
    if (this.refused) return;
    const limit = HTTP_MAX_HEAD_BYTES + this.maxBodyBytes;
    if (this.buf.length + bytes.length > limit) {
      // Pipelined past one request's worth: refuse rather than hold more.
      this.refused = { kind: 'refuse', status: 413, why: `more than ${limit} bytes sent ahead of the reply` };
      this.buf = new Uint8Array(0);
      return;
    }
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf, 0);
    merged.set(bytes, this.buf.length);
    this.buf = merged;
  }

  /** The next whole request, a refusal, or undefined when more bytes are needed. */
  next(): HttpParseResult | undefined {
    if (this.refused) return this.refused;
    if (!this.pending) {
      if (this.buf.length === 0) return undefined;
      const end = indexOfHeadEnd(this.buf, HTTP_MAX_HEAD_BYTES);
      if (end < 0) {
        if (this.buf.length >= HTTP_MAX_HEAD_BYTES) return this.refuse(431, `request head longer than ${HTTP_MAX_HEAD_BYTES} bytes`);
        return undefined;
      }
      let text = '';
      for (let i = 0; i < end; i++) {
        const c = this.buf[i]!;
        if (c > 0x7e) return this.refuse(400, 'non-ASCII byte in the request head');
        text += String.fromCharCode(c);
      }
      const parsed = parseHttpHead(text);
      if (!parsed.ok) return this.refuse(parsed.status, parsed.why);
      const d = this.decide(parsed.head);
      if (!d.ok) return this.refuse(d.status, d.why);
      if (d.length < 0 || d.length > this.maxBodyBytes) return this.refuse(413, `body of ${d.length} bytes is over ${this.maxBodyBytes}`);
      this.pending = { head: parsed.head, length: d.length };
      this.buf = this.buf.subarray(end + 4);
    }
    const p = this.pending;
    if (this.buf.length < p.length) return undefined;
    const body = this.buf.slice(0, p.length);
    this.buf = this.buf.slice(p.length);
    this.pending = undefined;
    return { kind: 'request', head: p.head, body };
  }

  private refuse(status: number, why: string): HttpParseResult {
    this.refused = { kind: 'refuse', status, why };
    this.buf = new Uint8Array(0);
    this.pending = undefined;
    return this.refused;
  }
}

const REASONS: { [status: number]: string } = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  505: 'HTTP Version Not Supported',
};

/** An HTTP/1.1 response: status line, the given headers and `Content-Length`, then the body. */
export function formatHttpResponse(status: number, headers: { [name: string]: string }, body: Uint8Array): Uint8Array {
  let head = `HTTP/1.1 ${status} ${REASONS[status] || 'Error'}\r\n`;
  for (const k of Object.keys(headers)) head += `${k}: ${headers[k]}\r\n`;
  head += `Content-Length: ${body.length}\r\n\r\n`;
  const out = new Uint8Array(head.length + body.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  out.set(body, head.length);
  return out;
}
