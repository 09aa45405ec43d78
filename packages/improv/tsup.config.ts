import { defineConfig } from 'tsup';
import { library } from '../../scripts/tsup-library';

// Private members end in "_" and are mangled (the codec also runs on Espruino); serialport stays external.
export default defineConfig(library({ index: 'src/index.ts', serial: 'src/serial.ts' }, { mangle: true, platform: 'node', target: 'node20' }));
