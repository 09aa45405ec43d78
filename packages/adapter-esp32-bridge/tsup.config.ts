import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

export default defineConfig(
  library({ index: 'src/index.ts', 'simulator/index': 'src/simulator/index.ts', softap: 'src/softap.ts' }, { target: 'node20', platform: 'node' }),
);
