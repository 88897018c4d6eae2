/*
 * Minyi respondent page.
 *
 * Keeps every answer as a draft in localStorage, checks required questions,
 * and submits with one submission_id per draft so that retries are idempotent.
 * Network errors, 429 and 5xx are retried with backoff until the server
 * answers. Plain ES5 plus what old Android WebViews have; no inline code, so
 * the page runs under a CSP without 'unsafe-inline'.
 *
 * Sampling modes (data-dedup): "device" counts the signed cookie; "token"
 * sends the invitation token from the address (?t=, or ?token=) or the code
 * the resident types; "phone" sends the mobile number typed in, and, when
 * the server verifies numbers (data-otp-endpoint), the text-message code
 * its 获取验证码 button asked for. The staff
 * preview (data-state="preview") shows the same form but never writes
 * localStorage and never sends a request.
 */

var DRAFT_PREFIX = 'minyi:draft:';
var DONE_PREFIX = 'minyi:done:';
var BACKOFF_CAP = 30000; // ms
var RETRY_AFTER_CAP = 600000; // ms
var REQUEST_TIMEOUT = 45000; // ms

function trim(s) {
  return String(s).replace(/^\s+|\s+$/g, '');
}

function has(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

// Storage: localStorage when it works (it may not in private modes or when
// full) and is wanted (not in the staff preview), a map in memory otherwise.
function makeStore(useLocal) {
  var mem = {};
  var ls = null;
  if (useLocal) {
    try {
      ls = window.localStorage;
      ls.setItem('minyi:probe', '1');
      ls.removeItem('minyi:probe');
    } catch (e) {
      ls = null;
    }
  }
  return {
    get: function (key) {
      var v = null;
      if (ls) {
        try { v = ls.getItem(key); } catch (e) { v = null; }
      }
      if (v === null && has(mem, key)) v = mem[key];
      return v;
    },
    set: function (key, value) {
      mem[key] = value;
      if (ls) {
        try { ls.setItem(key, value); } catch (e) { /* kept in memory */ }
      }
    },
    remove: function (key) {
      delete mem[key];
      if (ls) {
        try { ls.removeItem(key); } catch (e) { /* ignore */ }
      }
    },
    removePrefix: function (prefix) {
      var keys = [];
      var k;
      for (k in mem) {
        if (has(mem, k) && k.indexOf(prefix) === 0) keys.push(k);
      }
      if (ls) {
        try {
          for (var i = 0; i < ls.length; i++) {
            k = ls.key(i);
            if (k && k.indexOf(prefix) === 0) keys.push(k);
          }
        } catch (e) { /* ignore */ }
      }
      each(keys, this.remove);
    }
  };
}
var store = null;

// uuid4 makes a random (version 4) UUID.
function uuid4() {
  var b = [];
  var i;
  try {
    var c = window.crypto || window.msCrypto;
    var u = new Uint8Array(16);
    c.getRandomValues(u);
    for (i = 0; i < 16; i++) b[i] = u[i];
  } catch (e) {
    for (i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var s = '';
  for (i = 0; i < 16; i++) {
    s += (b[i] + 0x100).toString(16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}
