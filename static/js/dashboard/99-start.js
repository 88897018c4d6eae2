/* Start: the switches, the language, the first fetch, then the live stream. */

function start() {
  const q = new URLSearchParams(location.search);
  bind();
  applyLang();
  setView(q.get('view'));
  if (q.get('flagged') === 'exclude') {
    flagged = 'exclude';
    press('flagged-switch', 'data-flagged', flagged);
  }
  fetchMain().then(connect);
  fetchBreakdowns();
  probeWeighting();
}

if (root) start();
