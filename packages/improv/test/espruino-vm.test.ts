// The Espruino module in a Node vm stripped of what Espruino lacks, sharing a fake console with a
// fake REPL the way Espruino's loopback devices do: REPL input and output pass unchanged, Improv
// frames are answered and never reach the REPL, each frame is written on a line of its own.
import { describe, expect, it } from 'vitest';
import { createSimulatedDevice } from '@provision/core/testing';
import { createEspruinoContext, evaluateBundle } from '../../../test-utils/espruino';
import { encodeRpc } from '../src/index';
import type { attachImprovEspruino as Attach } from '../src/espruino';
import { ensureBundle } from './bundle';
import { HOME, parseFrames, settingsData, show } from './helpers';

type Listener = (d: string) => void;

/** An Espruino Serial device: `on('data')` listeners, `write`, `setConsole`. */
function fakeSerial(name: string, consoleOf: { name: string }) {
  const listeners: Listener[] = [];
  const dev = {
    written: [] as (string | Uint8Array)[],
    on: (_e: string, l: Listener) => void listeners.push(l),
    removeListener: (_e: string, l: Listener) => void listeners.splice(listeners.indexOf(l), 1),
    write: (d: string | Uint8Array) => void dev.written.push(d),
    setConsole: () => void (consoleOf.name = name),
    emit: (d: string) => listeners.slice().forEach((l) => l(d)),
    listeners,
    text: () => dev.written.map((w) => (typeof w === 'string' ? w : Buffer.from(w).toString('latin1'))).join(''),
  };
  return dev;
}

describe('the Espruino module (vm without what Espruino lacks)', () => {
  it('shares the console with the REPL: other input and REPL output unchanged, frames answered, console given back on close', async () => {
    const code = ensureBundle();
    const ctx = createEspruinoContext();
    const consoleOf = { name: 'USB' };
    const usb = fakeSerial('USB', consoleOf);
    const loopA = fakeSerial('LoopbackA', consoleOf);
    const loopB = fakeSerial('LoopbackB', consoleOf);
    Object.assign(ctx, { E: { getConsole: () => consoleOf.name }, USB: usb, LoopbackA: loopA, LoopbackB: loopB });
    const mod = evaluateBundle(ctx, code, 'improv.min.js') as { attachImprovEspruino: typeof Attach; createImprovDevice: unknown };
    expect(Object.keys(mod).sort()).toEqual(['attachImprovEspruino', 'createImprovDevice']);

    const dev = createSimulatedDevice({ networks: { HomeNet: HOME.passphrase } });
    await dev.start();
    const t = mod.attachImprovEspruino(dev.prov, { clock: dev.clock, firmware: 'lamp', version: '1.0.0', platform: 'Espruino', deviceName: 'Lamp', nextUrl: 'http://{ip}/' });
    expect(consoleOf.name).toBe('LoopbackA');
    // What LoopbackB is written with is the REPL's input.
    const replInput = () => loopB.text();

    usb.emit("digitalWrite(LED1,1)\n");
    loopB.emit('=undefined\r\n>'); // the REPL answers (its output comes out of LoopbackB)
    usb.emit(Buffer.from(encodeRpc(3, [])).toString('latin1'));
    usb.emit('I');
    dev.clock.advance(100); // a lone "I" is released after the idle gap
    usb.emit('nfo()\n');
    usb.emit(Buffer.from(encodeRpc(1, settingsData(HOME.ssid, HOME.passphrase))).toString('latin1'));

    expect(replInput()).toBe('digitalWrite(LED1,1)\nInfo()\n');
    const out = usb.text();
    expect(out.startsWith('=undefined\r\n>\nIMPROV')).toBe(true); // a newline first: the prompt did not end the line
    expect(parseFrames([...Buffer.from(out, 'latin1')]).map(show)).toEqual([
      'result 3 ["lamp","1.0.0","Espruino","Lamp"]',
      'error 0',
      'state 3',
      'state 4',
      'result 1 ["http://192.168.1.50/"]',
    ]);
    expect(dev.wifi.stored()!.ssid).toBe('HomeNet');

    t.close();
    expect(consoleOf.name).toBe('USB');
    expect(usb.listeners.length).toBe(0);
    expect(loopB.listeners.length).toBe(0);
  });

  it('on a dedicated Serial port: frames answered, other bytes ignored, the console untouched', async () => {
    const code = ensureBundle();
    const ctx = createEspruinoContext();
    const consoleOf = { name: 'USB' };
    const serial2 = fakeSerial('Serial2', consoleOf);
    Object.assign(ctx, { E: { getConsole: () => consoleOf.name }, LoopbackA: fakeSerial('LoopbackA', consoleOf), LoopbackB: fakeSerial('LoopbackB', consoleOf) });
    const mod = evaluateBundle(ctx, code, 'improv.min.js') as { attachImprovEspruino: typeof Attach };
    const dev = createSimulatedDevice();
    await dev.start();
    mod.attachImprovEspruino(dev.prov, { port: serial2, clock: dev.clock, firmware: 'lamp', version: '1.0.0', platform: 'ESP32', deviceName: 'Lamp' });
    serial2.emit('noise\n' + Buffer.from(encodeRpc(2, [])).toString('latin1'));
    expect(parseFrames([...Buffer.from(serial2.text(), 'latin1')]).map(show)).toEqual(['state 2']);
    expect(consoleOf.name).toBe('USB');
  });
});
