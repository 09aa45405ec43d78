import type { ProvisionEvents } from '@provision/core';
import { stateLabel } from './names';

/** Every event a provisioner emits, in the order the timeline legend lists them. */
export const EVENT_NAMES: (keyof ProvisionEvents)[] = [
  'state',
  'wifi',
  'button',
  'reset',
  'warning',
  'error',
  'init',
  'start',
  'set-sta-config',
  'cred-recv',
  'cred-fail',
  'cred-success',
  'end',
  'deinit',
];

function withRaw(reason: string, raw: string | number | undefined): string {
  return raw === undefined ? reason : `${reason} (${raw})`;
}

/**
 * One line of text for a provisioner event. Payloads never carry a passphrase (R10.3), and nothing
 * here reads one.
 *
 * @example
 * ```ts
 * describeEvent('state', { cur: 1, max: 1, prevCur: 0, prevMax: 0 });
 * // "state: cur 0 → 1 NetworkConfigured, max 0 → 1 NetworkConfigured"
 * ```
 */
export function describeEvent<K extends keyof ProvisionEvents>(name: K, payload: ProvisionEvents[K]): string {
  switch (name) {
    case 'state': {
      const s = payload as ProvisionEvents['state'];
      const cur = s.cur === s.prevCur ? `cur ${stateLabel(s.cur)}` : `cur ${s.prevCur} → ${stateLabel(s.cur)}`;
      const max = s.max === s.prevMax ? `max ${stateLabel(s.max)}` : `max ${s.prevMax} → ${stateLabel(s.max)}`;
      return `state: ${cur}, ${max}`;
    }
    case 'wifi': {
      const w = payload as ProvisionEvents['wifi'];
      let text = `wifi: ${w.state}`;
      if (w.ip !== undefined) text += ` ${w.ip}`;
      if (w.reason !== undefined) text += `, ${withRaw(w.reason, w.raw)}`;
      if (w.attemptsRemaining !== undefined) text += `, ${w.attemptsRemaining} attempt(s) left`;
      return text;
    }
    case 'button':
      return `button: ${(payload as ProvisionEvents['button']).type}`;
    case 'reset':
      return `factory reset: cause ${(payload as ProvisionEvents['reset']).cause}`;
    case 'warning':
      return `warning: ${(payload as ProvisionEvents['warning']).message}`;
    case 'error': {
      const e = payload as ProvisionEvents['error'];
      return `error [${e.code}]: ${e.message}`;
    }
    case 'set-sta-config':
    case 'cred-recv':
    case 'cred-success':
      return `session ${name}: ssid ${JSON.stringify((payload as { ssid: string }).ssid)}`;
    case 'cred-fail': {
      const f = payload as ProvisionEvents['cred-fail'];
      return `session cred-fail: ${withRaw(f.reason, f.raw)}`;
    }
    default:
      return `session ${name}`;
  }
}
