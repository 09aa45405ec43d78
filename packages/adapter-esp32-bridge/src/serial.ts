import { SerialPort } from 'serialport';

/** Options of {@link openSerial}. */
export interface OpenSerialOptions {
  /** Baud rate of the module's AT UART (ESP-AT's factory default is 115200, 8N1). */
  baudRate?: number;
  /** Hardware flow control (RTS/CTS); only when both lines are wired (default false). */
  rtscts?: boolean;
}

/**
 * Open a serial port to an ESP-AT module with `serialport`, 8N1, and resolve once it is open.
 *
 * Pass it as a function to {@link AtClient} so a port that disappears (USB adapter unplugged) is
 * re-opened automatically.
 *
 * @example
 * ```ts
 * const client = new AtClient(() => openSerial('/dev/ttyUSB0', { baudRate: 115200 }));
 * ```
 */
export function openSerial(path: string, options: OpenSerialOptions = {}): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({
      path,
      baudRate: options.baudRate ?? 115200,
      dataBits: 8,
      stopBits: 1,
      parity: 'none',
      rtscts: options.rtscts ?? false,
      autoOpen: false,
    });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}
