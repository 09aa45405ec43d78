// The entry of the Espruino module (dist/espruino/improv.min.js), required by a device app only when
// it wants Improv: the device and its Espruino transport. It uses the provisioner it is given, so the
// core is not bundled again.
export { createImprovDevice } from './device';
export { attachImprovEspruino } from './espruino';
