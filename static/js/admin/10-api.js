/* The admin API: requests with the CSRF token, errors as text. */

function loginURL() {
  return '/admin/login?next=' + encodeURIComponent(location.pathname + location.search);
}

// api calls the admin API. It resolves with the parsed JSON body (null
// for 204) and rejects with an Error carrying status, code and fields.
// A 401 sends the browser to the sign-in page unless opts.noRedirect.
function api(method, url, data, opts) {
  opts = opts || {};
  var headers = {};
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = CSRF;
    headers['Content-Type'] = 'application/json';
  } else {
    data = undefined;
  }
  return fetchJSON(method, url, data, headers).catch(function (err) {
    if (err.status === 401 && !opts.noRedirect) {
      err.redirecting = true;
      location.href = loginURL();
    }
    throw err;
  });
}

// errText is an error's message with its per-field reasons, if any.
function errText(e, names) {
  var text = e.message;
  if (e.fields) {
    Object.keys(e.fields).forEach(function (k) {
      text += '\n' + ((names && names[k]) || k) + ': ' + e.fields[k];
    });
  }
  return text;
}
