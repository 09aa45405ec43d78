// Benchmarks over a real pseudo-terminal pair (socat) with the real serialport binding on the host end
// and the simulated ESP-AT module on the other. Run after `pnpm build`:  node bench/bench.mjs
//
// A PTY moves bytes without baud-rate pacing, so "host RTT" is the software path (serialport, termios,
// the AT client, the simulator). "wire @115200" adds what the UART itself costs on hardware: 10 bits per
// byte, both directions.
import { spawnSync } from 'node:child_process';
import { AtClient, createModuleButton, createModuleWifi, openSerial } from '../dist/index.js';
import { attachToPty, createPtyPair, createSimPhone, EspAtSimulator } from '../dist/simulator/index.js';

if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status !== 0) {
  console.error('bench needs socat (apt-get install socat)');
  process.exit(1);
}

const N = Number(process.env.BENCH_N ?? 200);
const PRESSES = Number(process.env.BENCH_PRESSES ?? 20);
const JOIN_MS = Number(process.env.BENCH_JOIN_MS ?? 3000);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const ms = (x) => x.toFixed(2);
const wire = (bytes) => ((bytes * 10) / 115200) * 1000;

async function rig(simOptions = {}) {
  const pair = await createPtyPair();
  const sim = new EspAtSimulator({ networks: [{ ssid: 'HomeNet', passphrase: 'correct horse battery' }], ...simOptions });
  const device = await attachToPty(sim, pair.device);
  const client = new AtClient(() => openSerial(pair.host, { baudRate: 115200 }), { commandTimeoutMs: 5000 });
  await client.open();
  return {
    sim,
    client,
    async close() {
      await client.close();
      await device.close();
      await pair.close();
      sim.destroy();
    },
  };
}

async function rtt() {
  const r = await rig();
  const record = JSON.stringify({ v: 1, max: 3, wifiConfigured: true });
  await r.client.sendData(`AT+SYSMFG=2,"provision","record",7,${record.length}`, record);
  const cases = [
    ['AT', () => r.client.send('AT'), 4 + 6],
    ['AT+CWSTATE?', () => r.client.send('AT+CWSTATE?'), 13 + 30],
    ['AT+SYSREG=0,<GPIO_IN> (button poll)', () => r.client.send('AT+SYSREG=0,0x3ff4403c'), 24 + 24],
    ['AT+SYSREG=1,<W1TS> (LED set)', () => r.client.send('AT+SYSREG=1,0x3ff44008,0x4'), 28 + 6],
    ['AT+SYSMFG=1 read record', () => r.client.send('AT+SYSMFG=1,"provision","record"'), 34 + 80],
    ['AT+SYSMFG=2 write record (> prompt)', () => r.client.sendData(`AT+SYSMFG=2,"provision","record",7,${record.length}`, record), 38 + record.length + 14],
  ];
  const rows = [];
  for (const [name, fn, bytes] of cases) {
    for (let i = 0; i < 10; i++) await fn();
    const xs = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await fn();
      xs.push(performance.now() - t);
    }
    const s = stats(xs);
    rows.push({ command: name, n: s.n, 'host RTT median ms': ms(s.median), 'p95 ms': ms(s.p95), 'max ms': ms(s.max), 'wire @115200 ms': ms(wire(bytes)) });
  }
  await r.close();
  return rows;
}

