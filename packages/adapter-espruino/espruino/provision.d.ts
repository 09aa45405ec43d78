// Types of dist/espruino/provision.min.js, the full Espruino build (Wi-Fi boards: ESP32, ESP8266,
// Espruino WiFi), for apps written in TypeScript that load it with require("provision").
export { createProvisioner, isProvisionError, provisionError, State, validateConfig, validateCredentials } from '@provision/core';
export type { Provisioner, ProvisionConfig, ProvisionError, ProvisionEvents } from '@provision/core';
export { createEspruinoPorts } from '@provision/adapter-espruino';
export type { EspruinoPorts, EspruinoPortsOptions } from '@provision/adapter-espruino';
