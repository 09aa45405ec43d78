// Builds every runnable example into plain ES modules that Node 20 runs as they are: the ESP32 bridge
// app and every guide sample. By default workspace packages stay imports (resolved to their built
// output), as for a user of the published packages; `fromSource` bundles their sources instead, so the
// tests run what is in the tree without a build.
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Entry points: the bridge app and every guide sample (test files excluded). */
export function entryPoints() {
  const guides = readdirSync(join(here, 'guides'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(here, 'guides', f));
  return [join(here, 'esp32-bridge', 'main.ts'), ...guides];
}

/**
 * Bundles `@provision/*` from their sources; every other package stays an import, pinned to the file
 * it resolves to here, so the output runs from any folder.
 */
const fromSourcePlugin = {
  name: 'workspace-from-source',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@provision/') || args.pluginData === 'resolving') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path, external: true };
    });
  },
};

/**
 * Compile `entries` into `outdir` (one `.mjs` per entry, named after the source file).
 *
 * @param {string} outdir - the output folder
 * @param {{ entries?: string[], fromSource?: boolean }} [options] - the entry points (default: all of
 *   them); `fromSource` bundles the workspace packages from their sources
 * @returns {Promise<string[]>} the files written
 */
export async function buildExamples(outdir, options = {}) {
  const entries = options.entries ?? entryPoints();
  const out = [];
  for (const entry of entries) {
    const name = entry.includes(`${join('esp32-bridge', 'main.ts')}`) ? 'esp32-bridge' : basename(entry, '.ts');
    const outfile = join(outdir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      ...(options.fromSource ? { conditions: ['source'], plugins: [fromSourcePlugin] } : { packages: 'external' }),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    out.push(outfile);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await buildExamples(join(here, 'dist'));
  process.stdout.write(`examples: built ${files.length} files into dist/\n`);
}
