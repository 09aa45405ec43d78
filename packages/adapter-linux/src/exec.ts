import { spawn } from 'node:child_process';
import { adapterError } from './errors';

/** The result of a finished command. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a command to completion (no shell) and collect its output. A missing executable rejects with a
 * `not-supported` error naming it and the Debian package that provides it.
 */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; pkg?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => reject(spawnError(cmd, e, opts.pkg)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Turn a spawn failure into an error that names the executable. */
export function spawnError(cmd: string, e: NodeJS.ErrnoException, pkg?: string) {
  if (e.code === 'ENOENT') {
    const hint = pkg ? ` (install the Debian package '${pkg}')` : '';
    return adapterError('not-supported', `'${cmd}' was not found on PATH${hint}`, { cause: e });
  }
  return adapterError('not-supported', `cannot run '${cmd}': ${e.message}`, { cause: e });
}

/** Split a stream of text chunks into lines. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line);
    }
  };
}
