// The entry of the Espruino module (dist/espruino/provision.min.js): what a device app uses from the
// core and this adapter, as one module. Each export is a variable for as long as the module is loaded,
// so the helpers for adapter authors (checkRecord, checkJournal, Emitter, defaultClock, patternFor,
// RECORD_VERSION) and the Mongoose OS config mapping (fromMgosConfig) stay in the npm packages.
export { createProvisioner, isProvisionError, provisionError, State, validateConfig, validateCredentials } from '@provision/core';
export {
  classifyWifiReason,
  createEspruinoButton,
  createEspruinoClock,
  createEspruinoLed,
  createEspruinoPorts,
  createEspruinoStorage,
  createEspruinoSystem,
  createEspruinoWifi,
} from './index';
