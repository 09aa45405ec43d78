// The entry of the Espruino module (dist/espruino/provision.min.js): what a device app uses from the
// core and this adapter, as one module. Each export is a variable for as long as the module is loaded,
// so the helpers for adapter authors (checkRecord, checkJournal, Emitter, defaultClock, patternFor,
// RECORD_VERSION), the Mongoose OS config mapping (fromMgosConfig), the single-port factories and
// classifyWifiReason stay in the npm packages: createEspruinoPorts() gives every port a board has.
export { createProvisioner, isProvisionError, provisionError, State, validateConfig, validateCredentials } from '@provision/core';
export { createEspruinoPorts } from './index';
