/* Requests with retries, and what the page's address and inputs carry. */

// request sends one XHR and always calls back once with
// {status, body, retryAfter}; status 0 means no answer (offline, timeout).
function request(method, url, body, cb) {
  var called = false;
  function done(res) {
    if (!called) {
      called = true;
      cb(res);
    }
  }
  try {
    var x = new XMLHttpRequest();
    x.open(method, url, true);
    x.timeout = REQUEST_TIMEOUT;
    x.setRequestHeader('Accept', 'application/json');
    if (body !== null) x.setRequestHeader('Content-Type', 'application/json');
    x.onreadystatechange = function () {
      if (x.readyState !== 4) return;
      var parsed = null;
      try { parsed = JSON.parse(x.responseText); } catch (e) { parsed = null; }
      var ra = null;
      try { ra = x.getResponseHeader('Retry-After'); } catch (e) { ra = null; }
      done({ status: x.status, body: parsed, retryAfter: ra });
    };
    x.send(body);
  } catch (e) {
    setTimeout(function () { done({ status: 0, body: null, retryAfter: null }); }, 0);
  }
}

function retryable(status) {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

// retryAfterMs reads a Retry-After header (seconds or an HTTP date).
function retryAfterMs(v) {
  if (!v) return null;
  var ms = null;
  if (/^\s*\d+\s*$/.test(v)) {
    ms = parseInt(v, 10) * 1000;
  } else {
    var t = Date.parse(v);
    if (!isNaN(t)) ms = t - new Date().getTime();
  }
  if (ms === null) return null;
  return Math.max(0, Math.min(ms, RETRY_AFTER_CAP));
}

function errorOf(body) {
  return (body && typeof body === 'object' && body.error && typeof body.error === 'object') ? body.error : {};
}

// queryParam returns a parameter of the page's address, or ''.
function queryParam(name) {
  var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(window.location.search || '');
  if (!m) return '';
  try { return decodeURIComponent(m[1].replace(/\+/g, ' ')); } catch (e) { return ''; }
}

// tokenFromURL returns the invitation token of the address: ?t= (as
// printed in invitation links and QR codes) or the older ?token=. Like the
// server, it ignores anything longer than 64 characters.
function tokenFromURL() {
  var t = trim(queryParam('t'));
  if (!t) t = trim(queryParam('token'));
  return t.length <= 64 ? t : '';
}

// normalizePhone drops spaces, dashes and a +86 prefix and turns
// full-width digits into ASCII ones: "+86 138-0013-8000" → "13800138000".
function normalizePhone(v) {
  v = String(v).replace(/[\uff10-\uff19]/g, function (d) {
    return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
  }).replace(/[\s\-()\u3000]/g, '');
  if (/^(\+|00)?86\d{11}$/.test(v)) v = v.slice(v.length - 11);
  return v;
}
