// The serialport transport's configuration (transports.improv of provision-linux) and its start on a
// real PTY: a clear error for every bad field, and the configured product in the device info.
import { describe, expect, it } from 'vitest';
import { createSimulatedDevice } from '@provision/core/testing';
import { encodeRpc } from '../src/index';
import { startImprovTransport, validateImprovConfig } from '../src/serial';
import { parseFrames, show } from './helpers';
import { createPtyPair, HAS_SOCAT, openWebSerial } from './pty';

describe('transports.improv configuration', () => {
  it('fills in defaults', () => {
    expect(validateImprovConfig({ path: '/dev/ttyGS0' })).toEqual({ path: '/dev/ttyGS0', baudRate: 115200, firmware: 'provision-linux', version: '0.0.0', connectTimeoutMs: 30000 });
  });

  it.each([
    [null, 'transports.improv: must be an object'],
    [{}, 'transports.improv.path: must name the serial device'],
    [{ path: '/dev/ttyGS0', baud: 9600 }, 'transports.improv.baud: unknown key; allowed: path, baudRate'],
    [{ path: '/dev/ttyGS0', baudRate: 12345 }, 'transports.improv.baudRate: must be one of 1200, 2400'],
    [{ path: '/dev/ttyGS0', firmware: '' }, 'transports.improv.firmware: must be a string of 1 to 64 bytes'],
    [{ path: '/dev/ttyGS0', connectTimeoutMs: 5 }, 'transports.improv.connectTimeoutMs: must be an integer 1000..600000; got an integer outside it'],
  ])('R9.1 refuses %j', (input, message) => {
    expect(() => validateImprovConfig(input)).toThrow(message);
    try {
      validateImprovConfig(input);
    } catch (e) {
      expect((e as { code: string }).code).toBe('invalid-config');
    }
  });

  it('R10.3 a refused value is described by its kind, never repeated', () => {
    for (const input of [{ path: '/dev/ttyGS0', baudRate: 4242 }, { path: '/dev/ttyGS0', connectTimeoutMs: 4242.5 }, { path: '/dev/ttyGS0', baudRate: 's3cret-4242' }]) {
      expect(() => validateImprovConfig(input)).toThrow(/got (an integer outside it|a non-integer number|a string)$/);
      expect(() => validateImprovConfig(input)).not.toThrow(/4242/);
    }
  });

  it('startImprovTransport rejects a bad configuration without opening anything', async () => {
    const dev = createSimulatedDevice();
    await expect(startImprovTransport(dev.prov, { path: '/dev/ttyGS0', baudRate: 7 })).rejects.toThrow('baudRate');
  });

  it('startImprovTransport rejects a device that does not exist', async () => {
    const dev = createSimulatedDevice();
    await expect(startImprovTransport(dev.prov, { path: '/dev/does-not-exist' })).rejects.toThrow(/does-not-exist|No such file/);
  });
});

describe.skipIf(!HAS_SOCAT)('startImprovTransport on a PTY', () => {
  it('answers with the configured product, and closes cleanly', async () => {
    const pair = await createPtyPair();
    const dev = createSimulatedDevice();
    await dev.start();
    const t = await startImprovTransport(dev.prov, { path: pair.device, firmware: 'thermostat', version: '2.0.0', deviceName: 'Hall' }, { platform: 'Linux arm64' });
    const client = await openWebSerial(pair.host);
    const got: number[] = [];
    const answered = new Promise<void>((resolve) =>
      client.port.on('data', (b: Buffer) => {
        got.push(...b);
        if (parseFrames(got).length > 0) resolve();
      }),
    );
    client.port.write(Buffer.from(encodeRpc(3, [])));
    await answered;
    expect(parseFrames(got).map(show)).toEqual([`result 3 ["thermostat","2.0.0","Linux arm64","Hall","Linux","${(await import('node:os')).release()}"]`]);
    await t.close();
    await client.close();
    await pair.close();
  });
});
