// The AccessPoint port: the provisioning access point (SoftAP) the person's phone joins (R11.5).
import type { MaybePromise } from '@provision/core';
import type { AccessPointSettings } from './settings';

/** Which program raises the access point. */
export type AccessPointBackend = 'network-manager' | 'hostapd';

/**
 * The provisioning access point.
 *
 * - `start()` raises it; first it removes anything a previous run left behind (a stale in-memory
 *   NetworkManager connection, or hostapd/dnsmasq still running after the daemon was killed). Starting
 *   an access point that is up does nothing.
 * - `stop()` tears it down and leaves nothing behind; stopping one that is down does nothing.
 * - `concurrent()` says whether the radio can keep the access point up while the station joins
 *   another network (AP+STA). When it cannot, the portal drops the access point for the attempt and
 *   raises it again after a failure.
 * - Nothing here ever writes the access point's password to a log, an error or a command line.
 */
export interface AccessPoint {
  /** The program behind it. */
  readonly backend: AccessPointBackend;
  /** SSID, address, DHCP range, in force. */
  readonly settings: AccessPointSettings;
  /** Raise the access point (clearing a previous run's leftovers first). */
  start(): Promise<void>;
  /** Tear it down. */
  stop(): Promise<void>;
  /** True between a successful `start()` and `stop()`. */
  isUp(): boolean;
  /** Whether AP and station can run at once on this radio. */
  concurrent(): MaybePromise<boolean>;
}
