// The esp_prov scenarios: run live against the real esp_prov when ESP_PROV is set, replayed from test/transcripts/ always.
import type { DeviceSetup, EspProvRun } from './transcript';
import { HOME } from './rig';

export interface Scenario {
  name: string;
  description: string;
  device: DeviceSetup;
  runs: Omit<EspProvRun, 'idf'>[];
  /** Needs esp_prov from ESP-IDF v5.5.0–v5.5.4 (ESP_PROV_OLD_IDF), which still strips A's leading zeros. */
  oldIdf?: boolean;
  clientReplay: true | { skip: string };
}

const WRONG = 'not the passphrase';
const ok = (args: string[], secrets: EspProvRun['secrets'], seed: string, outcome: EspProvRun['outcome'] = 'success', stdin?: string): Omit<EspProvRun, 'idf'> => {
  const r: Omit<EspProvRun, 'idf'> = { args: ['--transport', 'softap', ...args], secrets, seed, outcome };
  if (stdin !== undefined) r.stdin = stdin;
  return r;
};
const ssid = ['--ssid', HOME.ssid];
const sec2 = ['--sec_ver', '2', '--sec2_username', 'wifiprov'];

export const SCENARIOS: Scenario[] = [
  {
    name: 'sec0',
    description: 'security 0: full provisioning',
    device: { security: 0, randomSeed: 1 },
    runs: [ok(['--sec_ver', '0', ...ssid], { passphrase: HOME.passphrase }, 's0')],
    clientReplay: true,
  },
  {
    name: 'sec1-pop',
    description: 'security 1 with proof of possession: full provisioning',
    device: { security: 1, pop: 'abcd1234', randomSeed: 2 },
    runs: [ok(['--sec_ver', '1', ...ssid], { pop: 'abcd1234', passphrase: HOME.passphrase }, 's1')],
    clientReplay: true,
  },
  {
    name: 'sec1-no-pop',
    description: 'security 1 without proof of possession (device advertises no_pop)',
    device: { security: 1, allowNoPop: true, randomSeed: 3 },
    runs: [ok(['--sec_ver', '1', ...ssid], { passphrase: HOME.passphrase }, 's1-nopop')],
    clientReplay: true,
  },
  {
    name: 'sec1-wrong-pop',
    description: 'security 1 with a wrong proof of possession: the device closes the connection at Cmd1',
    device: { security: 1, pop: 'abcd1234', randomSeed: 4 },
    runs: [ok(['--sec_ver', '1', ...ssid], { pop: 'wrongpop', passphrase: HOME.passphrase }, 's1-wrong', 'error')],
    clientReplay: true,
  },
  {
    name: 'sec2',
    description: 'security 2 (SRP-6a, patch 1): full provisioning',
    device: { security: 2, randomSeed: 5 },
    runs: [ok([...sec2, ...ssid], { sec2Password: 'abcd1234', passphrase: HOME.passphrase }, 's2')],
    clientReplay: true,
  },
  {
    name: 'sec2-short-a',
    description: 'security 2 with a 383-byte A (esp_prov v5.5.4 strips leading zeros; seed short-a-160): accepted and hashed as received',
    device: { security: 2, randomSeed: 6 },
    runs: [ok([...sec2, ...ssid], { sec2Password: 'abcd1234', passphrase: HOME.passphrase }, 'short-a-160')],
    oldIdf: true,
    clientReplay: { skip: 'our client always sends A padded to 384 bytes, as IDF devices require' },
  },
  {
    name: 'sec2-wrong-password',
    description: 'security 2 with a wrong password: the device closes the connection at Cmd1',
    device: { security: 2, randomSeed: 7 },
    runs: [ok([...sec2, ...ssid], { sec2Password: 'wrong-password', passphrase: HOME.passphrase }, 's2-wrong', 'error')],
    clientReplay: true,
  },
  {
    name: 'scan',
    description: 'security 2 with a Wi-Fi scan: esp_prov lists the networks and the first one is picked',
    device: { security: 2, randomSeed: 8 },
    runs: [ok([...sec2], { sec2Password: 'abcd1234', passphrase: HOME.passphrase }, 's2-scan', 'success', '1\n')],
    clientReplay: { skip: 'esp_prov sends proto-ver "wifi_scan" between the handshake and the scan; compared in the device replay only' },
  },
  {
    name: 'wrong-then-correct',
    description: 'security 1: a wrong Wi-Fi passphrase is reported as failed, then the right one works without a reboot (R11.2)',
    device: { security: 1, pop: 'abcd1234', randomSeed: 9 },
    runs: [
      ok(['--sec_ver', '1', ...ssid], { pop: 'abcd1234', passphrase: WRONG }, 's1-a', 'failed'),
      ok(['--sec_ver', '1', ...ssid], { pop: 'abcd1234', passphrase: HOME.passphrase }, 's1-b'),
    ],
    clientReplay: true,
  },
  {
    name: 'ctrl-reset',
    description: 'security 2: a failed attempt, prov-ctrl reset (esp_prov --reset), then the right passphrase',
    device: { security: 2, resetOnFailure: false, randomSeed: 10 },
    runs: [
      ok([...sec2, ...ssid], { sec2Password: 'abcd1234', passphrase: WRONG }, 's2-a', 'failed'),
      ok([...sec2, '--reset'], { sec2Password: 'abcd1234' }, 's2-b'),
      ok([...sec2, ...ssid], { sec2Password: 'abcd1234', passphrase: HOME.passphrase }, 's2-c'),
    ],
    clientReplay: true,
  },
];
