import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

export default defineConfig(library({ index: 'src/index.ts' }, { mangle: true }));
