// The portal page, rendered on the device so that it works with JavaScript off (a plain form POST).
import type { ScanResult } from '@provision/core';
import type { PortalStatus } from './status';

/** What the page shows. */
export interface PageModel {
  /** The device's name as the person sees it (the access point's SSID). */
  deviceName: string;
  /** Networks from the scan taken before the access point came up. */
  networks: ScanResult[];
  /** The current status. */
  status: PortalStatus;
}

/** Escape text for HTML content and attribute values (SSIDs come from the air: anyone can name one). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Signal bars 1..4 from an RSSI in dBm. */
export function signalBars(rssi: number): number {
  if (rssi >= -55) return 4;
  if (rssi >= -67) return 3;
  if (rssi >= -78) return 2;
  return 1;
}

const LOCK =
  '<svg class="lock" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z"/></svg>';

function networkItem(n: ScanResult, index: number, selected: boolean): string {
  const bars = signalBars(n.rssi);
  const id = `net-${index}`;
  const security = n.secure ? 'secured' : 'open';
  let signal = '';
  for (let i = 1; i <= 4; i++) signal += `<span class="bar b${i}${i <= bars ? ' on' : ''}"></span>`;
  return (
    `<li><input type="radio" name="ssid" id="${id}" value="${escapeHtml(n.ssid)}" data-secure="${n.secure ? '1' : '0'}"${selected ? ' checked' : ''}>` +
    `<label for="${id}"><span class="name">${escapeHtml(n.ssid)}</span>` +
    `<span class="meta"><span class="signal" title="signal ${bars} of 4"><span class="vh">signal ${bars} of 4, ${security}</span>${signal}</span>` +
    `${n.secure ? LOCK : '<span class="lock-space"></span>'}</span></label></li>`
  );
}

/** The whole page as HTML. Every network name and message is escaped. */
export function renderPage(model: PageModel): string {
  const s = model.status;
  const busy = s.phase === 'connecting' || s.phase === 'retrying';
  const done = s.phase === 'connected';
  const title = `Connect ${escapeHtml(model.deviceName)} to Wi-Fi`;
  // The heading keeps "Wi-Fi" on one line (a non-breaking hyphen); the title stays plain text.
  const items = model.networks.map((n, i) => networkItem(n, i, n.ssid === s.ssid)).join('');
  const next = s.nextUrl ? escapeHtml(s.nextUrl) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/portal.css">
${busy ? '<noscript><meta http-equiv="refresh" content="3"></noscript>' : ''}
</head>
<body>
<main>
<h1>Connect ${escapeHtml(model.deviceName)} to Wi&#8209;Fi</h1>
<p id="status" class="status phase-${s.phase}" role="status" aria-live="polite" data-seq="${s.seq}">${escapeHtml(s.message)}</p>
<section id="done"${done ? '' : ' hidden'}>
<p>You can close this page and reconnect your phone to ${escapeHtml(s.ssid ?? 'your network')}.</p>
<p><a id="next" class="button" href="${next}">Open the device</a> <span id="next-url">${next}</span></p>
</section>
<form id="connect" method="post" action="/connect"${done ? ' hidden' : ''}>
<fieldset>
<legend>Network</legend>
<ul class="networks" id="networks">${items}</ul>
<p id="no-networks"${model.networks.length ? ' hidden' : ''}>No networks were found. Enter the name below.</p>
<details id="hidden-net"${model.networks.length ? '' : ' open'}>
<summary>Hidden or unlisted network</summary>
<label for="hidden-ssid">Network name (SSID)</label>
<input id="hidden-ssid" name="hidden_ssid" type="text" maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false">
</details>
</fieldset>
<label for="passphrase">Password</label>
<div class="pw">
<input id="passphrase" name="passphrase" type="password" maxlength="64" autocomplete="current-password" autocapitalize="none" spellcheck="false" aria-describedby="pw-hint">
<button type="button" id="toggle" aria-controls="passphrase" aria-pressed="false" hidden>Show</button>
</div>
<p id="pw-hint" class="hint">Leave empty for an open network.</p>
<button type="submit" id="submit"${busy ? ' aria-disabled="true"' : ''}>Connect</button>
</form>
</main>
<script src="/portal.js" defer></script>
</body>
</html>
`;
}
