// `node bench/bench.mjs` (run by the root `pnpm bench` after the build): the Espruino module's size,
// and, when ESPRUINO_BIN names an interpreter, the variables (memory blocks) a running provisioner
// costs: module loaded from Storage plus one started provisioner, with button and LED ports (a Puck.js)
// and with Wi-Fi too (an ESP32), after a GC (`process.memory().usage` before and after); and how long
// start(), a state change and one LED blink step take on that interpreter. Measured, never asserted.
import { execSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const here = new URL('..', import.meta.url).pathname;
const file = join(here, 'dist/espruino/provision.min.js');
if (!existsSync(file)) execSync('node scripts/build-espruino.mjs', { cwd: here, stdio: 'inherit' });
const code = readFileSync(file);
const core = join(here, '../core/dist/espruino/provision-core.min.js');
console.log('\nEspruino module (core + adapter)');
console.log(`  provision.min.js  ${code.length} B minified, ${gzipSync(code).length} B gzip, ${brotliCompressSync(code).length} B brotli`);
if (existsSync(core)) console.log(`  of which the adapter  ~${code.length - readFileSync(core).length} B minified (core alone ${readFileSync(core).length} B)`);

const BIN = process.env.ESPRUINO_BIN;
if (!BIN) {
  console.log('  memory: set ESPRUINO_BIN to an Espruino interpreter to measure it');
  process.exit(0);
}

function run(dir, script) {
  writeFileSync(join(dir, 'script.js'), script);
  const fifo = join(dir, 'stdin');
  if (!existsSync(fifo)) execSync(`mkfifo "${fifo}"`);
  const fd = openSync(fifo, 'r+');
  const r = spawnSync(BIN, ['script.js'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], timeout: 30000 });
  closeSync(fd);
  // eslint-disable-next-line no-control-regex
  const lines = r.stdout.toString('latin1').split('\n').map((l) => l.replace(/\x1b\[J/g, '').replace(/\r/g, '').replace(/^>/, ''));
  if (lines.some((l) => /Uncaught|OUT OF MEMORY/.test(l))) throw new Error(lines.join('\n'));
  return lines.filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
}

const dir = mkdtempSync(join(tmpdir(), 'provision-espruino-bench-'));
try {
  // The same fakes as the real-interpreter tests: pins in JS, and an ESP32-like Wifi module.
  const fakes = `
var PINS = {};
global.digitalRead = function (p) { return PINS[p] ? 1 : 0; }; global.digitalWrite = function (p, v) { PINS[p] = v ? 1 : 0; };
global.pinMode = function () {}; global.setWatch = function () { return 1; }; global.clearWatch = function () {};
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
  // One fresh interpreter per configuration, measured once after start(): the module loaded from
  // Storage plus the ports and one started provisioner.
  // The script goes into Storage too and runs with require('boot'): a script run from a file sits in
  // RAM until it has run, and freeing it between the readings would hide that much memory.
  const store = (name, text) => {
    for (let off = 0; off < text.length; off += 3000) {
      const args = off === 0 ? `0, ${text.length}` : `${off}`;
      run(dir, `require('Storage').write('${name}', ${JSON.stringify(text.slice(off, off + 3000))}, ${args});`);
    }
  };
  const measure = (ports) => {
    store(
      'boot',
      `${fakes}
var m0 = mem();
var P = require('provision');
var m1 = mem();
var prov = P.createProvisioner(P.createEspruinoPorts(${ports}), { button: { holdMs: 5000 } });
prov.start().then(function () {
  var m2 = mem();
  out({ module: m1 - m0, running: m2 - m1, total: m2 - m0, pool: process.memory().total, block: process.memory().blocksize });
  prov.stop();
  quit();
});`,
    );
    return run(dir, `require('boot');`)[0];
  };
  // Speed on this machine's interpreter (a board is tens of times slower; compare runs, not machines):
  // start(), a state change, and one LED blink step (the only code that runs all the time while a
  // device is unprovisioned), the blink driven by a clock port the script advances by hand.
  const speed = () => {
    store(
      'boot',
      `${fakes}
var P = require('provision');
var now = 0, due = 0, pending;
var clock = { now: function () { return now; }, setTimeout: function (fn, ms) { pending = fn; due = now + ms; return 1; }, clearTimeout: function () { pending = undefined; } };
var ports = { clock: clock, storage: P.createEspruinoStorage({}), system: P.createEspruinoSystem(), led: P.createEspruinoLed({ pin: 'L' }) };
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
  store('provision', code.toString('latin1'));
  const puck = measure("{ button: { pin: 'B' }, led: { pin: 'L' } }");
  const esp32 = measure("{ button: { pin: 'B' }, led: { pin: 'L' }, wifi: true }");
  // Last: its state changes write a record, and a device rebooted mid-provisioning arms a timer at start.
  const fast = speed();
  const [core0] = existsSync(core)
    ? (() => {
        const c = readFileSync(core, 'latin1');
        run(dir, `require('Storage').erase('provision');`);
        store('core', c);
        store('boot', `${fakes} var m0 = mem(); var C = require('core'); out({ module: mem() - m0 }); quit();`);
        return run(dir, `require('boot');`);
      })()
    : [undefined];
  console.log(`\nEspruino memory (variables of ${puck.block} bytes; pool ${puck.pool}; module loaded from Storage; target 500)`);
  console.log(`  module (core + adapter)    ${puck.module}${core0 ? `   (core alone ${core0.module}, adapter ~${puck.module - core0.module})` : ''}`);
  console.log('  | ports | running after start() | total |');
  console.log('  |---|---|---|');
  console.log(`  | button + LED (Puck.js) | ${puck.running} | ${puck.total} |`);
  console.log(`  | button + LED + Wi-Fi (ESP32) | ${esp32.running} | ${esp32.total} |`);
  console.log("\nEspruino speed (this machine's interpreter, ms; module from Storage)");
  console.log('  | createProvisioner + start() | setCurState() | one LED blink step |');
  console.log('  |---|---|---|');
  console.log(`  | ${fast.start.toFixed(1)} | ${fast.state.toFixed(2)} | ${fast.tick.toFixed(3)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
