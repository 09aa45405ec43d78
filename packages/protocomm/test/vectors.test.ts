// Known-answer vectors computed with esp_prov's own code (test/vectors/esp-prov-kat.json), and PROTOCOLS.md §A's.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SessionDataSchema } from '../src/gen/session_pb';
import { WiFiConfigPayloadSchema } from '../src/gen/wifi_config_pb';
import { createSec0Client, createSec0Server } from '../src/security/sec0';
import { createSec1Client, createSec1Server } from '../src/security/sec1';
import { createSec2Client, createSec2Server } from '../src/security/sec2';
import { configEndpoint, statusMessage, type StationStatus } from '../src/endpoints/config';
import { scanEndpoint } from '../src/endpoints/scan';
import { ctrlEndpoint } from '../src/endpoints/ctrl';
import { createSrpVerifier } from '../src/srp';
import { hex, scripted, unhex } from './fixtures';

const kat = JSON.parse(readFileSync(new URL('./vectors/esp-prov-kat.json', import.meta.url), 'utf8'));
const P: Record<string, string> = kat.plain;
const ctx = { sessionId: '1' };
const body = (r: unknown): Uint8Array => (r instanceof Uint8Array ? r : (r as { body: Uint8Array }).body);
const te = new TextEncoder();

function getStatus(s: StationStatus): string {
  return hex(toBinary(WiFiConfigPayloadSchema, create(WiFiConfigPayloadSchema, { msg: 1, payload: { case: 'respGetStatus', value: statusMessage(s) } })));
}

describe('plain messages against esp_prov', () => {
  it('security 0 handshake', () => {
    expect(hex(toBinary(SessionDataSchema, createSec0Client().start()))).toBe(P['sec0 Cmd (SessionData)']);
    const resp = createSec0Server().handshake(fromBinary(SessionDataSchema, unhex(P['sec0 Cmd (SessionData)']!)));
    expect(hex(toBinary(SessionDataSchema, resp))).toBe(P['sec0 Resp (SessionData)']);
  });

  it('RespGetStatus is filled as IDF fills it', () => {
    expect(getStatus({ state: 'connecting' })).toBe(P['RespGetStatus(Connecting)']);
    expect(getStatus({ state: 'connecting', attemptsRemaining: 2 })).toBe(P['RespGetStatus(Connecting, attempt_failed remaining 2)']);
    expect(getStatus({ state: 'connecting', attemptsRemaining: 0 })).toBe(P['RespGetStatus(Connecting, attempt_failed remaining 0)']);
    expect(getStatus({ state: 'failed', reason: 'auth-error' })).toBe(P['RespGetStatus(ConnectionFailed, AuthError)']);
    expect(getStatus({ state: 'failed', reason: 'ap-not-found' })).toBe(P['RespGetStatus(ConnectionFailed, NetworkNotFound)']);
    expect(getStatus({ state: 'disconnected' })).toBe(P['RespGetStatus(Disconnected=2)']);
    expect(getStatus({ state: 'connected', ip: '192.168.1.7', ssid: 'myssid', bssid: '11:22:33:44:55:66', channel: 6, auth: 'WPA2_PSK' })).toBe(
      P['RespGetStatus(Connected, ip 192.168.1.7, WPA2_PSK, ssid myssid, bssid 112233445566, ch 6)'],
    );
  });

  it('prov-config answers esp_prov’s own commands (ApplyConfig is 0804: no empty oneof)', async () => {
    let set: unknown;
    const h = configEndpoint({ status: () => ({ state: 'connecting' }), set: (c) => (set = c), apply: () => () => undefined });
    expect(hex(body(await h(unhex(P['CmdGetStatus']!), ctx)))).toBe(P['RespGetStatus(Connecting)']);
    expect(hex(body(await h(unhex(P['CmdSetConfig("myssid","mypassword")']!), ctx)))).toBe(P['RespSetConfig(Success)']);
    expect(set).toEqual({ ssid: 'myssid', passphrase: 'mypassword' });
    expect(P['CmdApplyConfig']).toBe('0804');
    expect(hex(body(await h(unhex(P['CmdApplyConfig']!), ctx)))).toBe(P['RespApplyConfig(Success)']);
    // PROTOCOLS.md's form with the empty oneof (08047200) is accepted too.
    expect(hex(body(await h(unhex('08047200'), ctx)))).toBe(P['RespApplyConfig(Success)']);
    const bad = configEndpoint({ status: () => ({ state: 'disconnected' }), set: () => undefined, apply: () => { throw new Error('nothing set'); } });
    expect(hex(body(await bad(unhex(P['CmdApplyConfig']!), ctx)))).toBe(P['RespApplyConfig(InternalError)']);
    const long = create(WiFiConfigPayloadSchema, { msg: 2, payload: { case: 'cmdSetConfig', value: { ssid: new Uint8Array(33), passphrase: te.encode('12345678') } } });
    expect(hex(body(await bad(toBinary(WiFiConfigPayloadSchema, long), ctx)))).toBe(P['RespSetConfig(InvalidArgument)']);
  });

  it('prov-scan answers esp_prov’s commands', async () => {
    const h = scanEndpoint(() => [
      { ssid: 'open', rssi: -70, channel: 11, bssid: 'aa:bb:cc:dd:ee:ff', secure: false },
      { ssid: 'myssid', rssi: -40, channel: 6, bssid: '11:22:33:44:55:66', secure: true },
    ]);
    expect(hex(body(await h(unhex(P['CmdScanStart(blocking, passive=false, group 5, 120ms) [softap]']!), ctx)))).toBe(P['RespScanStart(Success)']);
    expect(hex(body(await h(unhex(P['CmdScanStatus']!), ctx)))).toBe(P['RespScanStatus(finished, 2)']);
    expect(hex(body(await h(unhex(P['CmdScanResult(0, 2)']!), ctx)))).toBe(P['RespScanResult([myssid ch6 -40 112233445566 WPA2_PSK, open ch11 -70 aabbccddeeff Open])']);
    expect(hex(body(await h(unhex(P['CmdScanStart(blocking, group 0, 120ms) [ble/console]']!), ctx)))).toBe(P['RespScanStart(Success)']);
  });

  it('prov-ctrl answers esp_prov’s commands (msg only)', async () => {
    const h = ctrlEndpoint({ reset: () => true, reprov: () => true });
    expect(hex(body(await h(unhex(P['CmdCtrlReset']!), ctx)))).toBe(P['RespCtrlReset(Success)']);
    expect(hex(body(await h(unhex(P['CmdCtrlReprov']!), ctx)))).toBe(P['RespCtrlReprov(Success)']);
  });
});

