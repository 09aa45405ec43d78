/**
 * `@provision/improv`: Improv Wi-Fi over serial, the protocol of ESPHome, WLED and ESP Web Tools.
 * This entry is pure code in the Espruino language subset (the codec and the device); the Node
 * transport over `serialport` is `@provision/improv/serial`, the Espruino module
 * `@provision/improv/espruino`.
 *
 * @module
 */
export { ImprovCommand, ImprovError, ImprovState, ImprovType, IMPROV_VERSION } from './protocol';
export { encodeError, encodeFrame, encodeRpc, encodeRpcResult, encodeState } from './frame';
export { ImprovDecoder } from './decoder';
export type { ImprovDecoderHandlers, ImprovDecoderOptions } from './decoder';
export { createImprovDevice } from './device';
export type { ImprovDevice, ImprovDeviceOptions, ImprovHostname, ImprovUrlContext } from './device';
