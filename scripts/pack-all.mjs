// `pnpm pack:all DIR`: builds and packs every publishable package into DIR as npm tarballs (the install path until the first release).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dest = path.resolve(process.argv[2] ?? path.join(root, 'tarballs'));
mkdirSync(dest, { recursive: true });

const publishable = readdirSync(path.join(root, 'packages'))
  .map((dir) => path.join(root, 'packages', dir))
  .filter((dir) => {
    try {
      return !JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

if (!process.argv.includes('--no-build')) {
  execFileSync('pnpm', ['-r', '--filter=!@provision/docs', 'run', 'build'], { cwd: root, stdio: 'inherit' });
}
for (const dir of publishable) {
  // pnpm pack (not npm pack) rewrites `workspace:*` dependencies to the real versions.
  execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
const made = readdirSync(dest).filter((f) => f.endsWith('.tgz')).sort();
console.log(`${made.length} packages in ${dest}:\n${made.map((f) => `  ${f}`).join('\n')}`);
