// The entry of the Espruino module (dist/espruino/provision.min.js): everything an app needs from the
// core and this adapter, as one module.
export * from '@provision/core';
export * from '@provision/core/mgos';
export * from './index';
