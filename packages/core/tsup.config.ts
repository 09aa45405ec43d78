import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

export default defineConfig(
  library({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'mgos/index': 'src/mgos.ts' }, { mangle: true }),
);