describe('security 1 against esp_prov', () => {
  const v = kat.sec1;
  const pop = te.encode(v.pop);
  it('device: Resp0, Resp1 and the continuous keystream', () => {
    const dev = createSec1Server(pop, scripted(v.devicePrivate, v.deviceRandom));
    expect(hex(toBinary(SessionDataSchema, dev.handshake(fromBinary(SessionDataSchema, unhex(v.cmd0)))))).toBe(v.resp0);
    expect(hex(toBinary(SessionDataSchema, dev.handshake(fromBinary(SessionDataSchema, unhex(v.cmd1)))))).toBe(v.resp1);
    expect(hex(dev.decrypt(unhex(v.encCmdGetStatus)))).toBe('5200');
    expect(hex(dev.encrypt(unhex(P['RespGetStatus(Connecting)']!)))).toBe(v.encRespGetStatusConnecting);
  });
  it('client: Cmd0, Cmd1 and the keystream', () => {
    const cli = createSec1Client(pop, scripted(v.clientPrivate));
    expect(hex(toBinary(SessionDataSchema, cli.start()))).toBe(v.cmd0);
    expect(hex(toBinary(SessionDataSchema, cli.next(fromBinary(SessionDataSchema, unhex(v.resp0)))!))).toBe(v.cmd1);
    expect(cli.next(fromBinary(SessionDataSchema, unhex(v.resp1)))).toBeUndefined();
    expect(hex(cli.encrypt(unhex('5200')))).toBe(v.encCmdGetStatus);
    expect(hex(cli.decrypt(unhex(v.encRespGetStatusConnecting)))).toBe(P['RespGetStatus(Connecting)']);
  });
  it('without a PoP the key is the shared secret', () => {
    const dev = createSec1Server(undefined, scripted(v.devicePrivate, v.deviceRandom));
    const cli = createSec1Client(undefined, scripted(v.clientPrivate));
    const cmd1 = cli.next(dev.handshake(cli.start()))!;
    const sc1 = cmd1.proto.case === 'sec1' && cmd1.proto.value.payload.case === 'sc1' ? cmd1.proto.value.payload.value : undefined;
    expect(hex(sc1!.clientVerifyData)).toBe(v.noPopClientVerify);
    const resp1 = dev.handshake(cmd1);
    const sr1 = resp1.proto.case === 'sec1' && resp1.proto.value.payload.case === 'sr1' ? resp1.proto.value.payload.value : undefined;
    expect(hex(sr1!.deviceVerifyData)).toBe(v.noPopDeviceVerify);
  });
});

