// Fake ports and a whole device in the Espruino subset (var, function, no destructuring/spread/async),
// shared by the bundle's vm test and its real-interpreter test so both run the same stories.
// Wi-Fi: a join answers after joinMs; a failure retries after retryMs, like a supplicant.

/** An expression evaluating to `{ device, ports }`: assign it to a variable, or export its members. */
export const ESPRUINO_FAKES = `(function () {
  function ms() { return Math.round(getTime() * 1000); }
  function storage() {
    var rec, jr;
    var s = {
      writes: 0,
      load: function () { return rec === undefined ? undefined : JSON.parse(rec); },
      save: function (r) { rec = JSON.stringify(r); s.writes++; },
      wipe: function () { rec = undefined; s.writes++; },
      loadJournal: function () { return jr === undefined ? undefined : JSON.parse(jr); },
      saveJournal: function (j) { jr = JSON.stringify(j); s.writes++; },
      compact: function () {},
      raw: function () { return rec; },
      rawJournal: function () { return jr; }
    };
    return s;
  }
  function wifi(networks, joinMs, retryMs) {
    var listeners = [], applied, stored, timer;
    function emit(e) { var ls = listeners.slice(); for (var i = 0; i < ls.length; i++) ls[i](e); }
    function cancel() { if (timer !== undefined) { clearTimeout(timer); timer = undefined; } }
    function join() {
      var c = applied || stored;
      if (!c) return;
      w.attempts++;
      emit({ type: 'connecting' });
      timer = setTimeout(function () {
        timer = undefined;
        var known = networks[c.ssid] !== undefined;
        if (known && networks[c.ssid] === (c.passphrase || '')) { emit({ type: 'connected', ip: '192.168.4.2' }); return; }
        emit({ type: 'disconnected', reason: known ? 'auth-error' : 'ap-not-found', raw: known ? '202' : '201' });
        timer = setTimeout(join, retryMs);
      }, joinMs);
    }
    var w = {
      attempts: 0,
      connects: 0,
      subscribe: function (l) {
        listeners.push(l);
        if (stored && !applied && timer === undefined) join();
        return function () { listeners = listeners.filter(function (x) { return x !== l; }); };
      },
      connect: function (c, o) { w.connects++; cancel(); applied = { ssid: c.ssid, passphrase: c.passphrase }; if (o && o.persist) stored = applied; join(); },
      persist: function () { if (applied) stored = applied; },
      disconnect: function () { cancel(); applied = undefined; },
      hasStoredCredentials: function () { return stored !== undefined; },
      forget: function () { stored = undefined; cancel(); applied = undefined; },
      stored: function () { return stored === undefined ? null : stored.ssid; }
    };
    return w;
  }
  function button() {
    var level = false, listeners = [];
    function edge(p) {
      if (level === p) return;
      level = p;
      var ls = listeners.slice();
      for (var i = 0; i < ls.length; i++) ls[i]({ pressed: p, at: ms() });
    }
    return {
      read: function () { return level; },
      watch: function (l) { listeners.push(l); return function () { listeners = listeners.filter(function (x) { return x !== l; }); }; },
      press: function () { edge(true); },
      release: function () { edge(false); }
    };
  }
  function led() {
    var l = { lit: false, sets: 0, set: function (on) { l.lit = on; l.sets++; } };
    return l;
  }
  function system() {
    var s = { reboots: [], reboot: function () { s.reboots.push(ms()); } };
    return s;
  }
  function device(P, config, networks, joinMs, retryMs) {
    var d = { storage: storage(), wifi: wifi(networks, joinMs, retryMs), button: button(), led: led(), system: system(), events: [], boots: 0, prov: undefined };
    d.boot = function () {
      if (d.prov) { d.prov.stop(); d.wifi.disconnect(); }
      d.boots++;
      d.bootedAt = ms();
      d.prov = P.createProvisioner({ storage: d.storage, wifi: d.wifi, button: d.button, led: d.led, system: d.system }, config);
      var prov = d.prov;
      prov.on('state', function (s) { d.events.push('state ' + s.cur + '/' + s.max); });
      prov.on('reset', function (r) { d.events.push('reset ' + r.cause + ' @' + (ms() - d.bootedAt)); });
      prov.on('wifi', function (w) { d.events.push('wifi ' + w.state + (w.reason ? ' ' + w.reason : '')); });
      prov.on('button', function (b) { d.events.push('button ' + b.type); });
      prov.on('error', function (e) { d.events.push('error ' + e.message); });
      prov.on('warning', function (w) { d.events.push('warning ' + w.message); });
      return prov.start();
    };
    d.summary = function () {
      return {
        cur: d.prov.getCurState(),
        max: d.prov.getMaxState(),
        provisioned: d.prov.isProvisioned(),
        wifiConfigured: d.prov.isWifiConfigured(),
        resetting: d.prov.isResetting(),
        record: d.storage.raw() === undefined ? null : JSON.parse(d.storage.raw()),
        journal: d.storage.rawJournal() === undefined ? null : JSON.parse(d.storage.rawJournal()),
        storedSsid: d.wifi.stored(),
        reboots: d.system.reboots.map(function (t) { return t - d.bootedAt; }),
        ledLit: d.led.lit,
        events: d.events
      };
    };
    return d;
  }
  function ports(networks, joinMs, retryMs) {
    return { storage: storage(), wifi: wifi(networks, joinMs, retryMs), button: button(), led: led(), system: system() };
  }
  return { device: device, ports: ports };
})()`;
