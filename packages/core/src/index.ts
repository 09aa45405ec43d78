export type {
  ButtonEdge,
  ButtonPort,
  Clock,
  ConnectOptions,
  DisconnectReason,
  LedPort,
  MaybePromise,
  Ports,
  ProvisionRecord,
  ResetCause,
  ResetEntry,
  ResetJournal,
  ScanResult,
  StoragePort,
  SystemPort,
  TimerHandle,
  WifiCredentials,
  WifiEvent,
  WifiPort,
} from './ports';
export { createProvisioner, State } from './provisioner';
export type { Provisioner, ProvisionEvents, StateEvent, WarningEvent, WifiState, WifiStateEvent } from './provisioner';
export type { ButtonEvent, ButtonEventType } from './button';
export type { CredFailEvent, CredRecvEvent, SessionEvents, SessionState, SetStaConfigEvent } from './session';
export { validateConfig } from './config';
export type { ButtonConfig, LedConfig, LedPattern, ProvisionConfig, ResolvedConfig, SessionConfig, WifiConfig } from './config';
export { validateCredentials } from './credentials';
export { isProvisionError, provisionError } from './errors';
export type { ProvisionError, ProvisionErrorCode } from './errors';
export { patternFor } from './blink';
export { defaultClock } from './clock';
export { Emitter } from './emitter';
export type { Listener } from './emitter';
export { checkJournal, checkRecord, RECORD_VERSION } from './record';
