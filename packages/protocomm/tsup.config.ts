import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

export default defineConfig([
  library({ index: 'src/index.ts' }, { target: 'node20', platform: 'node' }),
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
