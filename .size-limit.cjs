// Size budgets per public entry, minified and brotli-compressed as an app's bundler would ship them.
module.exports = [
  { name: '@provision/core (ESM entry, everything)', path: 'packages/core/dist/index.js', import: '*', limit: '6.2 KB', brotli: true },
  { name: '@provision/core (createProvisioner only)', path: 'packages/core/dist/index.js', import: '{ createProvisioner }', limit: '6 KB', brotli: true },
  { name: '@provision/core Espruino bundle (minified)', path: 'packages/core/dist/espruino/provision-core.min.js', limit: '8 KB', brotli: true },
  { name: '@provision/improv (ESM entry, everything)', path: 'packages/improv/dist/index.js', import: '*', limit: '3.6 KB', brotli: true },
  { name: '@provision/improv Espruino module (minified)', path: 'packages/improv/dist/espruino/improv.min.js', limit: '4 KB', brotli: true },
];
