/* The live stream of tally events. */

function connect() {
  if (stopped) return;
  if (!window.EventSource) { // no stream: poll instead
    setConn('reconnecting');
    setInterval(resyncAll, 10000);
    return;
  }
  source = new EventSource(withParams(LIVE, { units: '1' }), { withCredentials: false }); // the ranking needs the units
  source.addEventListener('open', function () {
    retryDelay = RETRY_MIN;
    setConn('live');
    if (needSync) resyncAll();
  });
  source.addEventListener('tally', function (e) {
    let body;
    try { body = JSON.parse(e.data); } catch (err) { return; }
    events++;
    setConn('live');
    if (isDefaultView()) {
      render(body);
      showError(null);
    } else {
      fetchMain();
    }
    breakdownsLater();
  });
  source.addEventListener('error', function () {
    if (stopped) return;
    setConn('reconnecting');
    needSync = true;
    // CLOSED: the browser gave up (an error status, say). Ask the results
    // endpoint why, and start over after a pause unless access is gone.
    if (source.readyState === 2) {
      source.close();
      fetchMain().then(function () {
        if (!stopped) setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX);
      });
    }
  });
}
