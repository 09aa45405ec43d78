import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A temp dir removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `provision-${prefix}-`));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Resolve when `pred` holds, polling real time (for real peers only); reject after `ms`. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Why the native `unix-dgram` module cannot be used here, or undefined when it can. */
export function unixDgramMissing(): string | undefined {
  try {
    createRequire(import.meta.url)('unix-dgram');
    return undefined;
  } catch {
    return "the native module 'unix-dgram' is not built (allow its build script: pnpm onlyBuiltDependencies)";
  }
}
