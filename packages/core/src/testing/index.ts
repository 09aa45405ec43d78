/**
 * `@provision/core/testing`: simulated ports, a simulated clock, a whole simulated device, and the
 * adapter conformance suite. Use them to test your app without hardware, and to prove an adapter.
 *
 * @module
 */
export { SimulatedClock } from './simulated-clock';
export { createMemoryStorage } from './memory-storage';
export type { MemoryStorage } from './memory-storage';
export { createRecordingLed, createRecordingSystem, createSimulatedButton, createSimulatedWifi } from './simulated-ports';
export type { LedChange, NetworkAnswer, RecordingLed, RecordingSystem, SimulatedButton, SimulatedWifi } from './simulated-ports';
export { createSimulatedDevice } from './device';
export type { SimulatedDevice, SimulatedDeviceOptions } from './device';
export { runPortConformance } from './conformance';
export type {
  ButtonHarness,
  ClockHarness,
  ConformanceTarget,
  Disposable,
  LedHarness,
  LedObservation,
  StorageHarness,
  SystemHarness,
  TestApi,
  WifiHarness,
} from './conformance-types';
