// Benchmarks for the provision-linux daemon (run after `pnpm --filter @provision/adapter-linux build`):
//   node packages/adapter-linux/bench/bench.mjs [--window-s 10]
// Prints: start-up time to the first `state` event, resident memory, and userspace wake-ups per
// minute while the status LED blinks (0 expected: the kernel timer trigger blinks it).
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `pnpm --filter @provision/adapter-linux build` first');
  process.exit(1);
}
const wi = process.argv.indexOf('--window-s');
const windowS = wi > 0 ? Number(process.argv[wi + 1]) : 30;
const RUNS = 5;

// A fake LED class device; rewritten before each run because plain files do not reproduce the
// kernel's `trigger` listing after the daemon restores the original trigger on exit.
async function ledTree(led) {
  await fs.mkdir(led, { recursive: true });
  await fs.writeFile(path.join(led, 'max_brightness'), '255\n');
  await fs.writeFile(path.join(led, 'brightness'), '0\n');
  await fs.writeFile(path.join(led, 'trigger'), 'none [mmc0] timer heartbeat\n');
}

async function world() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'provision-bench-'));
  const led = path.join(dir, 'leds', 'ACT');
  const config = path.join(dir, 'config.json');
  await fs.writeFile(config, JSON.stringify({ stateDir: path.join(dir, 'state'), led: { sysfs: 'ACT', root: path.join(dir, 'leds') }, wifi: false }));
  return { dir, config, led };
}

function start(config) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [cli, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const firstState = new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      if (buf.includes('"event":"state"')) resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
    child.on('close', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
  return { child, firstState };
}

async function stop(child) {
  const done = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await done;
}

async function switches(pid) {
  let n = 0;
  for (const task of await fs.readdir(`/proc/${pid}/task`)) {
    const s = await fs.readFile(`/proc/${pid}/task/${task}/status`, 'utf8').catch(() => '');
    for (const m of s.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1]);
  }
  return n;
}

async function rssKb(pid) {
  const s = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(s)[1]);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const w = await world();
try {
  const starts = [];
  for (let i = 0; i < RUNS; i++) {
    await ledTree(w.led);
    const { child, firstState } = start(w.config);
    starts.push(await firstState);
    await stop(child);
  }
  await ledTree(w.led);
  const { child, firstState } = start(w.config);
  await firstState;
  // Let start-up settle (lazy compilation, V8's post-start-up memory-reducer GCs) before measuring.
  await new Promise((r) => setTimeout(r, 10000));
  const trigger = (await fs.readFile(path.join(w.led, 'trigger'), 'utf8')).trim();
  const rss = await rssKb(child.pid);
  const before = await switches(child.pid);
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const after = await switches(child.pid);
  await stop(child);
  // Reference: an idle Node.js process with one pending timer, same window.
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const i0 = await switches(idle.pid);
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const i1 = await switches(idle.pid);
  await stop(idle);
  const rows = [
    ['daemon start-up to first state event (median of ' + RUNS + ')', `${median(starts).toFixed(0)} ms`],
    ['resident memory (VmRSS) after start-up', `${(rss / 1024).toFixed(1)} MiB`],
    [`wake-ups/min (context switches, all threads) while the LED blinks (trigger: ${trigger})`, `${(((after - before) * 60) / windowS).toFixed(0)}`],
    ['  same, idle Node.js process for reference', `${(((i1 - i0) * 60) / windowS).toFixed(0)}`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'metric'.padEnd(width)} | value`);
  console.log(`${'-'.repeat(width)}-|-${'-'.repeat(12)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
} finally {
  await fs.rm(w.dir, { recursive: true, force: true });
}
