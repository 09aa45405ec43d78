// Fake ports and a whole device in the Espruino subset (var, function, no destructuring/spread/async),
// shared by the bundle's vm test and its real-interpreter test so both run the same stories.
// Wi-Fi: a join answers after joinMs; a failure retries after retryMs, like a supplicant.

/** An expression evaluating to `{ device }`: assign it to a variable, or export its members. */
export const ESPRUINO_FAKES = `(function () {
  function ms() { return Math.round(getTime() * 1000); }
  function storage() {
    // rec and jr: the stored texts (fields, not accessor functions: each function costs memory on a board).
    var s = {
      writes: 0,
      rec: undefined,
      jr: undefined,
      load: function () { return s.rec === undefined ? undefined : JSON.parse(s.rec); },
      save: function (r) { s.rec = JSON.stringify(r); s.writes++; },
      wipe: function () { s.rec = undefined; s.writes++; },
      loadJournal: function () { return s.jr === undefined ? undefined : JSON.parse(s.jr); },
      saveJournal: function (j) { s.jr = JSON.stringify(j); s.writes++; },
      compact: function () {}
    };
    return s;
  }
  function wifi(networks, joinMs, retryMs) {
    // w.st: the stored credentials (a field: each function costs memory on a board).
    var listeners = [], applied, timer;
    function emit(e) { var ls = listeners.slice(); for (var i = 0; i < ls.length; i++) ls[i](e); }
    function join() {
      var c = applied || w.st;
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
      st: undefined,
      subscribe: function (l) {
        listeners.push(l);
        if (w.st && !applied && timer === undefined) join();
        return function () { listeners = listeners.filter(function (x) { return x !== l; }); };
      },
      connect: function (c, o) { w.connects++; w.disconnect(); applied = { ssid: c.ssid, passphrase: c.passphrase }; if (o && o.persist) w.st = applied; join(); },
      persist: function () { if (applied) w.st = applied; },
      disconnect: function () { if (timer !== undefined) { clearTimeout(timer); timer = undefined; } applied = undefined; },
      hasStoredCredentials: function () { return w.st !== undefined; },
      forget: function () { w.st = undefined; w.disconnect(); }
    };
    return w;
  }
  function button() {
    var level = false, listeners = [];
    return {
      read: function () { return level; },
      watch: function (l) { listeners.push(l); return function () { listeners = listeners.filter(function (x) { return x !== l; }); }; },
      press: function () {
        if (level) return;
        level = true;
        var ls = listeners.slice();
        for (var i = 0; i < ls.length; i++) ls[i]({ pressed: true, at: ms() });
      }
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
    d.log = function (x) {
      d.events.push(x.cur !== undefined ? 'state ' + x.cur + '/' + x.max
        : x.cause !== undefined && x.message === undefined ? 'reset ' + x.cause + ' @' + (ms() - d.bootedAt)
        : x.state !== undefined ? 'wifi ' + x.state + (x.reason ? ' ' + x.reason : '')
        : x.type !== undefined ? 'button ' + x.type
        : (x.code !== undefined ? 'error ' : 'warning ') + x.message);
    };
    d.boot = function () {
      if (d.prov) { d.prov.stop(); d.wifi.disconnect(); }
      d.boots++;
      d.bootedAt = ms();
      d.prov = P.createProvisioner({ storage: d.storage, wifi: d.wifi, button: d.button, led: d.led, system: d.system }, config);
      var prov = d.prov;
      // One listener for every event, told apart by the payload's shape: each function costs memory
      // on a board, and the scenarios must fit an ESP8266-sized pool beside the module.
      ['state', 'reset', 'wifi', 'button', 'error', 'warning'].forEach(function (n) { prov.on(n, d.log); });
      return prov.start();
    };
    d.summary = function () {
      return {
        cur: d.prov.getCurState(),
        max: d.prov.getMaxState(),
        provisioned: d.prov.isProvisioned(),
        wifiConfigured: d.prov.isWifiConfigured(),
        resetting: d.prov.isResetting(),
        record: d.storage.rec === undefined ? null : JSON.parse(d.storage.rec),
        journal: d.storage.jr === undefined ? null : JSON.parse(d.storage.jr),
        storedSsid: d.wifi.st === undefined ? null : d.wifi.st.ssid,
        reboots: d.system.reboots.map(function (t) { return t - d.bootedAt; }),
        ledLit: d.led.lit,
        events: d.events
      };
    };
    return d;
  }
  return { device: device };
})()`;
