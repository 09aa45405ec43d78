// The Espruino bundle, built when missing or older than the sources (one build at a time across test
// workers).
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PKG = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = join(PKG, 'dist', 'espruino', 'provision.min.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureBundle(): string {
  const lock = join(tmpdir(), `provision-espruino-build-${Buffer.from(PKG).toString('hex').slice(-24)}.lock`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building: wait for that process.
      if (waited > 120000) break;
      Atomics.wait(pause, 0, 0, 100);
    }
  }
  try {
    const sources = Math.max(newest(join(PKG, 'src')), newest(join(PKG, '..', 'core', 'src')));
    if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < sources) {
      execSync('node scripts/build-espruino.mjs', { cwd: PKG, stdio: 'pipe' });
    }
    return readFileSync(BUNDLE, 'utf8');
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      // already gone
    }
  }
}
