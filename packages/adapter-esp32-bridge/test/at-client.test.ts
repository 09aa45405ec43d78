import { describe, expect, it } from 'vitest';
import { AtClient } from '../src/at-client';
import { isAtError } from '../src/errors';
import type { AtError } from '../src/errors';
import { atQuote, splitAtArgs } from '../src/escape';
import { attachToMockBinding, EspAtSimulator } from '../src/simulator';
import { advance, HOME, rig, settle, SimulatedClock, until } from './helpers';

async function failure(p: Promise<unknown>): Promise<AtError> {
  try {
    await p;
  } catch (e) {
    if (isAtError(e)) return e;
    throw e;
  }
  throw new Error('expected the command to fail');
}

describe('argument escaping', () => {
  it('escapes , " and \\ with a backslash, as the ESP-AT manual example', () => {
    expect(atQuote('abc')).toBe('"abc"');
    expect(atQuote('ab\\,c')).toBe('"ab\\\\\\,c"');
    expect(atQuote('0123456789"\\')).toBe('"0123456789\\"\\\\"');
  });

  it('splitAtArgs undoes atQuote and keeps empty positions', () => {
    const tricky = ['a,b', 'say "hi"', 'back\\slash', ''];
    expect(splitAtArgs(tricky.map(atQuote).join(','))).toEqual(tricky);
    expect(splitAtArgs('"x",,3')).toEqual(['x', undefined, '3']);
    expect(() => splitAtArgs('"open')).toThrow(/unterminated/);
  });
});

