// An ESP-IDF wifi_prov_mgr app, event handler and all, on the provisioning session.
import assert from 'node:assert/strict';
import { createSimulatedDevice } from '@provision/core/testing';

const dev = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' }, joinMs: 1000 });
await dev.start();
const prov = dev.prov;
const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  console.log(line);
};
// #region events
// The switch of an IDF event_handler(WIFI_PROV_EVENT, …), one listener per event.
prov.on('init', () => log('WIFI_PROV_INIT'));
prov.on('start', () => log('WIFI_PROV_START: provisioning started'));
prov.on('set-sta-config', (e) => {
  // WIFI_PROV_SET_STA_CONFIG: last chance to change what will be joined
  if (e.ssid === 'HomeNet') e.amend({ channel: 6 });
});
prov.on('cred-recv', (c) => log(`WIFI_PROV_CRED_RECV: SSID ${c.ssid}`)); // never the passphrase
prov.on('cred-fail', (f) => {
  log(`WIFI_PROV_CRED_FAIL: ${f.reason === 'auth-error' ? 'Wi-Fi station authentication failed' : 'Wi-Fi access-point not found'}`);
  prov.resetOnFailure(); // wifi_prov_mgr_reset_sm_state_on_failure()
});
prov.on('cred-success', () => log('WIFI_PROV_CRED_SUCCESS'));
prov.on('end', () => log('WIFI_PROV_END')); // IDF apps call wifi_prov_mgr_deinit() here; it is automatic
prov.on('deinit', () => log('WIFI_PROV_DEINIT'));

const provisioned = prov.isWifiConfigured(); // wifi_prov_mgr_is_provisioned()
if (!provisioned) prov.startSession(); // wifi_prov_mgr_init() + wifi_prov_mgr_start_provisioning()
// #endregion events

// #region configure
// wifi_prov_mgr_configure_sta(): credentials from your own transport
await prov.configureSta({ ssid: 'HomeNet', passphrase: 'wrong' + ' passphrase' });
dev.clock.advance(1000);
console.log(prov.getWifiState(), prov.getWifiDisconnectReason()); // disconnected auth-error
await prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(1000);
console.log(prov.getWifiState()); // wifi_prov_mgr_get_wifi_state(): connected
prov.stopSession(); // wifi_prov_mgr_stop_provisioning()
// #endregion configure

assert.deepEqual(lines, [
  'WIFI_PROV_INIT',
  'WIFI_PROV_START: provisioning started',
  'WIFI_PROV_CRED_RECV: SSID HomeNet',
  'WIFI_PROV_CRED_FAIL: Wi-Fi station authentication failed',
  'WIFI_PROV_CRED_RECV: SSID HomeNet',
  'WIFI_PROV_CRED_SUCCESS',
  'WIFI_PROV_END',
  'WIFI_PROV_DEINIT',
]);
assert.deepEqual(dev.wifi.stored(), { ssid: 'HomeNet', passphrase: 'correct horse battery', channel: 6 });
