// The AT client's framing of +SYSMFG values against a lying length field, and the bounds on its buffers.
import { describe, expect, it } from 'vitest';
import { AT_LIMITS, SYSMFG_MAX_VALUE_BYTES } from '../src/at-client';
import { isAtError } from '../src/errors';
import type { AtError } from '../src/errors';
import { ModuleNvs } from '../src/nvs';
import type { EspAtSimulator } from '../src/simulator';
import { advance, flush, rig, settle } from './helpers';

const RECORD = '{"v":1,"max":3,"wifiConfigured":true}';
const READ = 'AT+SYSMFG=1,"provision","record"';

async function failure(p: Promise<unknown>): Promise<AtError> {
  try {
    await p;
  } catch (e) {
    if (isAtError(e)) return e;
    throw e;
  }
  throw new Error('expected the command to fail');
}

/** Rewrite the next response that contains `marker` (once), as a damaged UART line would. */
function damageNext(sim: EspAtSimulator, marker: string, edit: (text: string) => string): void {
  sim.faults.tamper = (bytes) => {
    const text = Buffer.from(bytes).toString('latin1');
    if (!text.includes(marker)) return bytes;
    sim.faults.tamper = undefined;
    return Buffer.from(edit(text), 'latin1');
  };
}

async function recordRig() {
  const r = await rig({ client: { commandTimeoutMs: 1000 } });
  r.sim.setNvsValue('provision', 'record', RECORD);
  return r;
}

describe('+SYSMFG length field (issue: one bad length wedged the client)', () => {
  it('a flipped digit that makes the length longer fails that read within one command timeout; the next commands work', async () => {
    const { clock, client, sim } = await recordRig();
    damageNext(sim, '+SYSMFG:', (t) => t.replace(`,${RECORD.length},`, `,${RECORD.length + 50},`));
    const t0 = clock.now();
    const e = await failure(settle(clock, client.send(READ)));
    expect(e.at.reason).toBe('timeout');
    expect(clock.now() - t0).toBeLessThanOrEqual(1000 + 20);
    expect(client.bufferedBytes).toBe(0);
    const r = await settle(clock, client.send(READ));
    expect(r.lines).toEqual([`+SYSMFG:"provision","record",7,${RECORD.length},${RECORD}`]);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });

  it('a flipped digit that makes the length shorter fails the read as garbled instead of returning a cut value', async () => {
    const { clock, client, sim } = await recordRig();
    damageNext(sim, '+SYSMFG:', (t) => t.replace(`,${RECORD.length},`, `,${RECORD.length - 10},`));
    const e = await failure(settle(clock, client.send(READ)));
    expect(e.at.reason).toBe('garbled');
    expect(e.message).toMatch(/length field/);
    expect((await settle(clock, client.send(READ))).lines[0]).toContain(RECORD);
  });

  it('a length beyond the cap is not waited for: the line is framed as text and the read reports the mismatch', async () => {
    const { clock, client, sim } = await recordRig();
    const nvs = new ModuleNvs(client, 'provision');
    damageNext(sim, '+SYSMFG:', (t) => t.replace(`,${RECORD.length},`, ',3700000000,'));
    const t0 = clock.now();
    const e = await failure(settle(clock, nvs.read('record')));
    expect(clock.now() - t0).toBeLessThan(1000);
    expect(e.message).toMatch(/length field says 3700000000/);
    expect(client.bufferedBytes).toBe(0);
    expect(await settle(clock, nvs.read('record'))).toBe(RECORD);
  });

  it('a +SYSMFG value header outside a read is an ordinary line: it does not swallow the next answers', async () => {
    const { clock, client, sim } = await recordRig();
    const seen: string[] = [];
    client.on('unsolicited', (l) => seen.push(l));
    sim.injectLine('+SYSMFG:"provision","record",7,3000,xyz');
    await advance(clock, 10);
    expect(client.bufferedBytes).toBe(0);
    expect(seen).toEqual(['+SYSMFG:"provision","record",7,3000,xyz']);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });

  it('a header naming another key than the one asked for is not used to frame a binary value', async () => {
    const { clock, client, sim } = await recordRig();
    sim.setNvsValue('provision', 'other', 'abc');
    damageNext(sim, '+SYSMFG:', (t) => `+SYSMFG:"provision","other",7,2000,\r\n` + t);
    const r = await settle(clock, client.send(READ));
    expect(r.lines).toContain(`+SYSMFG:"provision","record",7,${RECORD.length},${RECORD}`);
  });

  it('a dropped value line is an error, not a missing key', async () => {
    const { clock, client, sim } = await recordRig();
    const nvs = new ModuleNvs(client, 'provision');
    damageNext(sim, '+SYSMFG:', (t) => t.replace(/\+SYSMFG:[^\r\n]*\r\n/, ''));
    const e = await failure(settle(clock, nvs.read('record')));
    expect(e.at.reason).toBe('garbled');
    expect(e.message).toMatch(/no value line/);
  });

  it('a timeout drops the half-received line; the re-sync answer is read from a clean line', async () => {
    const { clock, client, sim } = await recordRig();
    damageNext(sim, '+CWMODE:', () => '+CWMODE:1\r\n\r\nO'); // the final OK cut short
    expect((await failure(settle(clock, client.send('AT+CWMODE?')))).at.reason).toBe('timeout');
    expect(client.bufferedBytes).toBe(0);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });

  it(`the cap is documented as ${SYSMFG_MAX_VALUE_BYTES} bytes and a value of exactly that size still reads back`, async () => {
    const { clock, client, sim } = await recordRig();
    const big = 'x'.repeat(SYSMFG_MAX_VALUE_BYTES);
    sim.setNvsValue('provision', 'big', big);
    sim.faults.split = 7;
    expect(await settle(clock, new ModuleNvs(client, 'provision').read('big'))).toBe(big);
  });
});

