// The provision-protocomm executable: wires main() to the process's standard streams.
import { createInterface } from 'node:readline';
import { main, type CliIo } from './cli-main';

/** Read one line from stdin; on a terminal, without echoing it. */
function readSecret(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    if (stdin.isTTY) {
      process.stderr.write(prompt);
      let value = '';
      stdin.setRawMode(true);
      stdin.resume();
      const onData = (d: Buffer): void => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            return reject(new Error('interrupted'));
          }
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
      return;
    }
    nextLine().then(resolve, () => reject(new Error(`${prompt.trim()} expected on standard input`)));
  });
}

// Piped input: one reader for the whole run, so several secrets can come one per line.
interface LineQueue {
  queue: string[];
  waiters: { ok: (l: string) => void; fail: () => void }[];
  ended: boolean;
}
let lines: LineQueue | undefined;
function nextLine(): Promise<string> {
  if (!lines) {
    const l: LineQueue = { queue: [], waiters: [], ended: false };
    lines = l;
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const w = l.waiters.shift();
      if (w) w.ok(line);
      else l.queue.push(line);
    });
    rl.on('close', () => {
      l.ended = true;
      for (const w of l.waiters.splice(0)) w.fail();
    });
  }
  const l = lines;
  const q = l.queue.shift();
  if (q !== undefined) return Promise.resolve(q);
  if (l.ended) return Promise.reject(new Error('end of input'));
  return new Promise((ok, fail) => l.waiters.push({ ok, fail }));
}

const io: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readSecret,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
  // Leave no stdin reader holding the process open.
  process.stdin.destroy();
});
