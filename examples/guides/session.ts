// The provisioning session: ESP-IDF's wifi_prov_mgr states and events.
import assert from 'node:assert/strict';
// #region session
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({
  networks: { HomeNet: 'correct horse battery' },
  joinMs: 1500,
  config: { session: { attempts: 0, autoStopMs: 30_000, persist: 'after-connect' } },
});
const prov = dev.prov;
const seen: string[] = [];
prov.on('init', () => seen.push('init'));
prov.on('start', () => seen.push('start'));
prov.on('cred-recv', (c) => seen.push(`cred-recv ${c.ssid}`));
prov.on('cred-fail', (f) => {
  seen.push(`cred-fail ${f.reason}`);
  prov.resetOnFailure(); // back to 'started', state rewound to 0: ready for new credentials
});
prov.on('cred-success', (c) => seen.push(`cred-success ${c.ssid}`));
prov.on('end', () => seen.push('end'));
prov.on('deinit', () => seen.push('deinit'));

await dev.start();
prov.startSession(); // init, start

await prov.configureSta({ ssid: 'HomeNet', passphrase: 'typo in the passphrase' });
dev.clock.advance(1500); // cred-fail auth-error: nothing stored, no reset
console.log(prov.getSessionState(), prov.getWifiDisconnectReason(), dev.wifi.stored()); // started auth-error undefined

await prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(1500); // cred-success: now the credentials are stored
dev.clock.advance(30_000); // the session stops itself: end, deinit
console.log(seen.join(', '));
// #endregion session

assert.deepEqual(seen, [
  'init',
  'start',
  'cred-recv HomeNet',
  'cred-fail auth-error',
  'cred-recv HomeNet',
  'cred-success HomeNet',
  'end',
  'deinit',
]);
assert.equal(prov.getSessionState(), 'idle');
assert.deepEqual(dev.wifi.stored(), { ssid: 'HomeNet', passphrase: 'correct horse battery' });
assert.equal(prov.getWifiState(), 'connected');
