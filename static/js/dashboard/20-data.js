/* Fetching the results: the current view, the breakdowns, whether weighting is on. */

function withParams(base, params) {
  const u = new URL(base, location.href);
  Object.keys(params).forEach(function (k) {
    if (params[k] !== null && params[k] !== undefined) u.searchParams.set(k, params[k]);
  });
  return u.pathname + u.search;
}

// mainURL asks for the per-unit blocks too (units=1): the ranking shows them.
function mainURL() {
  return withParams(RESULTS, { units: '1', flagged: flagged === 'exclude' ? 'exclude' : null, weighted: weighted ? '1' : null });
}

// isDefaultView: the live events carry this view's body (all units,
// unweighted, flagged included); a unit's page fetches its own instead.
function isDefaultView() { return flagged === 'include' && !weighted && !UNIT; }

function getJSON(url) {
  return fetchJSON('GET', url);
}

// fail handles a refused or failed request: 403 and 404 stop the page,
// anything else is retried.
function fail(err) {
  if (err && (err.status === 403 || err.status === 404)) {
    stopped = true;
    if (source) source.close();
    setConn(err.status === 403 ? 'denied' : 'gone');
    showError(err.status === 403 ? 'forbidden' : 'notFound');
    return true;
  }
  showError(err && err.status === 503 && weighted ? 'notReady' : 'loadError');
  return false;
}

// ----- fetching -----

// fetchMain fetches the results in the current view. Calls while one is
// in flight are folded into one more fetch after it. In the default view
// a tally event landing meanwhile is at least as new: the fetched body
// then gives way.
function fetchMain() {
  if (stopped) return Promise.resolve();
  if (fetching) {
    fetchAgain = true;
    return Promise.resolve();
  }
  fetching = true;
  needSync = false;
  const mark = events;
  const wasDefault = isDefaultView();
  const url = mainURL();
  return getJSON(url)
    .then(function (body) {
      retryDelay = RETRY_MIN;
      if (url !== mainURL()) return; // the view changed meanwhile: fetchAgain follows
      if (wasDefault && events !== mark) return;
      render(body);
      showError(null);
    })
    .catch(function (err) {
      needSync = true;
      if (err && err.status === 422 && weighted) {
        // Weighting was turned off meanwhile: back to unweighted figures.
        weighted = false;
        press('weight-switch', 'data-weighted', '0');
        byId('weight-switch').hidden = true;
        fetchAgain = true;
        return;
      }
      if (!fail(err)) {
        setTimeout(fetchMain, retryDelay);
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX);
      }
    })
    .then(function () {
      fetching = false;
      if (fetchAgain) {
        fetchAgain = false;
        setTimeout(fetchMain, 1000); // at most about once a second
      }
    });
}

// fetchBreakdowns fetches the three breakdowns; a survey without one of
// the questions answers 422 and that chart is hidden.
function fetchBreakdowns() {
  if (stopped) return;
  clearTimeout(byTimer);
  byTimer = 0;
  byDirty = false;
  byAt = Date.now();
  BREAKDOWNS.forEach(function (role) {
    if (byBody[role] === null) return; // the survey has no such question
    getJSON(withParams(RESULTS, { by: role, flagged: flagged === 'exclude' ? 'exclude' : null }))
      .then(function (body) {
        byBody[role] = body;
        renderBreakdown(role);
      })
      .catch(function (err) {
        if (err && err.status === 422) {
          byBody[role] = null;
          renderBreakdown(role);
        }
      });
  });
}

// breakdownsLater fetches the breakdowns now if the last fetch is 10 s
// old, otherwise once when it will be.
function breakdownsLater() {
  byDirty = true;
  if (byTimer) return;
  const wait = Math.max(0, byAt + BY_EVERY - Date.now());
  byTimer = setTimeout(function () {
    byTimer = 0;
    if (byDirty) fetchBreakdowns();
  }, wait);
}

// probeWeighting asks for a weighted body: the switch shows only when the
// survey has weighting on (200 with a weighting report). 422 means it is
// off; anything else (503 while the weighting is being prepared, a
// network error) is asked again later, a few times.
function probeWeighting(tries) {
  tries = tries || 0;
  getJSON(withParams(RESULTS, { weighted: '1' }))
    .then(function (body) {
      byId('weight-switch').hidden = !(body && body.weighting);
    })
    .catch(function (err) {
      byId('weight-switch').hidden = true;
      const final = err && (err.status === 422 || err.status === 403 || err.status === 404);
      if (!final && tries < 20) setTimeout(function () { probeWeighting(tries + 1); }, 15000);
    });
}

function resyncAll() {
  fetchMain();
  fetchBreakdowns();
}
