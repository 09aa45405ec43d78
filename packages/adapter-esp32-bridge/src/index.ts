/**
 * provision ports for a Node.js host whose Wi-Fi (and optionally button and LED) live on an ESP32
 * running Espressif's stock ESP-AT firmware, over a UART.
 *
 * @module
 */
export { AT_LIMITS, AtClient, SYSMFG_MAX_VALUE_BYTES } from './at-client';
export type { AtClientEvents, AtClientOptions, AtResponse, AtTransport, SendOptions } from './at-client';
export { isAtError } from './errors';
export type { AtError, AtFailure, AtFailureReason } from './errors';
export { atQuote, splitAtArgs } from './escape';
export { openSerial } from './serial';
export type { OpenSerialOptions } from './serial';
export { classifyCwjap, createModuleWifi, CWJAP_CODES } from './wifi';
export type { ModuleWifi, ModuleWifiOptions } from './wifi';
export { ModuleProvisioning } from './provisioning-modes';
export type {
  BlufiOptions,
  ModeOptions,
  ModeStopReason,
  ModeSupport,
  ModuleProvisioningEvents,
  ModuleProvisioningOptions,
  ProvisioningModeName,
  SmartConfigOptions,
  SmartConfigType,
} from './provisioning-modes';
export {
  firmwareVersionOf,
  MAX_PASSWORD_BYTES,
  MAX_SSID_BYTES,
  parseBlufiLine,
  parseCommandList,
  parseCwstate,
  parseWpsLine,
  SmartConfigParser,
} from './mode-lines';
export type { BlufiLine, SmartConfigLine } from './mode-lines';
export { createModuleSystem } from './system';
export type { ModuleSystem, ModuleSystemOptions } from './system';
export { createModuleStorage, JOURNAL_KEY, RECORD_KEY, WIFI_MARKER_KEY } from './storage';
export type { ModuleStorage, ModuleStorageOptions } from './storage';
export { ModuleNvs, VERIFIED_READ_ATTEMPTS } from './nvs';
export { CHIPS, checkPin } from './chips';
export type { ChipGpio, ChipName, GpioBank, PinUse } from './chips';
export { createModuleButton, createModuleLed, readRegister, writeRegister } from './gpio';
export type { ModuleButtonOptions, ModuleLedOptions } from './gpio';
export { createEsp32Bridge } from './bridge';
export type { Esp32Bridge, Esp32BridgeOptions } from './bridge';
