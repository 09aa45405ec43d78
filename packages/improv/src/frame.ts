// Outgoing Improv serial frames: `IMPROV`, version, type, length, data, checksum, newline.
import { IMPROV_VERSION, ImprovType } from './protocol';
import { utf8Encode } from './utf8';

/** The bytes every frame starts with: `IMPROV` and the version. @internal */
export const MAGIC = [0x49, 0x4d, 0x50, 0x52, 0x4f, 0x56, IMPROV_VERSION];

/**
 * One frame carrying `data` (0..255 bytes), checksum and the trailing newline ESPHome and the
 * reference client write.
 *
 * @param type - an {@link ImprovType}
 * @param data - the payload bytes
 * @returns the frame's bytes
 * @throws when `data` is longer than 255 bytes (a length byte cannot say more)
 */
export function encodeFrame(type: number, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  if (n > 255) throw new Error(`Improv frame data is ${n} bytes; at most 255 fit`);
  const out = new Uint8Array(n + 11);
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += out[i] = MAGIC[i];
  sum += out[7] = type;
  sum += out[8] = n;
  for (let i = 0; i < n; i++) sum += out[9 + i] = data[i];
  out[9 + n] = sum & 255;
  out[10 + n] = 10;
  return out;
}

/**
 * An RPC result frame: `[command][length]` then each string as `[strlen][UTF-8 bytes]`. Strings that
 * do not fit in one frame are cut (whole characters are not guaranteed: keep them short).
 *
 * The reference client (`improv-wifi-serial-sdk`) resets its line reader on a newline byte among the
 * first nine bytes of a frame, so a frame whose length byte is 10 never reaches it: such a result gets
 * one more, empty, string (the client reads the strings it expects by position).
 *
 * @param command - the {@link ImprovCommand} answered
 * @param strings - the result's strings
 * @returns the frame's bytes
 */
export function encodeRpcResult(command: number, strings: string[]): Uint8Array {
  const data: number[] = [command, 0];
  for (let i = 0; i < strings.length; i++) {
    let b = utf8Encode(strings[i]);
    const room = 253 - (data.length - 2) - 1;
    if (room < 0) break;
    if (b.length > room) b = b.slice(0, room);
    data.push(b.length);
    for (let k = 0; k < b.length; k++) data.push(b[k]);
  }
  if (data.length === 10) data.push(0);
  data[1] = data.length - 2;
  return encodeFrame(ImprovType.RpcResult, data);
}

/**
 * A current-state frame.
 * @param state - an {@link ImprovState}
 */
export function encodeState(state: number): Uint8Array {
  return encodeFrame(ImprovType.CurrentState, [state]);
}

/**
 * An error-state frame.
 * @param error - an {@link ImprovError}
 */
export function encodeError(error: number): Uint8Array {
  return encodeFrame(ImprovType.ErrorState, [error]);
}

/**
 * An RPC frame as a client sends it: `[command][length][data]`. For tests and for hosts that act as
 * the client.
 *
 * @param command - the {@link ImprovCommand}
 * @param data - the command's bytes (at most 253)
 */
export function encodeRpc(command: number, data: ArrayLike<number>): Uint8Array {
  const d: number[] = [command, data.length];
  for (let i = 0; i < data.length; i++) d.push(data[i]);
  return encodeFrame(ImprovType.Rpc, d);
}