describe('answers are matched to the command that was in flight when they were printed', () => {
  it('a line after a final result in the same chunk (a duplicated OK) is not taken for the next command', async () => {
    const { clock, client, sim } = await recordRig();
    damageNext(sim, '+CWMODE:', (t) => t + '\r\nOK\r\n');
    const first = client.send('AT+CWMODE?');
    const read = client.send(READ);
    expect((await settle(clock, first)).lines).toEqual(['+CWMODE:1']);
    expect((await settle(clock, read)).lines).toEqual([`+SYSMFG:"provision","record",7,${RECORD.length},${RECORD}`]);
  });

  it('a write sent as the module finishes booting waits for its > and stores exactly its value, never the ATE0 after ready', async () => {
    const { clock, client, sim } = await recordRig();
    const nvs = new ModuleNvs(client, 'provision');
    // The answer to a probe arrives cut before its CR/LF; the boot's ready completes it in one chunk.
    sim.faults.mute = true;
    await failure(settle(clock, client.send('AT+CWMODE?')));
    sim.faults.mute = false;
    damageNext(sim, '+SYSSTORE:', (t) => t.replace(/\r\n$/, ''));
    const write = nvs.write('record', '{"v":1,"max":2,"wifiConfigured":true}');
    await flush(); // the re-sync probe is answered, cut before its final CR/LF …
    sim.reboot(); // … and the boot's "\r\nready\r\n" completes that line
    await settle(clock, write.catch(() => undefined));
    const stored = sim.nvsValue('provision', 'record');
    expect([RECORD, '{"v":1,"max":2,"wifiConfigured":true}']).toContain(stored);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });
});

describe('bounded buffers', () => {
  it('a line that never ends is dropped at the line limit', async () => {
    const { clock, client, sim } = await recordRig();
    let max = 0;
    for (let i = 0; i < 40; i++) {
      sim.injectBytes(new Uint8Array(1024).fill(0x41));
      await advance(clock, 10);
      max = Math.max(max, client.bufferedBytes);
    }
    expect(max).toBeLessThanOrEqual(AT_LIMITS.lineBytes + 1024);
    sim.injectBytes(Uint8Array.from([0x0d, 0x0a]));
    expect((await settle(clock, client.send('AT'))).result).toBe('OK');
  });

  it('a response that never stops is failed as garbled at the response limit, holding no more than the limit', async () => {
    const { clock, client, sim } = await recordRig();
    const flood = Array.from({ length: AT_LIMITS.responseLines + 50 }, (_, i) => `+CWLAP:(3,"net${i}",-50,"24:0a:00:00:00:00",6,-1,-1,4,4,7,0)`);
    sim.faults.unsolicitedInNextResponse = flood;
    const e = await failure(settle(clock, client.send('AT+CWLAP', { timeoutMs: 20000 })));
    expect(e.at.reason).toBe('garbled');
    expect(e.at.lines.length).toBeLessThanOrEqual(AT_LIMITS.responseLines);
    expect(e.message).toMatch(/exceeded/);
  });

  it('the command queue is bounded: beyond the limit a command is refused with a clear error', async () => {
    const { clock, client, sim } = await recordRig();
    sim.faults.mute = true;
    const pending = Array.from({ length: AT_LIMITS.queuedCommands + 1 }, () => client.send('AT').catch((e: unknown) => e));
    const refused = await client.send('AT').catch((e: unknown) => e);
    expect(isAtError(refused, 'busy')).toBe(true);
    expect((refused as Error).message).toMatch(/at most 256/);
    await client.close();
    await settle(clock, Promise.all(pending));
  });
});
