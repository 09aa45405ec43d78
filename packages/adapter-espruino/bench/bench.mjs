// `node bench/bench.mjs` (run by the root `pnpm bench` after the build): the Espruino modules' sizes,
// and, when ESPRUINO_BIN names an interpreter (a 32-bit release build with the Puck.js layout, 2630
// variables of 13 bytes), the variables (memory blocks) a running provisioner costs: module loaded from
// Storage plus one started provisioner, after a GC (`process.memory().usage` before and after), with
// the interpreter's own setWatch and pins: the button + LED build as a Puck.js app, the full build as
// an ESP32 app (the ESP32 example's configuration, its button at rest); with ESPRUINO_BIN_1700 (the
// same with VARIABLES=1700, an ESP8266-sized pool) the ESP32 app again there, at rest and with the
// button held through start(); and how long start(), a state change
// and one LED blink step take. A run printing an error, a failed ASSERT or a memory dump stops the
// bench. Measured, never asserted.
import { execSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const here = new URL('..', import.meta.url).pathname;
const BUILDS = { full: join(here, 'dist/espruino/provision.min.js'), led: join(here, 'dist/espruino/provision-led.min.js') };
if (!existsSync(BUILDS.full) || !existsSync(BUILDS.led)) execSync('node scripts/build-espruino.mjs', { cwd: here, stdio: 'inherit' });
const core = join(here, '../core/dist/espruino/provision-core.min.js');
console.log('\nEspruino modules (core + adapter)');
for (const [name, file] of Object.entries(BUILDS)) {
  const code = readFileSync(file);
  console.log(`  ${file.slice(here.length + 14).padEnd(22)} ${code.length} B minified, ${gzipSync(code).length} B gzip, ${brotliCompressSync(code).length} B brotli  (${name === 'led' ? 'button + LED' : 'Wi-Fi'})`);
}
if (existsSync(core)) console.log(`  core alone (provision-core.min.js) ${readFileSync(core).length} B`);

const BIN = process.env.ESPRUINO_BIN;
const BIN_1700 = process.env.ESPRUINO_BIN_1700;
if (!BIN) {
  console.log('  memory: set ESPRUINO_BIN (and ESPRUINO_BIN_1700) to Espruino interpreters to measure it');
  process.exit(0);
}

/** What a clean run never prints: errors, running out of memory, a failed assertion, a memory dump. */
const BAD = /Uncaught|OUT OF MEMORY|LOW_MEMORY|Execution Interrupted|SyntaxError|ReferenceError|ASSERT\(|#\d+\[r\d+,l\d+\]/;

function run(dir, script, bin) {
  writeFileSync(join(dir, 'script.js'), script);
  const fifo = join(dir, 'stdin');
  if (!existsSync(fifo)) execSync(`mkfifo "${fifo}"`);
  const fd = openSync(fifo, 'r+');
  const r = spawnSync(bin || BIN, ['script.js'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], timeout: 30000, maxBuffer: 1 << 20 });
  closeSync(fd);
  const text = (r.stdout || Buffer.alloc(0)).toString('latin1');
  // eslint-disable-next-line no-control-regex
  const lines = text.split('\n').map((l) => l.replace(/\x1b\[J/g, '').replace(/\r/g, '').replace(/^>/, ''));
  const bad = lines.filter((l) => BAD.test(l));
  if (bad.length || (r.error && !/ENOBUFS/.test(String(r.error)))) throw new Error(`interpreter run failed:\n${bad.slice(0, 10).join('\n') || r.error}`);
  if (r.error) throw new Error('interpreter run failed: its output overflowed (a memory dump?)');
  return lines.filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
}

const dir = mkdtempSync(join(tmpdir(), 'provision-espruino-bench-'));
try {
  // The interpreter's own pins and setWatch (D1 the button, D2 the LED); only the Wifi module is a
  // fake (the Linux build has none): ESP32-like, joining after 20 ms.
  const fakes = `
Modules.addCached('Wifi', function () {
  var pending;
  exports.connect = function (ssid, o, cb) { if (pending !== undefined) clearTimeout(pending); pending = setTimeout(function () { pending = undefined; cb(null); }, 20); };
  exports.disconnect = function (cb) { if (pending !== undefined) clearTimeout(pending); pending = undefined; if (cb) setTimeout(cb, 0); };
});
require('Wifi');
setTimeout(function () { quit(); }, 5000);
function mem() { process.memory(); return process.memory().usage; }
function out(o) { console.log('RESULT ' + JSON.stringify(o)); }
`;
  // The script goes into Storage too and runs with require('boot'): a script run from a file sits in
  // RAM until it has run, and freeing it between the readings would hide that much memory.
  const store = (name, text, bin) => {
    for (let off = 0; off < text.length; off += 3000) {
      const args = off === 0 ? `0, ${text.length}` : `${off}`;
      run(dir, `require('Storage').write('${name}', ${JSON.stringify(text.slice(off, off + 3000))}, ${args});`, bin);
    }
  };
  const install = (build, bin) => {
    run(dir, `require('Storage').eraseAll();`, bin);
    store('provision', readFileSync(BUILDS[build], 'latin1'), bin);
  };
  // One fresh interpreter per configuration, measured once after start(): the module loaded from
  // Storage plus the ports and one started provisioner.
  const measure = (build, ports, config, bin) => {
    install(build, bin);
    store(
      'boot',
      `${fakes}
var m0 = mem();
var P = require('provision');
var m1 = mem();
var prov = P.createProvisioner(P.createEspruinoPorts(${ports}), ${config});
prov.start().then(function () {
  var m2 = mem();
  out({ module: m1 - m0, running: m2 - m1, total: m2 - m0, pool: process.memory().total, block: process.memory().blocksize });
  prov.stop();
  quit();
});`,
      bin,
    );
    return run(dir, `require('boot');`, bin)[0];
  };
  // Speed on this machine's interpreter (a board is tens of times slower; compare runs, not machines):
  // start(), a state change, and one LED blink step (the only code that runs all the time while a
  // device is unprovisioned), the blink driven by a clock port the script advances by hand.
  const speed = (build) => {
    install(build);
    store(
      'boot',
      `${fakes}
var P = require('provision');
var now = 0, due = 0, pending;
var clock = { now: function () { return now; }, setTimeout: function (fn, ms) { pending = fn; due = now + ms; return 1; }, clearTimeout: function () { pending = undefined; } };
var ports = P.createEspruinoPorts({ led: { pin: D2 } });
ports.clock = clock;
var prov = P.createProvisioner(ports, { timeoutMs: 0 });
var t0 = getTime();
prov.start().then(function () {
  var t1 = getTime();
  for (var i = 0; i < 100; i++) prov.setCurState(1 + (i % 2));
  var t2 = getTime();
  prov.setCurState(0);
  for (var k = 0; k < 500; k++) { now = due; var fn = pending; pending = undefined; fn(); }
  var t3 = getTime();
  out({ start: (t1 - t0) * 1000, state: (t2 - t1) * 10, tick: (t3 - t2) * 2 });
  prov.stop();
  quit();
});`,
    );
    return run(dir, `require('boot');`)[0];
  };
  const PUCK = "{ button: { pin: D1 }, led: { pin: D2 } }";
  const PUCK_CONFIG = '{ stableState: 1, timeoutMs: 0, button: { holdMs: 5000 } }'; // examples/puck.js
  // The ESP32 example's BOOT button is active low. Every pin of the Linux interpreter reads low, so
  // there it would read as held through start() (the boot-hold check still running); on a board at
  // rest the pulled-up pin reads high. The app is measured with its button at rest: the same port
  // with the polarity that reads low as released (the same fields and variables), and once held.
  const ESP32 = "{ button: { pin: D1, pullUp: true }, led: { pin: D2 }, wifi: { retryDelayMs: 5000 } }";
  const ESP32_HELD = "{ button: { pin: D1, activeLow: true, pullUp: true }, led: { pin: D2 }, wifi: { retryDelayMs: 5000 } }";
  const ESP32_CONFIG = '{ stableState: 2, button: { holdMs: 5000 } }'; // examples/esp32.js
  const rows = [
    ['button + LED build, Puck.js app', measure('led', PUCK, PUCK_CONFIG)],
    ['full build, Puck.js app', measure('full', PUCK, PUCK_CONFIG)],
    ['full build, ESP32 app', measure('full', ESP32, ESP32_CONFIG)],
  ];
  if (BIN_1700) {
    rows.push(['full build, ESP32 app (VARIABLES=1700)', measure('full', ESP32, ESP32_CONFIG, BIN_1700)]);
    rows.push(['full build, ESP32 app, button held at boot (VARIABLES=1700)', measure('full', ESP32_HELD, ESP32_CONFIG, BIN_1700)]);
  }
  // Last: its state changes write a record.
  const fast = { led: speed('led'), full: speed('full') };
  console.log('\nEspruino memory (variables; module and app script loaded from Storage, after a GC; real setWatch and pins)');
  console.log('  | build and app | pool × block | module | running after start() | total | free for the app |');
  console.log('  |---|---|---|---|---|---|');
  for (const [name, r] of rows) console.log(`  | ${name} | ${r.pool} × ${r.block} B | ${r.module} | ${r.running} | **${r.total}** | ${r.pool - r.total} |`);
  console.log("\nEspruino speed (this machine's interpreter, ms; module from Storage)");
  console.log('  | build | createProvisioner + start() | setCurState() | one LED blink step |');
  console.log('  |---|---|---|---|');
  for (const [name, f] of Object.entries(fast)) console.log(`  | ${name === 'led' ? 'button + LED' : 'full'} | ${f.start.toFixed(1)} | ${f.state.toFixed(2)} | ${f.tick.toFixed(3)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
