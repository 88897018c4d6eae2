/* The JSON requests of the staff pages and the dashboard. */

// fetchJSON sends a request with the page's cookies, never answered from
// the cache, with data (if given) as its JSON body. It resolves with the
// parsed answer (null when empty, as for 204) and rejects with an Error
// whose message is the server's, carrying the status (0 when the server
// could not be reached) and the error body's code and fields.
function fetchJSON(method, url, data, headers) {
  var h = { Accept: 'application/json' };
  Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
  var init = { method: method, credentials: 'same-origin', headers: h, cache: 'no-store' };
  if (data !== undefined) init.body = JSON.stringify(data);
  return fetch(url, init).then(function (resp) {
    return resp.text().then(function (text) {
      var json = null;
      var parsed = !text;
      if (text) {
        try {
          json = JSON.parse(text);
          parsed = true;
        } catch (e) {
          json = null;
        }
      }
      if (resp.ok && parsed) return json;
      var e = (json && json.error) || {};
      var err = new Error(e.message || (resp.ok ? '服务器的回答无法读取 the server\'s answer could not be read' :
        '请求失败 request failed (HTTP ' + resp.status + ')'));
      err.status = resp.status;
      err.code = e.code || '';
      err.fields = e.fields || null;
      throw err;
    });
  }, function () {
    var err = new Error('无法连接服务器，请检查网络后重试 cannot reach the server; check the network and try again');
    err.status = 0;
    throw err;
  });
}
