// Serving Espressif's provisioning protocol (what the ESP SoftAP Provisioning app and esp_prov speak), and provisioning through it.
import assert from 'node:assert/strict';
import { createSimulatedDevice } from '@provision/core/testing';
// #region device
import { attachProtocomm, createSrpVerifier, httpTransport } from '@provision/protocomm';

// Made once, offline (`provision-protocomm srp-verifier --user wifiprov`): the device keeps only these.
const { salt, verifier } = createSrpVerifier({ username: 'wifiprov', password: 'abcd1234' });

const dev = createSimulatedDevice({ networks: { HomeNet: 'correct horse battery' } }); // your ports here
await dev.start();
const http = httpTransport({ host: '127.0.0.1', port: 0 }); // on the device: the SoftAP's 192.168.4.1:80
const service = await attachProtocomm(dev.prov, {
  security: 2,
  verifier: { salt, verifier },
  transports: [http],
  scan: () => dev.wifi.scan!(),
  clock: dev.clock,
});
console.log(`serving on ${http.name}`);
// #endregion device

// #region client
import { createProtocommClient } from '@provision/protocomm';

const client = createProtocommClient({ url: `http://127.0.0.1:${http.address()!.port}`, security: 2, username: 'wifiprov', password: 'abcd1234' });
await client.handshake();
console.log((await client.scan()).map((n) => `${n.ssid} ${n.rssi} dBm`));
await client.setConfig({ ssid: 'HomeNet', passphrase: 'typo in the passphrase' });
await client.applyConfig();
console.log(await client.status()); // { state: 'failed', reason: 'auth-error' }: nothing stored, try again
await client.setConfig({ ssid: 'HomeNet', passphrase: 'correct horse battery' });
await client.applyConfig();
console.log(await client.status()); // { state: 'connected', ip: '192.168.1.50', ssid: 'HomeNet', ... }
await client.close();
// #endregion client

assert.deepEqual(dev.wifi.stored(), { ssid: 'HomeNet', passphrase: 'correct horse battery' });
dev.clock.advance(1000); // the client was told: the service stops a second later (R11.3)
await service.stopped;
assert.equal(service.running, false);
