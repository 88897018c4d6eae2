/*
 * Minyi live dashboard.
 *
 * Fetches the results once, then follows the live stream: every "tally"
 * event carries the whole results body and is rendered in place. When the
 * stream drops, EventSource reconnects by itself; once it is open again the
 * results are fetched anew so nothing missed in between is left on screen.
 * ES2017 at most, no framework, no inline code (the CSP allows 'self' only),
 * and the DOM is built with createElement and textContent, never innerHTML.
 */
(function () {
  'use strict';

  var root = document.getElementById('dash');
  if (!root) return;
  var RESULTS = root.getAttribute('data-results');
  var LIVE = root.getAttribute('data-live');
  var RETRY = 5000; // ms, when the stream is closed for good or fetch fails
  var DASH = '—';
  var LABELS = {
    idx: '满意度指数 Index',
    rate: '满意率 Satisfied',
    dis: '不满意率 Dissatisfied',
    dk: '不了解率 Don\'t know',
    n: '有效样本 Valid n'
  };

  var rows = {}; // area code → its cells
  var tbody = document.getElementById('area-rows');
  var events = 0; // tally events applied, to drop a fetch overtaken by one
  var needSync = false;
  var source = null;

  function byId(id) { return document.getElementById(id); }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function fmtIndex(v) { return isNum(v) ? v.toFixed(1) : DASH; }
  function fmtRate(v) { return isNum(v) ? (v * 100).toFixed(1) + '%' : DASH; }
  function fmtCount(v) { return isNum(v) ? String(v) : DASH; }
  function fmtCI(ci) {
    return ci && ci.length === 2 && isNum(ci[0]) && isNum(ci[1]) ? ci[0].toFixed(1) + '–' + ci[1].toFixed(1) : DASH;
  }
  function pct(v) { return Math.max(0, Math.min(100, v)) + '%'; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function setText(el, s) {
    if (el.textContent !== s) el.textContent = s;
  }

  function make(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text) el.textContent = text;
    return el;
  }

  function tag() {
    var t = make('span', 'tag', '样本不足');
    t.title = '有效样本少于30 fewer than 30 valid answers';
    return t;
  }

  // setConn shows the connection state: "connecting", "live" or "reconnecting".
  function setConn(state) {
    var el = byId('conn');
    var text = {
      connecting: ['连接中', 'Connecting…'],
      live: ['实时', 'Live'],
      reconnecting: ['重新连接中', 'Reconnecting…']
    }[state];
    el.className = 'conn conn-' + state;
    setText(byId('conn-zh'), text[0]);
    setText(byId('conn-en'), text[1]);
  }

  function makeRow(code) {
    var r = {};
    r.tr = make('tr');
    r.tr.setAttribute('data-area', code);
    var th = make('th', 'name');
    th.scope = 'row';
    r.name = make('span', 'area-name');
    r.tag = tag();
    r.tag.hidden = true;
    th.appendChild(r.name);
    th.appendChild(r.tag);
    r.tr.appendChild(th);

    var idx = make('td', 'idx');
    idx.setAttribute('data-label', LABELS.idx);
    var line = make('span', 'idx-line');
    r.index = make('span', 'idx-value', DASH);
    r.track = make('span', 'track');
    r.bar = make('span', 'bar');
    r.ci = make('span', 'ci');
    r.ci.hidden = true;
    r.track.appendChild(r.bar);
    r.track.appendChild(r.ci);
    r.ciText = make('span', 'ci-text', DASH);
    line.appendChild(r.index);
    line.appendChild(r.track);
    line.appendChild(r.ciText);
    idx.appendChild(line);
    r.tr.appendChild(idx);

    ['rate', 'dis', 'dk', 'n'].forEach(function (k) {
      var td = make('td', 'fig fig-' + k, DASH);
      td.setAttribute('data-label', LABELS[k]);
      r[k] = td;
      r.tr.appendChild(td);
    });
    return r;
  }

  function renderArea(r, a) {
    setText(r.name, a.name || a.code);
    r.tr.classList.toggle('low', !!a.low_sample);
    r.tag.hidden = !a.low_sample;
    setText(r.index, fmtIndex(a.index));
    r.bar.style.width = isNum(a.index) ? pct(a.index) : '0%';
    var ci = a.ci95;
    var ciText = fmtCI(ci);
    if (ciText !== DASH) {
      r.ci.hidden = false;
      r.ci.style.left = pct(ci[0]);
      r.ci.style.width = pct(ci[1] - ci[0]);
      r.track.title = '95% 区间 interval ' + ciText;
    } else {
      r.ci.hidden = true;
      r.track.title = '';
    }
    setText(r.ciText, ciText);
    setText(r.rate, fmtRate(a.rate));
    setText(r.dis, fmtRate(a.dissatisfied_rate));
    setText(r.dk, fmtRate(a.dont_know_rate));
    setText(r.n, fmtCount(a.n));
  }

  function renderAreas(areas) {
    var seen = {};
    (areas || []).forEach(function (a) {
      var r = rows[a.code];
      if (!r) r = rows[a.code] = makeRow(a.code);
      seen[a.code] = true;
      renderArea(r, a);
      tbody.appendChild(r.tr); // keeps the order of the results
    });
    Object.keys(rows).forEach(function (code) {
      if (!seen[code]) {
        tbody.removeChild(rows[code].tr);
        delete rows[code];
      }
    });
  }

  function lowCard(id, low) {
    var card = byId(id);
    card.classList.toggle('low', !!low);
    card.querySelector('.tag').hidden = !low;
  }

  function render(res) {
    if (!res || typeof res !== 'object') return;
    if (res.title) setText(byId('title'), res.title);
    setText(byId('responses'), fmtCount(res.responses));
    setText(byId('flagged'), fmtCount(res.flagged));
    byId('flagged-in').hidden = !(res.includes_flagged && res.flagged > 0);
    byId('sample-note').hidden = res.sample !== 'opt-in';

    var o = res.overall || {};
    setText(byId('overall-index'), fmtIndex(o.index));
    setText(byId('overall-ci'), fmtCI(o.ci95));
    setText(byId('overall-n'), fmtCount(o.n));
    lowCard('overall', o.low_sample);

    var q = res.overall_question;
    byId('oq').hidden = !q;
    if (q) {
      setText(byId('oq-index'), fmtIndex(q.index));
      setText(byId('oq-rate'), fmtRate(q.rate));
      setText(byId('oq-n'), fmtCount(q.n));
      lowCard('oq', q.low_sample);
    }

    renderAreas(res.areas);
    var d = new Date();
    setText(byId('updated'), pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()));
    byId('load-error').hidden = true;
  }

  // resync fetches the results; a tally event that lands while the request
  // is in flight is at least as new, so the fetched body then gives way.
  function resync() {
    var mark = events;
    needSync = false;
    return fetch(RESULTS, { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (resp) {
        if (!resp.ok) throw new Error('results: HTTP ' + resp.status);
        return resp.json();
      })
      .then(function (body) {
        if (events === mark) render(body);
      })
      .catch(function () {
        needSync = true;
        if (events === mark) byId('load-error').hidden = false;
      });
  }

  function connect() {
    if (!window.EventSource) { // no stream: poll instead
      setConn('reconnecting');
      setInterval(resync, RETRY);
      return;
    }
    source = new EventSource(LIVE);
    source.addEventListener('open', function () {
      setConn('live');
      if (needSync) resync();
    });
    source.addEventListener('tally', function (e) {
      var body;
      try { body = JSON.parse(e.data); } catch (err) { return; }
      events++;
      setConn('live');
      render(body);
    });
    source.addEventListener('error', function () {
      setConn('reconnecting');
      needSync = true;
      // CLOSED means the browser gave up (say, the server answered with an
      // error status): start over after a pause.
      if (source.readyState === 2) {
        source.close();
        setTimeout(connect, RETRY);
      }
    });
  }

  resync().then(connect);
})();