describe('security 2 against esp_prov', () => {
  const v = kat.sec2;
  it('the verifier of wifiprov/abcd1234 with salt 01..10', () => {
    expect(hex(createSrpVerifier({ username: v.username, password: v.password, salt: unhex(v.salt) }).verifier)).toBe(v.verifier);
  });
  it('a password whose H(I:P) starts with a zero byte gets esp_prov’s verifier, not IDF C’s', () => {
    const w = kat.sec2StrippedDigest;
    expect(hex(createSrpVerifier({ username: w.username, password: w.password, salt: unhex(w.salt) }).verifier)).toBe(w.verifier);
  });
  it('device: Resp0, Resp1, patch-1 nonces', () => {
    const dev = createSec2Server({ salt: unhex(v.salt), verifier: unhex(v.verifier) }, scripted(v.b, v.deviceNonce8));
    expect(hex(toBinary(SessionDataSchema, dev.handshake(fromBinary(SessionDataSchema, unhex(v.cmd0)))))).toBe(v.resp0);
    expect(hex(toBinary(SessionDataSchema, dev.handshake(fromBinary(SessionDataSchema, unhex(v.cmd1)))))).toBe(v.resp1);
    expect(hex(dev.decrypt(unhex(v.encCmdGetStatus)))).toBe('5200');
    expect(hex(dev.encrypt(unhex(P['RespGetStatus(Connecting)']!)))).toBe(v.encRespGetStatusConnecting);
    expect(hex(dev.decrypt(unhex(v.encCmdSetConfig)))).toBe(P['CmdSetConfig("myssid","mypassword")']);
    expect(hex(dev.encrypt(unhex(P['RespSetConfig(Success)']!)))).toBe(v.encRespSetConfigOk);
  });
  it('client: Cmd0, Cmd1, patch-1 nonces', () => {
    const cli = createSec2Client(v.username, v.password, scripted(v.a));
    expect(hex(toBinary(SessionDataSchema, cli.start()))).toBe(v.cmd0);
    expect(hex(toBinary(SessionDataSchema, cli.next(fromBinary(SessionDataSchema, unhex(v.resp0)))!))).toBe(v.cmd1);
    expect(cli.next(fromBinary(SessionDataSchema, unhex(v.resp1)))).toBeUndefined();
    expect(hex(cli.encrypt(unhex('5200')))).toBe(v.encCmdGetStatus);
    expect(hex(cli.decrypt(unhex(v.encRespGetStatusConnecting)))).toBe(P['RespGetStatus(Connecting)']);
  });
});

describe('PROTOCOLS.md §A known answers', () => {
  it('the values it lists, except CmdApplyConfig (esp_prov sends 0804, not 08047200)', () => {
    for (const [k, want] of [
      ['sec0 Cmd (SessionData)', '5203a20100'],
      ['sec0 Resp (SessionData)', '52050801aa0100'],
      ['CmdGetStatus', '5200'],
      ['RespGetStatus(Connecting)', '08015a021001'],
      ['RespGetStatus(ConnectionFailed, AuthError)', '08015a0410035000'],
      ['CmdSetConfig("myssid","mypassword")', '080262140a066d7973736964120a6d7970617373776f7264'],
      ['RespSetConfig(Success)', '08036a00'],
      ['RespApplyConfig(Success)', '08057a00'],
      ['CmdScanStart(blocking, passive=false, group 5, 120ms) [softap]', '5206080118052078'],
    ]) {
      expect(P[k!]).toBe(want);
    }
    expect(P['CmdApplyConfig']).not.toBe('08047200');
    expect(kat.sec1.key).toBe('77cea78256f26c3c8f15eebc57b8260b3498e538d4a4f8a859ce8aaffcf839f8');
    expect(kat.sec1.encCmdGetStatus).toBe('7a36');
  });
});
