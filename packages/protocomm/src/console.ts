// The console transport: IDF's line protocol `<endpoint> <session> <hex>` over any Duplex (a serial port, stdio).
import type { Duplex } from 'node:stream';
import { describeError } from './describe';
import type { Protocomm } from './protocomm';
import type { ProtocommTransport } from './transport';

/** Options for {@link serveConsole} and {@link consoleTransport}. */
export interface ConsoleOptions {
  /**
   * Longest line accepted, bytes (default 256, as IDF's console). Security 2's first message needs
   * about 800: raise it to 1024 or more to use security 2 over a console.
   */
  maxLineBytes?: number;
  /** The prompt (default `>> `). */
  prompt?: string;
}

/** A console being served. */
export interface ConsoleSession {
  /** Stop reading; the stream is left open (it is yours). */
  close(): void;
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * Serve `protocomm` over a byte stream: each line is `<endpoint> <session_id> <hex payload>` ended by
 * CR (LF and CRLF work too); the answer is CRLF, the hex reply, CRLF, then the prompt. Errors print
 * nothing but the prompt. A new session id starts a new security session.
 */
export function serveConsole(protocomm: Protocomm, stream: Duplex, options: ConsoleOptions = {}): ConsoleSession {
  const max = options.maxLineBytes ?? 256;
  const prompt = options.prompt ?? '>> ';
  const log = protocomm.log;
  let line = Buffer.alloc(0);
  let overflow = false;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const write = (s: string, cb?: () => void): void => {
    if (closed || stream.destroyed) return;
    stream.write(s, (err) => {
      if (!err && cb) cb();
    });
  };

  const handleLine = async (text: string): Promise<void> => {
    const parts = text.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') return write(prompt);
    const [endpoint, session, hex = ''] = parts;
    if (parts.length < 2 || parts.length > 3 || !/^\d{1,10}$/.test(session!) || hex.length % 2 !== 0 || !HEX.test(hex)) {
      log('warn', `console: malformed line (expected "<endpoint> <session> <hex>")`);
      return write(prompt);
    }
    const reply = await protocomm.handleRequest(endpoint!, session!, new Uint8Array(Buffer.from(hex, 'hex')));
    if (reply.kind !== 'reply') {
      if (reply.kind === 'not-found') log('warn', `console: no endpoint ${JSON.stringify(endpoint!.slice(0, 40))}`);
      return write(prompt);
    }
    const after = reply.afterReply;
    write(`\r\n${Buffer.from(reply.body).toString('hex')}\r\n`, () => {
      if (!after) return;
      try {
        after();
      } catch (e) {
        log('warn', `console ${endpoint}: follow-up failed: ${describeError(e)}`);
      }
    });
    write(prompt);
  };

  const onData = (chunk: Buffer | string): void => {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (buf.length) {
      let end = -1;
      for (let i = 0; i < buf.length; i++) {
        if (buf[i] === 0x0d || buf[i] === 0x0a) {
          end = i;
          break;
        }
      }
      const part = end < 0 ? buf : buf.subarray(0, end);
      if (!overflow) {
        if (line.length + part.length > max) {
          overflow = true;
          line = Buffer.alloc(0);
          log('warn', `console: line longer than ${max} bytes dropped`);
        } else line = Buffer.concat([line, part]);
      }
      if (end < 0) break;
      const wasOverflow = overflow;
      const text = line.toString('latin1');
      line = Buffer.alloc(0);
      overflow = false;
      // CRLF: the LF after a CR ends an empty line, which is ignored.
      if (!wasOverflow && text.length) chain = chain.then(() => handleLine(text)).catch(() => undefined);
      else if (wasOverflow) chain = chain.then(() => write(prompt));
      buf = buf.subarray(end + 1);
    }
  };

  stream.on('data', onData);
  write(prompt);
  return {
    close() {
      closed = true;
      stream.off('data', onData);
    },
  };
}

/** A console transport over `stream` (e.g. `new SerialPort({ path: '/dev/ttyGS0', baudRate: 115200 })`). */
export function consoleTransport(stream: Duplex, options: ConsoleOptions & { name?: string } = {}): ProtocommTransport {
  let session: ConsoleSession | undefined;
  return {
    name: options.name || 'console',
    start(pc) {
      session = serveConsole(pc, stream, options);
    },
    stop() {
      if (session) session.close();
      session = undefined;
    },
  };
}
