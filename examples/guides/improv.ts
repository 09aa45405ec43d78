// Improv Wi-Fi without a serial port: the device side fed the bytes a browser would send.
import assert from 'node:assert/strict';
// #region improv
import { createSimulatedDevice } from '@provision/core/testing';
import { createImprovDevice, encodeRpc, ImprovCommand } from '@provision/improv';

const dev = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' }, joinMs: 1500 });
await dev.start();

const sent: Uint8Array[] = []; // what would go back over the serial line
const log: string[] = [];
const improv = createImprovDevice(dev.prov, {
  write: (frame) => void sent.push(frame),
  clock: dev.clock,
  firmware: 'thermostat',
  version: '1.4.0',
  platform: 'Linux',
  deviceName: 'Hall thermostat',
  nextUrl: 'http://{ip}/welcome',
  log: (line) => log.push(line),
});

const wifiSettings = (ssid: string, password: string): number[] => {
  const s = [...Buffer.from(ssid)];
  const p = [...Buffer.from(password)];
  return [s.length, ...s, p.length, ...p];
};
// Frame bytes: "IMPROV", version 1, type, length, data, checksum, newline.
const kind = (f: Uint8Array): string => (f[7] === 1 ? `state ${f[9]}` : f[7] === 2 ? `error ${f[9]}` : `result ${f[9]}`);

improv.receive(encodeRpc(ImprovCommand.SendWifiSettings, wifiSettings('HomeNet', 'typo in the password')));
dev.clock.advance(1500); // error 3 "unable to connect", then ready again: nothing stored, no reboot
improv.receive(encodeRpc(ImprovCommand.SendWifiSettings, wifiSettings('HomeNet', 'correct horse battery')));
dev.clock.advance(1500); // provisioned, and the result carries the next URL
console.log(sent.map(kind).join(', '));
console.log(log.join('\n')); // Improv: unable to connect to "HomeNet": auth-error (WRONG_KEY)
// #endregion improv

assert.deepEqual(sent.map(kind), ['error 0', 'state 3', 'error 3', 'state 2', 'error 0', 'state 3', 'state 4', 'result 1']);
const last = sent[sent.length - 1]!;
assert.equal(Buffer.from(last.subarray(12, 12 + last[11]!)).toString(), 'http://192.168.1.50/welcome');
assert.deepEqual(dev.wifi.stored(), { ssid: 'HomeNet', passphrase: 'correct horse battery' });
assert.deepEqual(dev.system.reboots, []);
assert.deepEqual(log, ['Improv: unable to connect to "HomeNet": auth-error (WRONG_KEY)']);
