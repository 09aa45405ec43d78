// Provisioning a Node host whose Wi-Fi is an ESP-AT module through the module's own SoftAP (what the ESP SoftAP Provisioning app does), on the simulated module.
import assert from 'node:assert/strict';
import { createProtocommClient } from '@provision/protocomm';
import { createSimPhone, EspAtSimulator } from '@provision/adapter-esp32-bridge/simulator';
const sim = new EspAtSimulator({ networks: [{ ssid: 'HomeNet', passphrase: 'correct horse battery' }], joinDelayMs: 50 });
// #region bridge
import { createProvisioner } from '@provision/core';
import { createEsp32Bridge } from '@provision/adapter-esp32-bridge';
import { startSoftApProtocomm } from '@provision/adapter-esp32-bridge/softap';
import { createSrpVerifier } from '@provision/protocomm';

// Made once, offline (`provision-protocomm srp-verifier --user wifiprov`): the host keeps only these.
const { salt, verifier } = createSrpVerifier({ username: 'wifiprov', password: 'abcd1234' });

const bridge = createEsp32Bridge({ transport: sim }); // on the device: { path: '/dev/ttyUSB0' }
await bridge.open();
const provisioner = createProvisioner(bridge.ports);
await provisioner.start();
const service = await startSoftApProtocomm(bridge, provisioner, {
  security: 2,
  verifier: { salt, verifier },
  password: 'ap-secret-99', // the access point's WPA2 password (per device, printed on its label)
});
console.log(`join ${service.ssid}, then provision 192.168.4.1:80`); // PROV_3F2A
// #endregion bridge

// The phone: joins the access point and speaks protocomm over HTTP, as the app and esp_prov do.
const phone = createSimPhone(sim, { ssid: service.ssid, password: 'ap-secret-99' });
const client = createProtocommClient({ transport: phone, security: 2, username: 'wifiprov', password: 'abcd1234' });
await client.handshake();
await client.setConfig({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
await client.applyConfig();
// Like esp_prov (5 s) and the app, poll only once the join had time: the join moves the radio to the
// router's channel and drops the phone, and a request caught in that moment loses its session.
await new Promise((r) => setTimeout(r, 300));
let status = await client.status();
for (let i = 0; i < 50 && status.state === 'connecting'; i++) {
  await new Promise((r) => setTimeout(r, 100));
  status = await client.status();
}
assert.equal(status.state, 'connected');
await service.stopped; // the access point is torn down once the phone was told
assert.equal(sim.softAp.accessPoint, undefined);
await phone.close();
provisioner.stop();
await bridge.close();
sim.destroy();
console.log('provisioned through the module SoftAP');
