// The real esp_prov against our device over HTTP (ESP_PROV names esp_prov or a wrapper; skipped with the reason otherwise).
// With PROTOCOMM_RECORD=1 the exchanges are written to test/transcripts/ for the replay tests.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { httpTransport } from '../src/http';
import { SCENARIOS, type Scenario } from './esp-prov-scenarios';
import { deviceFor, recording, type Exchange, type Transcript } from './transcript';
import { HOME } from './rig';

const ESP_PROV = process.env.ESP_PROV;
const OLD_IDF = process.env.ESP_PROV_OLD_IDF;
const RECORD = process.env.PROTOCOMM_RECORD === '1';

function runEspProv(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ESP_PROV!, args, { env: Object.assign({}, process.env, env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
    child.stdin.end(stdin ?? '');
  });
}

async function play(s: Scenario): Promise<void> {
  const exchanges: Exchange[] = [];
  const http = httpTransport({ host: '127.0.0.1', port: 0 });
  const r = await deviceFor(s.device, [recording(http, exchanges)]);
  try {
    const port = http.address()!.port;
    for (const run of s.runs) {
      const env: Record<string, string> = { ESP_PROV_SEED: run.seed, ESP_PROV_POLL_SECONDS: '0', ESP_PROV_EXIT_ON_FAIL: '1' };
      if (run.secrets.pop) env.ESP_PROV_POP = run.secrets.pop;
      if (run.secrets.sec2Password) env.ESP_PROV_SEC2_PWD = run.secrets.sec2Password;
      if (run.secrets.passphrase) env.ESP_PROV_PASSPHRASE = run.secrets.passphrase;
      if (s.oldIdf) env.IDF_PATH = OLD_IDF!;
      const res = await runEspProv([...run.args, '--service_name', `127.0.0.1:${port}`], env, run.stdin);
      const said = `esp_prov exited ${res.code}:\n${res.out}`;
      if (run.outcome === 'success') {
        expect(res.code, said).toBe(0);
        if (!run.args.includes('--reset')) expect(res.out, said).toContain('Provisioning was successful');
      } else if (run.outcome === 'failed') {
        expect(res.code, said).toBe(2);
        expect(res.out, said).toContain('Provisioning failed');
      } else {
        expect(res.code, said).not.toBe(0);
        expect(res.out, said).not.toContain('Provisioning was successful');
      }
    }
    const last = s.runs[s.runs.length - 1]!;
    if (last.outcome === 'success' && !last.args.includes('--reset')) expect(r.dev.wifi.stored()).toEqual({ ssid: HOME.ssid, passphrase: HOME.passphrase });
    else expect(r.dev.wifi.stored()).toBeUndefined();
    // No secret in any log line.
    const logs = JSON.stringify(r.logs);
    for (const run of s.runs) for (const v of Object.values(run.secrets)) if (v) expect(logs).not.toContain(v);
    if (RECORD) {
      const t: Transcript = {
        name: s.name,
        description: s.description,
        device: s.device,
        runs: s.runs.map((run) => Object.assign({}, run, { idf: s.oldIdf ? 'ESP-IDF v5.5.4 tools/esp_prov' : 'ESP-IDF v5.5.5 tools/esp_prov' })),
        exchanges,
        clientReplay: s.clientReplay,
      };
      const dir = new URL('./transcripts/', import.meta.url);
      mkdirSync(dir, { recursive: true });
      writeFileSync(new URL(`${s.name}.json`, dir), `${JSON.stringify(t, null, 2)}\n`);
    }
  } finally {
    await r.close();
  }
}

if (!ESP_PROV) {
  describe.skip('real esp_prov: skipped because ESP_PROV is not set (point it at esp_prov.py or a wrapper that runs it)', () => {
    it('needs ESP_PROV', () => undefined);
  });
} else {
  describe('real esp_prov over HTTP', () => {
    for (const s of SCENARIOS) {
      const skip = s.oldIdf && !OLD_IDF ? 'needs ESP_PROV_OLD_IDF (an ESP-IDF v5.5.0–v5.5.4 tree)' : undefined;
      it.skipIf(!!skip)(`${s.name}: ${s.description}${skip ? ` (skipped: ${skip})` : ''}`, () => play(s), 120_000);
    }
  });
}