describe('AtClient framing', () => {
  it('switches echo off on open and drops the echoed ATE0', async () => {
    const { clock, client, sim } = await rig();
    const seen: string[] = [];
    client.on('unsolicited', (l) => seen.push(l));
    const r = await settle(clock, client.send('AT+CWMODE?'));
    expect(r).toEqual({ lines: ['+CWMODE:1'], result: 'OK' });
    expect(sim.received).toEqual(['ATE0', 'AT+CWMODE?']);
    expect(seen).toEqual([]);
  });

  it('takes unsolicited lines out of a response, even mid-response', async () => {
    const { clock, client, sim } = await rig();
    const seen: string[] = [];
    client.on('unsolicited', (l) => seen.push(l));
    sim.faults.unsolicitedInNextResponse = ['WIFI DISCONNECT', '+CWJAP:3', 'ERR CODE:0x01090000'];
    const r = await settle(clock, client.send('AT+CIPSTA?'));
    expect(r.lines).toEqual(['+CIPSTA:ip:"0.0.0.0"', '+CIPSTA:gateway:"0.0.0.0"', '+CIPSTA:netmask:"0.0.0.0"']);
    expect(seen).toEqual(['WIFI DISCONNECT', '+CWJAP:3', 'ERR CODE:0x01090000']);
  });

  it('reassembles lines split into 1..3-byte chunks and lines merged into one chunk', async () => {
    for (const fault of [{ split: 3 }, { split: 1 }, { merge: true }]) {
      const { clock, client, sim } = await rig();
      Object.assign(sim.faults, fault);
      sim.addNetwork({ ssid: HOME.ssid, passphrase: HOME.passphrase });
      const seen: string[] = [];
      client.on('unsolicited', (l) => seen.push(l));
      const r = await settle(clock, client.send(`AT+CWJAP=${atQuote(HOME.ssid)},${atQuote(HOME.passphrase)}`, { timeoutMs: 20000 }));
      expect(r.result).toBe('OK');
      expect(seen).toEqual(['WIFI CONNECTED', 'WIFI GOT IP']);
      const state = await settle(clock, client.send('AT+CWSTATE?'));
      expect(state.lines).toEqual([`+CWSTATE:2,"${HOME.ssid}"`]);
    }
  });

  it('re-sends a command the module refused with busy p...', async () => {
    const { clock, client, sim } = await rig({ client: { busyRetryDelayMs: 100 } });
    sim.faults.busy = 3;
    const r = await settle(clock, client.send('AT+SYSSTORE?'));
    expect(r.lines).toEqual(['+SYSSTORE:1']);
    expect(sim.received.filter((l) => l === 'AT+SYSSTORE?')).toHaveLength(4);
  });

  it('fails with reason busy when the module stays busy past the retry budget', async () => {
    const { clock, client, sim } = await rig({ client: { busyRetryDelayMs: 50, busyRetries: 2 } });
    sim.faults.busy = 10;
    const e = await failure(settle(clock, client.send('AT+CWMODE?')));
    expect(e.at.reason).toBe('busy');
    expect(e.code).toBe('transport');
    expect(e.message).toContain('AT+CWMODE?');
  });

  it('a command sent while another runs waits its turn (one in flight)', async () => {
    const { clock, client, sim } = await rig();
    sim.addNetwork(HOME);
    const join = client.send(`AT+CWJAP=${atQuote(HOME.ssid)},${atQuote(HOME.passphrase)}`, { timeoutMs: 20000 });
    const state = client.send('AT+CWSTATE?');
    await settle(clock, join);
    expect((await settle(clock, state)).lines).toEqual([`+CWSTATE:2,"${HOME.ssid}"`]);
    expect(sim.received.filter((l) => l.startsWith('busy'))).toEqual([]);
  });

  it('a garbled line inside a response fails that command with reason garbled; the next one works', async () => {
    const { clock, client, sim } = await rig();
    const garbage: Uint8Array[] = [];
    client.on('garbage', (g) => garbage.push(g));
    sim.faults.garbageInNextResponse = true;
    const e = await failure(settle(clock, client.send('AT+CIPSTA?')));
    expect(e.at.reason).toBe('garbled');
    expect(garbage.length).toBeGreaterThan(0);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });

  it('garbage between commands is reported and dropped', async () => {
    const { clock, client, sim } = await rig();
    const garbage: Uint8Array[] = [];
    client.on('garbage', (g) => garbage.push(g));
    sim.injectBytes(Uint8Array.from([0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a]));
    await advance(clock, 10);
    expect(garbage).toHaveLength(1);
    expect((await settle(clock, client.send('AT'))).result).toBe('OK');
  });

  it('a module that stops answering gives a timeout error, not a hang; it re-syncs when it answers again', async () => {
    const { clock, client, sim } = await rig({ client: { commandTimeoutMs: 1000 } });
    const timeouts: string[] = [];
    client.on('timeout', (c) => timeouts.push(c));
    sim.faults.mute = true;
    const started = clock.now();
    const e = await failure(settle(clock, client.send('AT+CWMODE=1')));
    expect(e.code).toBe('timeout');
    expect(e.at.reason).toBe('timeout');
    expect(e.message).toMatch(/AT\+CWMODE=… got no answer within 1000 ms/);
    expect(clock.now() - started).toBeGreaterThanOrEqual(1000);
    expect(timeouts).toEqual(['AT+CWMODE=…']);
    // Still silent: the next command fails too, saying the module is not answering.
    const e2 = await failure(settle(clock, client.send('AT+CWMODE?')));
    expect(e2.message).toMatch(/not answering/);
    sim.faults.mute = false;
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
    expect(sim.received.slice(-2)).toEqual(['AT+SYSSTORE?', 'AT+CWMODE?']);
  });

  it('a late answer to a timed-out command is not taken for the next command’s', async () => {
    const { clock, client, sim } = await rig({ sim: { joinDelayMs: 3000 }, client: { busyRetryDelayMs: 100 } });
    sim.addNetwork(HOME);
    const e = await failure(settle(clock, client.send(`AT+CWJAP=${atQuote(HOME.ssid)},${atQuote(HOME.passphrase)}`, { timeoutMs: 1000 })));
    expect(e.at.reason).toBe('timeout');
    // The join is still running: the sync probe meets busy p..., then the join's late OK, then answers.
    const r = await settle(clock, client.send('AT+CWMODE?'));
    expect(r.lines).toEqual(['+CWMODE:1']);
  });

  it('a reboot mid-command fails it with reason reset, and echo is switched off again', async () => {
    const { clock, client, sim } = await rig();
    sim.addNetwork(HOME);
    sim.faults.rebootDuring = 'AT+CWJAP';
    let readies = 0;
    client.on('ready', () => readies++);
    const e = await failure(settle(clock, client.send(`AT+CWJAP=${atQuote(HOME.ssid)},${atQuote(HOME.passphrase)}`, { timeoutMs: 20000 })));
    expect(e.at.reason).toBe('reset');
    expect(readies).toBe(1);
    expect((await settle(clock, client.send('AT+CWSTATE?'))).lines).toEqual(['+CWSTATE:0,""']);
    expect(sim.received.slice(-2)).toEqual(['ATE0', 'AT+CWSTATE?']);
  });

  it('restart() waits for ready after AT+RST and AT+RESTORE', async () => {
    const { clock, client, sim } = await rig({ sim: { bootDelayMs: 2000 } });
    const boots = sim.boots;
    let done = false;
    const p = client.restart('AT+RST').then(() => (done = true));
    await advance(clock, 1000);
    expect(done).toBe(false);
    await settle(clock, p);
    expect(sim.boots).toBe(boots + 1);
    await settle(clock, client.restart('AT+RESTORE'));
    expect(sim.boots).toBe(boots + 2);
    expect((await settle(clock, client.send('AT'))).result).toBe('OK');
    expect(sim.received.slice(-2)).toEqual(['ATE0', 'AT']);
  });

  it('restart() fails with a timeout when ready never comes', async () => {
    const { clock, client, sim } = await rig({ sim: { bootDelayMs: 60_000 }, client: { readyTimeoutMs: 5000 } });
    const e = await failure(settle(clock, client.restart('AT+RST')));
    expect(e.at.reason).toBe('timeout');
    expect(e.message).toMatch(/did not print ready within 5000 ms/);
    void sim;
  });

  it('sendData() waits for the > prompt, and binary values with CR/LF read back exactly', async () => {
    const { clock, client, sim } = await rig({});
    sim.faults.split = 2;
    const value = Uint8Array.from([0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x3e, 0x00, 0xff]);
    await settle(clock, client.sendData(`AT+SYSMFG=2,"blob","k",8,${value.length}`, value));
    const r = await settle(clock, client.send('AT+SYSMFG=1,"blob","k"'));
    expect(r.lines).toHaveLength(1);
    const header = '+SYSMFG:"blob","k",8,9,';
    expect(r.lines[0]!.startsWith(header)).toBe(true);
    expect(Buffer.from(r.lines[0]!.slice(header.length), 'utf8').length).toBeGreaterThan(0);
    expect(sim.nvsValue('blob', 'k')).toBe(new TextDecoder().decode(value));
  });

  it('ERROR carries the detail lines and the ERR CODE, and never the arguments', async () => {
    const { clock, client, sim } = await rig();
    await settle(clock, client.send('AT+SYSLOG=1'));
    const e = await failure(settle(clock, client.send('AT+NOSUCH')));
    expect(e.at).toMatchObject({ reason: 'error', command: 'AT+NOSUCH', errCode: 0x01090000 });
    const j = await failure(settle(clock, client.send(`AT+CWJAP=${atQuote('Nowhere')},${atQuote('s3cret-pass')}`, { timeoutMs: 20000 })));
    expect(j.at.lines).toEqual(['+CWJAP:3']);
    expect(j.message).toContain('+CWJAP:3');
    expect(JSON.stringify({ m: j.message, at: j.at })).not.toContain('s3cret-pass');
    void sim;
  });

  it('a closed port fails pending commands with reason closed; a transport function re-opens it', async () => {
    const clock = new SimulatedClock();
    const sim = new EspAtSimulator({ clock });
    const mock = attachToMockBinding(sim);
    const streams: Array<{ destroy(): void }> = [];
    const client = new AtClient(
      async () => {
        const s = await mock.open();
        streams.push(s);
        return s;
      },
      { clock, reconnectDelayMs: 500 },
    );
    await settle(clock, client.open());
    const events: string[] = [];
    client.on('disconnected', () => events.push('disconnected'));
    client.on('reconnected', () => events.push('reconnected'));
    sim.faults.mute = true;
    const pending = client.send('AT+CWMODE?');
    await advance(clock, 10);
    streams[0]!.destroy();
    const e = await failure(settle(clock, pending));
    expect(e.at.reason).toBe('closed');
    const whileDown = await failure(client.send('AT'));
    expect(whileDown.message).toMatch(/reconnecting/);
    sim.faults.mute = false;
    await until(clock, () => events.includes('reconnected'));
    expect(events).toEqual(['disconnected', 'reconnected']);
    expect(streams).toHaveLength(2);
    const r = await settle(clock, client.send('AT+CWMODE?'));
    expect(r.lines).toEqual(['+CWMODE:1']);
    await client.close();
  });

  it('close() rejects queued commands and does not reconnect', async () => {
    const { clock, client, sim } = await rig();
    sim.faults.mute = true;
    const p = client.send('AT');
    await client.close();
    expect((await failure(p)).at.reason).toBe('closed');
    expect(client.isOpen).toBe(false);
    await advance(clock, 5000);
    expect(client.isOpen).toBe(false);
  });
  it('a module powering on while open() waits: boot noise is dropped, ready ends the wait, echo goes off', async () => {
    const clock = new SimulatedClock();
    const sim = new EspAtSimulator({ clock, running: false, bootDelayMs: 500 });
    sim.faults.bootNoise = true;
    const client = new AtClient(sim, { clock, commandTimeoutMs: 2000 });
    const garbage: Uint8Array[] = [];
    client.on('garbage', (g) => garbage.push(g));
    const opening = client.open();
    await advance(clock, 100);
    sim.powerOn();
    await settle(clock, opening);
    expect(garbage.length).toBeGreaterThan(0);
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
    expect(sim.received.slice(-2)).toEqual(['ATE0', 'AT+CWMODE?']);
  });

  it('a command lost on the line times out; the link re-syncs and goes on', async () => {
    const { clock, client, sim } = await rig({ client: { commandTimeoutMs: 500 } });
    sim.faults.drop = 1;
    expect((await failure(settle(clock, client.send('AT+CWMODE=1')))).at.reason).toBe('timeout');
    expect((await settle(clock, client.send('AT+CWMODE?'))).lines).toEqual(['+CWMODE:1']);
  });
});
