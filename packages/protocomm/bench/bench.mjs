// Benchmarks of @provision/protocomm, printed (never asserted). Run after `pnpm build`: node bench/bench.mjs
// With ESP_PROV naming esp_prov (or a wrapper), also times the real esp_prov's half of the security-2 handshake.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createSimulatedDevice } from '@provision/core/testing';
import { attachProtocomm, createProtocomm, createProtocommClient, createSrpVerifier, httpTransport } from '../dist/index.js';
import { table } from '../../../scripts/bench-table.mjs';

const N = Number(process.env.BENCH_N ?? 30);
const REQ = Number(process.env.BENCH_REQUESTS ?? 2000);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}
const f = (x) => (x < 0.1 ? x.toFixed(4) : x < 10 ? x.toFixed(2) : x.toFixed(1));
const row = (name, s, unit = 'ms') => [name, s.n, `${f(s.median)} ${unit}`, `${f(s.p95)} ${unit}`, `${f(s.max)} ${unit}`];

const verifier = createSrpVerifier({ username: 'wifiprov', password: 'abcd1234' });
const quiet = () => undefined;

/** A client wired straight to a core, timing the device's share of each request. */
function direct(pc, options) {
  const t = { device: 0 };
  const transport = {
    async request(endpoint, body) {
      const t0 = performance.now();
      const r = await pc.handleRequest(endpoint, '1', body);
      t.device += performance.now() - t0;
      if (r.kind !== 'reply') throw new Error(`${endpoint}: closed`);
      return r.body;
    },
    close: async () => undefined,
  };
  return { t, client: createProtocommClient({ transport, ...options }) };
}

// 1. Handshakes, device half and client half, in process.
const hs = [['handshake', 'runs', 'median', 'p95', 'max']];
for (const [name, pcOpts, clOpts] of [
  ['security 1 (X25519 + PoP), device', { security: 1, pop: 'abcd1234' }, { security: 1, pop: 'abcd1234' }],
  ['security 2 (SRP-6a 3072), device', { security: 2, verifier }, { security: 2, username: 'wifiprov', password: 'abcd1234' }],
]) {
  const dev = [];
  const cli = [];
  for (let i = 0; i < N; i++) {
    const pc = createProtocomm({ ...pcOpts, log: quiet });
    const { t, client } = direct(pc, clOpts);
    const t0 = performance.now();
    await client.handshake();
    const total = performance.now() - t0;
    dev.push(t.device);
    cli.push(total - t.device);
  }
  hs.push(row(name, stats(dev)));
  hs.push(row(name.replace('device', 'our client'), stats(cli)));
}

// esp_prov's half of security 2: the time between our Resp0 leaving and its Cmd1 arriving (its SRP math).
if (process.env.ESP_PROV) {
  const gaps = [];
  for (let i = 0; i < Math.min(N, 5); i++) {
    const d = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' } });
    await d.start();
    const http = httpTransport({ host: '127.0.0.1', port: 0 });
    let resp0At = 0;
    const timed = {
      name: http.name,
      start: (pc) =>
        http.start(
          Object.assign(Object.create(pc), {
            async handleRequest(e, s, b) {
              if (e === 'prov-session' && resp0At && b.length > 60 && b.length < 100) gaps.push(performance.now() - resp0At);
              const r = await pc.handleRequest(e, s, b);
              if (e === 'prov-session' && b.length > 300) resp0At = performance.now();
              return r;
            },
          }),
        ),
      stop: () => http.stop(),
    };
    const svc = await attachProtocomm(d.prov, { security: 2, verifier, transports: [timed], clock: d.clock, log: quiet, stopAfterSuccess: false });
    await new Promise((resolve) => {
      const env = { ...process.env, ESP_PROV_SEC2_PWD: 'abcd1234', ESP_PROV_PASSPHRASE: 'correct horse battery', ESP_PROV_POLL_SECONDS: '0' };
      const c = spawn(process.env.ESP_PROV, ['--transport', 'softap', '--service_name', `127.0.0.1:${http.address().port}`, '--sec_ver', '2', '--sec2_username', 'wifiprov', '--ssid', 'HomeNet'], { env, stdio: 'ignore' });
      c.on('close', resolve);
    });
    await svc.stop();
  }
  if (gaps.length) hs.push(row("security 2, esp_prov's half (Resp0 → Cmd1)", stats(gaps)));
} else {
  hs.push(["security 2, esp_prov's half", '-', 'set ESP_PROV to measure', '', '']);
}
table('Handshake time (this machine, shared and noisy)', hs);

