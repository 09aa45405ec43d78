/**
 * A simulated ESP-AT module for tests without hardware, and helpers that put it behind
 * `@serialport/binding-mock` or a pseudo-terminal.
 *
 * @module
 */
export { EspAtSimulator } from './module';
export type { EspAtSimulatorOptions, SimFaults, SimNetwork } from './module';
export { SimPhoneLink, SimSoftAp } from './softap';
export { createSimPhone } from './phone';
export type { SimPhone } from './phone';
export type { SimPhoneOptions, SimSoftApHost, SimSoftApOptions } from './softap';
export { SimProvisioningModes } from './provisioning-modes';
export type { SimModeFaults, SimModeHost, SimModeOptions } from './provisioning-modes';
export { SimRegisters } from './registers';
export type { SimPinState } from './registers';
export { attachToMockBinding, attachToPty, createPtyPair } from './attach';
export type { MockAttachment, PtyAttachment, PtyPair, SimBinding } from './attach';
