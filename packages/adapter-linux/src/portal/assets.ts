// The page's static stylesheet and script, served as /portal.css and /portal.js.

/**
 * The stylesheet: mobile first (360 px up), 44 px touch targets, text contrast of at least 4.5:1,
 * a visible focus ring.
 */
export const PORTAL_CSS = `*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f4f5f7}
main{max-width:32rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}
@media (min-width:40rem){main{margin:2rem auto;min-height:0;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.15);padding:1.5rem 2rem}}
h1{font-size:1.35rem;margin:.25rem 0 1rem;overflow-wrap:anywhere}
.status{margin:0 0 1rem;padding:.75rem 1rem;border-radius:8px;background:#eef1f5;color:#1b1b1b;overflow-wrap:anywhere}
.phase-connecting,.phase-retrying{background:#fff4d6;color:#4d3800}
.phase-failed{background:#fde7e9;color:#8a1020;font-weight:600}
.phase-connected{background:#e3f4e8;color:#0b5323;font-weight:600}
fieldset{border:0;margin:0 0 1rem;padding:0;min-width:0}
legend{font-weight:600;margin-bottom:.5rem;padding:0}
.networks{list-style:none;margin:0;padding:0;border:1px solid #c9ced6;border-radius:8px;overflow:hidden}
.networks li{position:relative;border-top:1px solid #e1e4e8}
.networks li:first-child{border-top:0}
.networks input{position:absolute;opacity:0;width:1px;height:1px}
.networks label{display:flex;align-items:center;gap:.5rem;min-height:48px;padding:.5rem .75rem;cursor:pointer}
.networks input:checked+label{background:#e5eefc;box-shadow:inset 4px 0 0 #0b57d0}
.networks input:focus-visible+label{outline:3px solid #0b57d0;outline-offset:-3px}
.name{flex:1;min-width:0;overflow-wrap:anywhere}
.meta{display:flex;align-items:center;gap:.4rem;flex:none}
.signal{display:inline-flex;align-items:flex-end;gap:2px;height:16px}
.bar{width:4px;background:#c9ced6;border-radius:1px}
.bar.on{background:#1b1b1b}
.b1{height:25%}.b2{height:50%}.b3{height:75%}.b4{height:100%}
.lock{fill:#1b1b1b}.lock-space{display:inline-block;width:16px}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
details{margin-top:.75rem}
summary{cursor:pointer;min-height:44px;display:flex;align-items:center;color:#0b57d0;font-weight:600}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
.networks label{font-weight:400;margin:0}
input[type=text],input[type=password]{width:100%;min-height:44px;padding:.5rem .75rem;font:inherit;border:1px solid #6b7280;border-radius:8px;color:#1b1b1b;background:#fff}
.pw{display:flex;gap:.5rem}
.pw input{flex:1;min-width:0}
.hint{margin:.25rem 0 1rem;color:#4b5563;font-size:.9rem}
button,.button{min-height:44px;padding:.5rem 1rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid #0b57d0;cursor:pointer}
#toggle{background:#fff;color:#0b57d0;flex:none}
#submit,.button{background:#0b57d0;color:#fff;width:100%;display:inline-block;text-align:center;text-decoration:none}
#submit[aria-disabled=true]{background:#6b7280;border-color:#6b7280}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
#next-url{display:block;margin-top:.5rem;color:#4b5563;overflow-wrap:anywhere}
[hidden]{display:none!important}
`;

/**
 * The script: the form is sent as JSON so the page stays, the status follows the session's events
 * over `/events`, the password can be shown, and after a failure the password field takes the focus
 * for another try. The page works without it.
 */
export const PORTAL_JS = `(function () {
  'use strict';
  var form = document.getElementById('connect');
  var status = document.getElementById('status');
  var done = document.getElementById('done');
  var next = document.getElementById('next');
  var nextUrl = document.getElementById('next-url');
  var pw = document.getElementById('passphrase');
  var toggle = document.getElementById('toggle');
  var submit = document.getElementById('submit');
  var hiddenSsid = document.getElementById('hidden-ssid');
  var seq = Number(status.getAttribute('data-seq')) || 0;
  var busy = submit.getAttribute('aria-disabled') === 'true';

  toggle.hidden = false;
  toggle.addEventListener('click', function () {
    var show = pw.type === 'password';
    pw.type = show ? 'text' : 'password';
    toggle.textContent = show ? 'Hide' : 'Show';
    toggle.setAttribute('aria-pressed', show ? 'true' : 'false');
    toggle.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
  });
  toggle.setAttribute('aria-label', 'Show password');

  function say(phase, message) {
    status.className = 'status phase-' + phase;
    status.textContent = message;
  }
  function setBusy(b) {
    busy = b;
    submit.setAttribute('aria-disabled', b ? 'true' : 'false');
  }
  function render(s) {
    if (s.seq < seq) return;
    seq = s.seq;
    say(s.phase, s.message);
    setBusy(s.phase === 'connecting' || s.phase === 'retrying');
    if (s.phase === 'failed') {
      pw.focus();
      pw.select();
    }
    if (s.phase === 'connected') {
      form.hidden = true;
      done.hidden = false;
      if (s.nextUrl) {
        next.href = s.nextUrl;
        nextUrl.textContent = s.nextUrl;
      }
      next.focus();
    }
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (busy) return;
    var picked = form.querySelector('input[name=ssid]:checked');
    var typed = hiddenSsid.value;
    var ssid = typed || (picked ? picked.value : '');
    if (!ssid) {
      say('failed', 'Pick a network from the list or enter its name.');
      return;
    }
    setBusy(true);
    say('connecting', 'Sending…');
    fetch('/connect', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ssid: ssid, passphrase: pw.value, hidden: !!typed })
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) {
          setBusy(false);
          say('failed', j.error || 'The device refused the request.');
          pw.focus();
        } else if (j.status) {
          render(j.status);
        }
      });
    }).catch(function () {
      setBusy(false);
      say('failed', 'The device did not answer. Check that this phone is still on its network and try again.');
    });
  });

  if (window.EventSource) {
    var es = new EventSource('/events');
    es.onmessage = function (ev) {
      try { render(JSON.parse(ev.data)); } catch (err) { /* a torn message; the next one repairs it */ }
    };
  }
})();
`;
