import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The simulator package's directory. */
export const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');

/** An example scenario under scripts/. */
export function example(name: string): string {
  return join(PKG, 'scripts', name);
}

/**
 * Bundle the CLI from the sources (as the package build does) into a scratch directory inside the
 * package's node_modules, so its dependencies resolve and no build output is needed beforehand.
 * Returns the bundle's path and a cleanup function.
 */
export async function buildCli(): Promise<{ cli: string; cleanup(): void }> {
  const cache = join(PKG, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'sim-test-'));
  const cli = join(dir, 'cli.mjs');
  await build({
    entryPoints: [join(PKG, 'src', 'cli.ts')],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    jsx: 'automatic',
    external: ['ink', 'react', 'react/*', 'ansi-escapes'],
    logLevel: 'silent',
  });
  return { cli: cli, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the bundled CLI to completion. */
export function runCli(cli: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