async function pressLatency(duringJoin) {
  const r = await rig({ joinDelayMs: JOIN_MS, chip: 'esp32' });
  const button = createModuleButton(r.client, { chip: 'esp32', pin: 18 }); // default 50 ms poll
  const wifi = createModuleWifi(r.client, { retryDelayMs: 10 });
  let onEdge;
  button.watch((e) => onEdge && onEdge(e));
  const waitEdge = (pressed) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no edge within 30 s')), 30000);
      onEdge = (e) => {
        if (e.pressed === pressed) {
          clearTimeout(t);
          onEdge = undefined;
          resolve(performance.now());
        }
      };
    });
  await new Promise((res) => setTimeout(res, 200));
  const xs = [];
  for (let i = 0; i < PRESSES; i++) {
    if (duringJoin) {
      // Start a join (wrong passphrase: AT+CWJAP blocks for the join time, then fails) and press mid-join.
      await wifi.connect({ ssid: 'HomeNet', passphrase: 'wrong passphrase!' }, { persist: false });
      await new Promise((res) => setTimeout(res, 100 + Math.random() * 200));
    } else {
      await new Promise((res) => setTimeout(res, Math.random() * 50));
    }
    const edge = waitEdge(true);
    const t = performance.now();
    r.sim.setPin(18, false);
    xs.push((await edge) - t);
    const up = waitEdge(false);
    r.sim.setPin(18, undefined);
    await up;
    if (duringJoin) await wifi.disconnect();
  }
  button.close();
  await r.close();
  const s = stats(xs);
  return {
    scenario: duringJoin ? `during AT+CWJAP (join takes ${JOIN_MS} ms)` : 'idle',
    poll: '50 ms (default)',
    presses: s.n,
    'median ms': ms(s.median),
    'p95 ms': ms(s.p95),
    'max ms': ms(s.max),
  };
}

console.log(`\nAT round trip over a PTY pair (${N} runs each)`);
console.table(await rtt());
console.log('\nButton press → edge event latency');
console.table([await pressLatency(false), await pressLatency(true)]);

// ApplyConfig through the module's SoftAP: how long after the module's SEND OK for the reply the Wi-Fi
// port's connect() is called (IDF waits a fixed 1000 ms there), and the phone's ApplyConfig round trip.
async function applyToConnect() {
  const { createEsp32Bridge } = await import('../dist/index.js');
  const { startSoftApProtocomm } = await import('../dist/softap.js');
  const { createProvisioner } = await import('@provision/core');
  const { createProtocommClient } = await import('@provision/protocomm');
  const runs = Number(process.env.BENCH_APPLY_RUNS ?? 10);
  const afterSendOk = [];
  const roundTrip = [];
  for (let i = 0; i < runs; i++) {
    const pair = await createPtyPair();
    const sim = new EspAtSimulator({ networks: [{ ssid: 'HomeNet', passphrase: 'correct horse battery' }], joinDelayMs: 20 });
    const device = await attachToPty(sim, pair.device);
    const bridge = createEsp32Bridge({ path: pair.host });
    await bridge.open();
    let lastSendOk = 0;
    const sendData = bridge.client.sendData.bind(bridge.client);
    bridge.client.sendData = (cmd, data, o) =>
      sendData(cmd, data, o).then((r) => {
        if (cmd.startsWith('AT+CIPSEND=')) lastSendOk = performance.now();
        return r;
      });
    let connectAt = 0;
    const connect = bridge.ports.wifi.connect.bind(bridge.ports.wifi);
    bridge.ports.wifi.connect = (c, o) => {
      if (!connectAt) connectAt = performance.now();
      return connect(c, o);
    };
    const prov = createProvisioner(bridge.ports);
    await prov.start();
    const service = await startSoftApProtocomm(bridge, prov, { security: 0, password: 'ap-secret-99', log: () => undefined });
    const phone = createSimPhone(sim, { password: 'ap-secret-99' });
    const c = createProtocommClient({ transport: phone, security: 0 });
    await c.handshake();
    await c.setConfig({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
    const t = performance.now();
    await c.applyConfig();
    roundTrip.push(performance.now() - t);
    while (!connectAt) await new Promise((r) => setTimeout(r, 1));
    afterSendOk.push(connectAt - lastSendOk);
    await new Promise((r) => setTimeout(r, 100));
    await service.stop();
    await phone.close();
    prov.stop();
    await bridge.close();
    await device.close();
    await pair.close();
    sim.destroy();
  }
  const a = stats(afterSendOk);
  const b = stats(roundTrip);
  return [
    { what: 'SEND OK of the reply → wifi.connect()', runs: a.n, 'median ms': ms(a.median), 'p95 ms': ms(a.p95), 'max ms': ms(a.max) },
    { what: 'phone ApplyConfig round trip (PTY)', runs: b.n, 'median ms': ms(b.median), 'p95 ms': ms(b.p95), 'max ms': ms(b.max) },
  ];
}

console.log('\nApplyConfig through the module SoftAP (security 0, over a PTY)');
console.table(await applyToConnect());
