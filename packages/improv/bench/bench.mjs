// Figures for @provision/improv, printed, never asserted. Run after `pnpm build`: node bench/bench.mjs
//   1. bytes of the codec (minified / gzip / brotli, as an app's bundler ships it) and of the Espruino module
//   2. time from the last byte of a send-settings frame to the Wi-Fi port's connect() call: in process,
//      and over a real PTY pair (socat + serialport on both ends) when socat is installed
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { SerialPort } from 'serialport';
import { createProvisioner, defaultClock } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi } from '@provision/core/testing';
import { createImprovDevice, encodeRpc } from '../dist/index.js';
import { attachImprov } from '../dist/serial.js';
import { table } from '../../../scripts/bench-table.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_N ?? 1000);
const PTY_N = Number(process.env.BENCH_PTY_N ?? 100);


function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

async function minified(imp) {
  const res = await build({
    stdin: { contents: `export ${imp} from ${JSON.stringify(`${root}dist/index.js`)};`, resolveDir: root, loader: 'js' },
    bundle: true, minify: true, format: 'esm', write: false, logLevel: 'silent',
  });
  return Buffer.from(res.outputFiles[0].text);
}

// 1. Sizes.
const rows = [['bundle', 'minified B', 'gzip B', 'brotli B']];
for (const [name, buf] of [
  ['@provision/improv (everything)', await minified('*')],
  ['@provision/improv { createImprovDevice }', await minified('{ createImprovDevice }')],
  ['@provision/improv { ImprovDecoder, encodeFrame } (codec only)', await minified('{ ImprovDecoder, encodeFrame }')],
  ['Espruino module dist/espruino/improv.min.js', readFileSync(`${root}dist/espruino/improv.min.js`)],
]) rows.push([name, buf.length, gzipSync(buf).length, brotliCompressSync(buf).length]);
table('Sizes', rows);

/** A provisioner whose Wi-Fi port records when connect() is called. */
async function provisioner(clock, onConnect) {
  const wifi = createSimulatedWifi(clock, { joinMs: 1 });
  wifi.addNetwork('HomeNet', 'correct horse battery');
  const connect = wifi.connect.bind(wifi);
  wifi.connect = (c, o) => {
    onConnect(performance.now());
    return connect(c, o);
  };
  const prov = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock), wifi }, { button: { holdMs: -1 } });
  await prov.start();
  return { prov, wifi };
}

const settings = encodeRpc(1, [7, ...Buffer.from('HomeNet'), 21, ...Buffer.from('correct horse battery')]);

// 2a. In process: the decoder, the device and configureSta, without any I/O.
{
  let at = 0;
  const { prov } = await provisioner(defaultClock, (t) => (at = t));
  const dev = createImprovDevice(prov, { write: () => undefined, clock: defaultClock, firmware: 'f', version: '1', platform: 'p', deviceName: 'n' });
  const head = settings.subarray(0, settings.length - 2);
  const tail = settings.subarray(settings.length - 2, settings.length - 1); // the checksum: the frame's last byte
  const nl = settings.subarray(settings.length - 1);
  const xs = [];
  for (let i = 0; i < N; i++) {
    dev.receive(head);
    const t0 = performance.now();
    dev.receive(tail);
    xs.push((at - t0) * 1000);
    dev.receive(nl);
    prov.stopSession();
  }
  const s = stats(xs);
  table('Last byte of send-settings → WifiPort.connect() (in process)', [['runs', 'median µs', 'p95 µs', 'max µs'], [s.n, s.median.toFixed(1), s.p95.toFixed(1), s.max.toFixed(1)]]);
}

// 2b. Over a PTY: client write of the frame's last byte → connect() on the device side.
if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0) {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const paths = await new Promise((resolve) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const p = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]);
      if (p.length >= 2) resolve(p);
    });
  });
  let resolveConnect;
  const { prov } = await provisioner(defaultClock, (t) => resolveConnect && resolveConnect(t));
  const transport = await attachImprov(prov, { path: paths[1], firmware: 'f', version: '1', platform: 'p', deviceName: 'n' });
  const client = new SerialPort({ path: paths[0], baudRate: 115200, autoOpen: false });
  await new Promise((r, j) => client.open((e) => (e ? j(e) : r())));
  const xs = [];
  for (let i = 0; i < PTY_N; i++) {
    const connected = new Promise((r) => (resolveConnect = r));
    const t0 = performance.now();
    client.write(Buffer.from(settings));
    xs.push((await connected) - t0);
    resolveConnect = undefined;
    await new Promise((r) => setTimeout(r, 20));
    prov.stopSession();
  }
  const s = stats(xs);
  table('Client write of send-settings → WifiPort.connect() (PTY, serialport both ends)', [['runs', 'median ms', 'p95 ms', 'max ms'], [s.n, s.median.toFixed(3), s.p95.toFixed(3), s.max.toFixed(3)]]);
  console.log(`  on a real UART at 115200 baud the ${settings.length}-byte frame adds ${((settings.length * 10 * 1000) / 115200).toFixed(2)} ms of wire time`);
  await transport.close();
  await new Promise((r) => client.close(() => r()));
  child.kill();
} else console.log('\nPTY figure skipped: socat is not installed');

console.log('\nEspruino variables: printed by test/espruino-real.test.ts when ESPRUINO_BIN names an interpreter');
