// Size budgets per public entry, minified and brotli-compressed as an app's bundler would ship them.
// Raised by 0.7 kB for the unknown-record and boot-consistency rules (R3.7, R3.8), the reset step time
// limit (R7.3) and config errors that suggest the misspelt key without echoing values; by 0.1 kB for
// long-lived callbacks as named, bound methods (one variable-cheap function on Espruino each).
module.exports = [
  { name: '@provision/core (ESM entry, everything)', path: 'packages/core/dist/index.js', import: '*', limit: '7 KB', brotli: true },
  { name: '@provision/core (createProvisioner only)', path: 'packages/core/dist/index.js', import: '{ createProvisioner }', limit: '6.8 KB', brotli: true },
  { name: '@provision/core Espruino bundle (minified)', path: 'packages/core/dist/espruino/provision-core.min.js', limit: '8 KB', brotli: true },
  { name: '@provision/improv (ESM entry, everything)', path: 'packages/improv/dist/index.js', import: '*', limit: '3.6 KB', brotli: true },
  { name: '@provision/improv Espruino module (minified)', path: 'packages/improv/dist/espruino/improv.min.js', limit: '4 KB', brotli: true },
];
