// Wrong credentials typed into a fresh device, without a provisioning session (R8.2).
import assert from 'node:assert/strict';
// #region bad-credentials
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({
  networks: { HomeNet: 'correct horse battery' },
  retryMs: 5000, // the station retries a failed join every 5 s, like a real supplicant
  config: { wifi: { resetOnBadCredentials: true, badCredentialAttempts: 3 } },
});
dev.prov.on('wifi', (w) => console.log(`t=${dev.clock.now()} wifi ${w.state} ${w.reason ?? ''} ${w.raw ?? ''}`));
dev.prov.on('reset', (r) => console.log(`t=${dev.clock.now()} factory reset: ${r.cause}`));
await dev.start();

await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'wrong passphrase' });
console.log('reason:', dev.prov.getWifiDisconnectReason()); // 'auth-error'
dev.clock.advance(10_000); // two retries fail too: the third auth-error resets the device
// #endregion bad-credentials

assert.deepEqual(
  dev.prov.getResetJournal().resets.map((r) => r.cause),
  ['bad-credentials'],
);
assert.equal(dev.wifi.stored(), undefined);

// #region configured
// Once the device has connected, Wi-Fi failures never reset it.
const dev2 = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' } });
await dev2.start();
await dev2.prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
console.log('wifiConfigured:', dev2.prov.isWifiConfigured()); // true, and persisted
dev2.wifi.removeNetwork('HomeNet'); // the access point goes away for good
dev2.wifi.drop('other', 'BEACON_TIMEOUT');
dev2.clock.advance(60_000); // twelve ap-not-found retries: no reset
// #endregion configured

assert.equal(dev2.prov.isResetting(), false);
assert.equal(dev2.prov.getWifiDisconnectReason(), 'ap-not-found');
assert.equal(dev2.prov.getCurState(), 1);
