// Benchmarks for the captive portal (run after `pnpm --filter @provision/adapter-linux build`):
//   node packages/adapter-linux/bench/portal.mjs [--runs 5]
// Prints: time from process start to the page answering, time from POST /connect to the first status
// event, and resident memory with the portal up (idle, and with 8 event streams open). The portal runs
// over a real provisioner with the simulated Wi-Fi, on loopback, without an access point (no radio here).
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist', 'index.js');
const coreTesting = path.join(here, '..', '..', 'core', 'dist', 'testing', 'index.js');
const coreDist = path.join(here, '..', '..', 'core', 'dist', 'index.js');
for (const f of [dist, coreTesting, coreDist]) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run \`pnpm --filter @provision/core build && pnpm --filter @provision/adapter-linux build\` first`);
    process.exit(1);
  }
}
const ri = process.argv.indexOf('--runs');
const RUNS = ri > 0 ? Number(process.argv[ri + 1]) : 5;

const daemon = `import { createProvisioner } from ${JSON.stringify(coreDist)};
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi } from ${JSON.stringify(coreTesting)};
import { nodeClock, startPortalTransport } from ${JSON.stringify(dist)};
const wifi = createSimulatedWifi(nodeClock, { joinMs: 500 });
for (let i = 0; i < 20; i++) wifi.addNetwork('Network ' + i, 'password-' + i);
const prov = createProvisioner({ storage: createMemoryStorage(), system: createRecordingSystem(nodeClock), wifi });
await prov.start();
const portal = await startPortalTransport(prov, { port: 0, listenHost: '127.0.0.1', address: '127.0.0.1' }, { scan: () => wifi.scan(), stationEvents: (l) => wifi.subscribe(l) });
process.stdout.write(portal.url() + '\\n');
setInterval(() => {}, 1 << 30);
`;

function get(url, pathname) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: pathname, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

function fetchBody(url, pathname) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: pathname, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end();
  });
}

function rssKb(pid) {
  return fs.readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)[1]));
}

/** Open an event stream; resolves with a function that waits for the next event. */
function stream(url) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const waiters = [];
    const arrived = [];
    const req = request({ host: u.hostname, port: u.port, path: '/events', agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c) => {
        if (!c.includes('data: ')) return;
        const at = process.hrtime.bigint();
        const w = waiters.shift();
        if (w) w(at);
        else arrived.push(at);
      });
      resolve({ next: () => (arrived.length ? Promise.resolve(arrived.shift()) : new Promise((r) => waiters.push(r))), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'provision-portal-bench-'));
const script = path.join(dir, 'portal-daemon.mjs');
await fs.writeFile(script, daemon);
const startMs = [];
const firstEventMs = [];
const rss = [];
const rssStreams = [];
const weight = [];
for (let run = 0; run < RUNS; run++) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out.trim());
    });
  });
  while ((await get(url, '/').catch(() => 0)) !== 200) await new Promise((r) => setTimeout(r, 2));
  startMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (run === 0) {
    for (const p of ['/', '/portal.css', '/portal.js']) {
      const b = await fetchBody(url, p);
      weight.push(`${p} ${b.length} B (gzip ${gzipSync(b).length} B)`);
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  rss.push(await rssKb(child.pid));

  const s = await stream(url);
  await s.next();
  const extra = await Promise.all(Array.from({ length: 7 }, () => stream(url)));
  rssStreams.push(await rssKb(child.pid));
  const body = JSON.stringify({ ssid: 'Network 3', passphrase: 'password-3' });
  const first = s.next();
  const t1 = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: '/connect', method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
  firstEventMs.push(Number((await first) - t1) / 1e6);
  s.close();
  for (const e of extra) e.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
await fs.rm(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, unit, d = 1) => `median ${median(xs).toFixed(d)} ${unit} (min ${Math.min(...xs).toFixed(d)}, max ${Math.max(...xs).toFixed(d)}, ${xs.length} runs)`;
console.log('\nprovision-linux captive portal (loopback, simulated Wi-Fi, no access point)');
console.log(`  process start → GET / answers 200:      ${fmt(startMs, 'ms')}`);
console.log(`  POST /connect → first status event:      ${fmt(firstEventMs, 'ms', 2)}`);
console.log(`  resident memory, portal up:              ${fmt(rss.map((k) => k / 1024), 'MiB')}`);
console.log(`  resident memory, 8 event streams open:   ${fmt(rssStreams.map((k) => k / 1024), 'MiB')}`);
console.log(`  page weight (20 networks):               ${weight.join(', ')}`);
