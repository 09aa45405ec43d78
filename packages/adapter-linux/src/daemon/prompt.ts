// Reading a passphrase from a terminal without echo, and from a pipe, both bounded.
import type { ReadStream } from 'node:tty';

/** What a person typed at {@link promptHidden}: the text, or `cancelled` (Ctrl-C / Ctrl-D on an empty line). */
export type PromptAnswer = { text: string } | { cancelled: true };

/** The longest answer kept, characters (a WPA passphrase is at most 64). */
const MAX_ANSWER = 1024;

/**
 * Ask `question` on `output` and read one line from the terminal `input` in raw mode, so nothing typed
 * is echoed (the terminal mode is restored afterwards, also on Ctrl-C). Backspace and Ctrl-U edit;
 * escape sequences (arrow keys) are ignored; input past 1024 characters is dropped.
 */
export function promptHidden(question: string, input: ReadStream, output: NodeJS.WritableStream): Promise<PromptAnswer> {
  return new Promise((resolve) => {
    let text = '';
    const wasRaw = input.isRaw;
    const finish = (a: PromptAnswer): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(a);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish({ text });
        if (ch === '\u0003') return finish({ cancelled: true }); // Ctrl-C
        if (ch === '\u0004') return finish(text === '' ? { cancelled: true } : { text }); // Ctrl-D
        if (ch === '\u001b') return; // the rest of an escape sequence is in this chunk
        if (ch === '\u007f' || ch === '\b') text = Array.from(text).slice(0, -1).join('');
        else if (ch === '\u0015') text = ''; // Ctrl-U
        else if (ch >= ' ' && text.length < MAX_ANSWER) text += ch;
      }
    };
    // Raw (no echo) before the question shows, so nothing typed after it can be echoed.
    input.setEncoding('utf8');
    input.setRawMode(true);
    output.write(question);
    input.on('data', onData);
    input.resume();
  });
}

/** Read all of a (non-terminal) stream as text, at most `max` bytes; one trailing newline is dropped. */
export async function readAll(input: NodeJS.ReadableStream, max = 65536): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of input) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    n += b.length;
    if (n > max) throw new Error(`more than ${max} bytes on standard input; a passphrase is at most 64 characters`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
