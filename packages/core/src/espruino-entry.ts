// The entry of the Espruino module (dist/espruino/provision-core.min.js): the package entry plus
// `@provision/core/mgos`, as one module (on Espruino there are no subpath imports).
export * from './index';
export * from './mgos';
