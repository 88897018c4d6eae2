/* The switches: language, index or rate, flagged responses, weighting. */

function press(group, attr, value) {
  each(document.querySelectorAll('#' + group + ' [' + attr + ']'), function (b) {
    b.setAttribute('aria-pressed', String(b.getAttribute(attr) === value));
  });
}

function setView(v) {
  view = v === 'rate' ? 'rate' : 'index';
  root.classList.toggle('view-rate', view === 'rate');
  press('view-switch', 'data-view', view);
  if (last) renderAreaChart(last.areas || []);
}

function bind() {
  byId('lang').addEventListener('click', function () {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* not remembered */ }
    applyLang();
  });
  each(document.querySelectorAll('#view-switch [data-view]'), function (b) {
    b.addEventListener('click', function () { setView(b.getAttribute('data-view')); });
  });
  each(document.querySelectorAll('#flagged-switch [data-flagged]'), function (b) {
    b.addEventListener('click', function () {
      const v = b.getAttribute('data-flagged');
      if (v === flagged) return;
      flagged = v;
      press('flagged-switch', 'data-flagged', flagged);
      resyncAll();
    });
  });
  each(document.querySelectorAll('#weight-switch [data-weighted]'), function (b) {
    b.addEventListener('click', function () {
      const v = b.getAttribute('data-weighted') === '1';
      if (v === weighted) return;
      weighted = v;
      press('weight-switch', 'data-weighted', weighted ? '1' : '0');
      fetchMain();
    });
  });
  // Type sizes and panel widths change with the window: lay the charts
  // out again (their fonts and margins follow them).
  let resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      // Start the charts afresh: moving every mark from the old layout
      // to the new would only animate the resize.
      Object.keys(charts).forEach(function (k) { charts[k].clear(); });
      if (last) {
        renderAreaChart(last.areas || []);
        renderTimeline(last.timeline || [], Date.parse(last.as_of));
      }
      renderBreakdowns();
    }, 150);
  });
  setInterval(renderPerHour, 30000);
}
