// The published Espruino files load with Node's require(): they are CommonJS inside "type": "module"
// packages, and dist/espruino/package.json says so (to Node and to bundlers). Without it, require()
// failed with "module is not defined in ES module scope".
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBundle } from '../../../test-utils/espruino';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

describe("require('@provision/core/espruino') in Node", () => {
  it('loads the Espruino bundle as CommonJS and gives its exports', () => {
    ensureBundle({ bundle: join(PKG, 'dist', 'espruino', 'provision-core.min.js'), sources: [join(PKG, 'src')], build: 'pnpm --filter @provision/core build', cwd: join(PKG, '..', '..') });
    const P = require('@provision/core/espruino') as { createProvisioner: unknown; fromMgosConfig: unknown; State: { CloudConnected: number } };
    expect(typeof P.createProvisioner).toBe('function');
    expect(typeof P.fromMgosConfig).toBe('function');
    expect(P.State.CloudConnected).toBe(3);
    expect(require('@provision/core/package.json').exports['./espruino']).toBe('./dist/espruino/provision-core.min.js');
  });
});
