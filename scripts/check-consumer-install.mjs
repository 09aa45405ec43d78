// Installs the packed packages into an empty app outside the workspace with plain npm, as a user would before the first release, and runs what the README promises.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'provision-consumer-'));
const tarballs = path.join(work, 'tarballs');
const app = path.join(work, 'app');

function run(cmd, args, cwd) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function expect(output, text, what) {
  if (!output.includes(text)) {
    console.error(output);
    throw new Error(`${what}: expected the output to contain ${JSON.stringify(text)}`);
  }
  console.log(`  ok: ${what}`);
}

try {
  run('node', [path.join(root, 'scripts/pack-all.mjs'), tarballs, '--no-build'], root);
  const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).map((f) => path.join(tarballs, f));

  run('mkdir', ['-p', app], work);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'my-device-app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);

  for (const f of files) {
    const listing = run('tar', ['-tzf', f], work);
    expect(listing, 'package/LICENSE', `${path.basename(f)} ships LICENSE`);
  }

  copyFileSync(path.join(root, 'examples/quickstart/quickstart.mjs'), path.join(app, 'quickstart.mjs'));
  expect(run('node', ['quickstart.mjs'], app), 'provisioned: true', 'the README example runs');

  expect(run('npx', ['--no-install', 'provision-linux', '--help'], app), 'provision-linux', 'provision-linux --help');

  // A TypeScript user: nodenext resolution, strict, no @types/node installed by hand.
  writeFileSync(
    path.join(app, 'app.ts'),
    [
      "import { createProvisioner, type Provisioner } from '@provision/core';",
      "import { createMemoryStorage, createRecordingSystem, SimulatedClock } from '@provision/core/testing';",
      "import { fromMgosConfig } from '@provision/core/mgos';",
      "import * as linux from '@provision/adapter-linux';",
      "import * as espruino from '@provision/adapter-espruino';",
      "import * as bridge from '@provision/adapter-esp32-bridge';",
      'const clock = new SimulatedClock();',
      'const p: Provisioner = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock) });',
      'console.log(typeof p.start, typeof fromMgosConfig, Object.keys(linux).length, Object.keys(espruino).length, Object.keys(bridge).length);',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false }, files: ['app.ts'] }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', 'typescript@6.0.3'], app);
  run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], app);
  console.log('  ok: a TypeScript consumer type-checks (module nodenext, skipLibCheck off)');
  console.log('consumer install: all checks passed');
} catch (err) {
  if (err.stdout || err.stderr) console.error(`${err.stdout ?? ''}${err.stderr ?? ''}`);
  console.error(`consumer install: FAILED — ${err.message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