// 2. Requests per second through an established security-2 session.
const rps = [['path', 'requests', 'requests/s', 'mean']];
{
  const pc = createProtocomm({ security: 2, verifier, log: quiet });
  pc.addEndpoint('custom-data', (b) => b);
  const { client } = direct(pc, { security: 2, username: 'wifiprov', password: 'abcd1234' });
  await client.handshake();
  const body = new Uint8Array(32);
  const t0 = performance.now();
  for (let i = 0; i < REQ; i++) await client.request('custom-data', body);
  const s = (performance.now() - t0) / 1000;
  rps.push(['in process (core + client, 32-byte echo)', REQ, Math.round(REQ / s).toLocaleString('en'), `${f((s * 1000) / REQ)} ms`]);
}
{
  const d = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' } });
  await d.start();
  const http = httpTransport({ host: '127.0.0.1', port: 0 });
  const svc = await attachProtocomm(d.prov, { security: 2, verifier, transports: [http], clock: d.clock, log: quiet });
  const client = createProtocommClient({ url: `http://127.0.0.1:${http.address().port}`, security: 2, username: 'wifiprov', password: 'abcd1234' });
  await client.handshake();
  const n = Math.min(REQ, 1000);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.status();
  const s = (performance.now() - t0) / 1000;
  rps.push(['HTTP on loopback (GetStatus, one kept-alive socket)', n, Math.round(n / s).toLocaleString('en'), `${f((s * 1000) / n)} ms`]);
  await client.close();
  await svc.stop();
}
table('Requests through a security-2 session', rps);

// 3. ApplyConfig: reply flushed → the Wi-Fi port's connect() call (IDF waits a fixed 1000 ms here).
{
  const toFlush = [];
  const toConnect = [];
  for (let i = 0; i < N * 3; i++) {
    const d = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' } });
    await d.start();
    const http = httpTransport({ host: '127.0.0.1', port: 0 });
    let replied = 0;
    let flushed = 0;
    const timed = {
      name: http.name,
      start: (pc) =>
        http.start(
          Object.assign(Object.create(pc), {
            async handleRequest(e, s, b) {
              const r = await pc.handleRequest(e, s, b);
              if (r.kind === 'reply' && r.afterReply && e === 'prov-config') {
                const after = r.afterReply;
                replied = performance.now();
                r.afterReply = () => {
                  flushed = performance.now();
                  after();
                };
              }
              return r;
            },
          }),
        ),
      stop: () => http.stop(),
    };
    const inner = d.wifi.connect.bind(d.wifi);
    d.wifi.connect = (c, o) => {
      toFlush.push(flushed - replied);
      toConnect.push(performance.now() - flushed);
      return inner(c, o);
    };
    const svc = await attachProtocomm(d.prov, { security: 1, pop: 'abcd1234', transports: [timed], clock: d.clock, log: quiet });
    const client = createProtocommClient({ url: `http://127.0.0.1:${http.address().port}`, security: 1, pop: 'abcd1234' });
    await client.handshake();
    await client.setConfig({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
    await client.applyConfig();
    await client.close();
    await svc.stop();
  }
  table('ApplyConfig → Wi-Fi connect (HTTP on loopback; IDF: a fixed 1000 ms)', [
    ['step', 'runs', 'median', 'p95', 'max'],
    row('reply ready → written and flushed to the socket', stats(toFlush)),
    row('flushed → connect() called (target < 5 ms)', stats(toConnect)),
  ]);
}
