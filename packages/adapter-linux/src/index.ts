/**
 * `@provision/adapter-linux`: the ports of `@provision/core` on Linux.
 *
 * @module
 */
export { createFileStorage, DEFAULT_STATE_DIR } from './storage';
export type { FileStorage, FileStorageOptions } from './storage';
export { writeFileDurable } from './atomic-write';
export { createGpioButton } from './gpio/button';
export type { GpioButton, GpioButtonOptions } from './gpio/button';
export { createGpioLed } from './gpio/led';
export type { GpioLed, GpioLedOptions } from './gpio/led';
export { detectLibgpiod } from './gpio/libgpiod';
export type { GpioBias, GpioLineOptions, LibgpiodMajor } from './gpio/libgpiod';
export { createSysfsLed } from './led';
export type { SysfsIo, SysfsLed, SysfsLedOptions } from './led';
export { createWifi, networkManagerManages, probeNetworkManager } from './wifi/detect';
export type { LinuxWifi, NetworkManagerProbe, WifiBackend, WifiOptions } from './wifi/detect';
export { createNetworkManagerWifi, classifyNmReason } from './wifi/network-manager';
export type { NetworkManagerOptions, NetworkManagerWifi } from './wifi/network-manager';
export { createWpaSupplicantWifi } from './wifi/wpa-supplicant';
export type { EapOptions, WpaSupplicantOptions, WpaSupplicantWifi } from './wifi/wpa-supplicant';
export { classifyWpaEvent } from './wifi/wpa-events';
export type { WpaEventMeaning } from './wifi/wpa-events';
export { createLinuxSystem } from './system';
export type { LinuxSystem, LinuxSystemOptions } from './system';
export { nodeClock } from './clock';
export { startDaemon } from './daemon/daemon';
export type { Daemon, DaemonEnd, DaemonOptions } from './daemon/daemon';
export { EXIT } from './daemon/exit-status';
export type { ExitStatus } from './daemon/exit-status';
export { DEFAULT_RUNTIME_DIR } from './daemon/control';
export type { ControlLimits } from './daemon/control';
export type { RebootPolicy } from './daemon/reboot';
export { isMgosConfig, loadDaemonConfig, parseDaemonConfig } from './daemon/config';
export type { DaemonButtonConfig, DaemonConfig, DaemonLedConfig, DaemonProtocommConfig, DaemonTransportsConfig, DaemonWifiConfig } from './daemon/config';
export { logLine } from './daemon/log';
export type { Logger } from './daemon/log';
export type { AdapterError, AdapterErrorCode } from './errors';
export type { AccessPoint, AccessPointBackend } from './access-point/access-point';
export { DEFAULT_AP_ADDRESS, resolveAccessPointSettings, shortIdFromMac } from './access-point/settings';
export type { AccessPointOptions, AccessPointSettings } from './access-point/settings';
export { createPortalServer } from './portal/server';
export type { PortalHandler, PortalLimits, PortalServer, PortalServerOptions, ResolvedPortalLimits } from './portal/server';
export { startPortalTransport } from './portal/transport';
export type { PortalConfig, PortalDeps, PortalTransport } from './portal/transport';
export { failureMessage } from './portal/status';
export type { PortalPhase, PortalStatus } from './portal/status';
export { createAccessPoint, interfaceShortId } from './access-point/detect';
export type { AccessPointBackendChoice, CreateAccessPointOptions } from './access-point/detect';
export { createHostapdAccessPoint } from './access-point/hostapd';
export type { HostapdAccessPoint, HostapdOptions } from './access-point/hostapd';
export type { HostapdDriver } from './access-point/hostapd-config';
export { createNmAccessPoint } from './access-point/network-manager';
export type { NmAccessPoint, NmAccessPointOptions } from './access-point/network-manager';
export { parsePortalConfig } from './portal/config';
export type { DaemonPortalConfig } from './portal/config';
export { launchPortal } from './portal/launch';
export type { LaunchPortalDeps } from './portal/launch';
