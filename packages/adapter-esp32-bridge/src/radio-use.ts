// Which provisioning feature holds the module's one radio (the SoftAP server, SmartConfig, WPS or BluFi), so two never fight over `AT+CWMODE`.
import { provisionError } from '@provision/core';
import type { AtClient } from './at-client';

// A registered symbol, not module state: the main entry and the `softap` entry are separate bundles
// that may share one client.
const KEY = Symbol.for('@provision/adapter-esp32-bridge.radio');

type Marked = AtClient & { [KEY]?: string };

/** The name of the feature that holds the radio of the module behind `client`, if any. */
export function radioUser(client: AtClient): string | undefined {
  return (client as Marked)[KEY];
}

/**
 * Take the radio for `who`. Taking it again for the same feature is harmless.
 * @throws `ProvisionError` `invalid-state` naming the feature that holds it.
 */
export function claimRadio(client: AtClient, who: string): void {
  const holder = radioUser(client);
  if (holder !== undefined && holder !== who) {
    throw provisionError('invalid-state', `${who} not started: the module's radio is in use by ${holder} (the module has one radio: stop that first)`);
  }
  (client as Marked)[KEY] = who;
}

/** Give the radio back, if `who` holds it. */
export function releaseRadio(client: AtClient, who: string): void {
  if (radioUser(client) === who) delete (client as Marked)[KEY];
}
