// `pnpm bench`: prints the core's figures, then runs each package's own benchmark (packages/*/bench/bench.mjs).
// Measured, never asserted: machines here are shared and noisy.
import { build } from 'esbuild';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProvisioner } from '@provision/core';
import { createSimulatedDevice, createMemoryStorage, createRecordingSystem, SimulatedClock } from '@provision/core/testing';
import { table } from './bench-table.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));


async function minified(entry, imp) {
  const res = await build({
    stdin: { contents: `export ${imp} from ${JSON.stringify(entry)};`, resolveDir: root, loader: 'js' },
    bundle: true, minify: true, format: 'esm', write: false, logLevel: 'silent',
  });
  return Buffer.from(res.outputFiles[0].text);
}

// 1. Sizes.
const core = `${root}packages/core/dist/index.js`;
const esp = `${root}packages/core/dist/espruino/provision-core.min.js`;
const sizeRows = [['bundle', 'minified B', 'gzip B', 'brotli B']];
for (const [name, buf] of [
  ['@provision/core ESM entry (everything)', await minified(core, '*')],
  ['@provision/core { createProvisioner } only', await minified(core, '{ createProvisioner }')],
  ['@provision/core Espruino bundle', readFileSync(esp)],
]) {
  sizeRows.push([name, buf.length, gzipSync(buf).length, brotliCompressSync(buf).length]);
}
table('Core size', sizeRows);

// 2. Storage writes.
async function startDev(dev) {
  const p = dev.prov.start();
  dev.clock.advance(10);
  await p;
}
const dev = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' }, joinMs: 2000 });
await startDev(dev);
dev.storage.resetCounters();
await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(2000);
dev.prov.setCurState(3);
const cycleWrites = dev.storage.writes;
const credWrites = dev.wifi.calls.persist || 0;
dev.storage.resetCounters();
const boots = 100;
for (let i = 0; i < boots; i++) {
  dev.reboot();
  await startDev(dev);
}
table('Storage writes', [
  ['scenario', 'record/journal writes', 'credential writes'],
  ['full provisioning cycle (fresh → stable)', cycleWrites, credWrites],
  [`normal boot (mean of ${boots})`, dev.storage.writes / boots, 0],
]);

// 3. setCurState throughput with a listener.
const clock = new SimulatedClock();
const prov = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock) }, { timeoutMs: 0, button: { holdMs: -1 } });
let seen = 0;
prov.on('state', () => seen++);
await prov.start();
prov.setCurState(255);
const rows = [['measure', 'value']];
for (let round = 0; round < 3; round++) {
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) prov.setCurState(i & 1 ? 3 : 4);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  rows.push([`setCurState transitions/s (round ${round + 1}, listener attached)`, Math.round(n / s).toLocaleString('en')]);
}
rows.push(['state events delivered', seen.toLocaleString('en')]);
table('Throughput', rows);

// 4. Each package's own benchmark.
for (const pkg of readdirSync(`${root}packages`)) {
  const script = `${root}packages/${pkg}/bench/bench.mjs`;
  if (!existsSync(script) || pkg === 'core') continue;
  console.log(`\n== ${pkg} ==`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit', cwd: `${root}packages/${pkg}` });
  if (r.status !== 0) console.log(`(${pkg} benchmark exited ${r.status})`);
}
