/*
 * Minyi live dashboard.
 *
 * Fetches the results once, then follows the live stream: every "tally"
 * event carries the whole results body (unweighted, flagged included) and is
 * rendered in place; with flagged responses excluded or weighting on, an
 * event instead triggers a fetch of the results in that view. When the
 * stream drops, the last figures stay on screen, the status says so,
 * EventSource reconnects by itself and the results are fetched anew once it
 * is back. Breakdowns by town, age band and gender are fetched at most every
 * 10 s while events arrive.
 *
 * Charts are Apache ECharts (vendored, canvas renderer); the tables hold the
 * same figures for screen readers, phones without the charts, and tests
 * (data-* attributes). ES2017 at most, no inline code (the CSP allows 'self'
 * only), and every text from the server goes in with textContent or as
 * canvas text, never as markup.
 */
(function () {
  'use strict';

  const root = document.getElementById('dash');
  if (!root) return;
  const RESULTS = root.getAttribute('data-results');
  const LIVE = root.getAttribute('data-live');
  const TITLE = root.getAttribute('data-title') || '';
  const TITLE_EN = root.getAttribute('data-title-en') || '';
  const RETRY_MIN = 3000; // ms, after a failed fetch or a closed stream
  const RETRY_MAX = 60000;
  const BY_EVERY = 10000; // ms between breakdown fetches while events arrive
  const HOUR = 3600000;
  const TIMELINE_SPAN = 7 * 24 * HOUR; // hours shown in the timeline chart
  const DASH = '—';
  const LANG_KEY = 'minyi:dashboard:lang';
  const BREAKDOWNS = ['town', 'age', 'gender'];

  // Colours: dark enough on white for a projector (WCAG AA at least).
  const C = {
    bar: '#1f5fae',
    low: '#b4bcc7',
    lowText: '#6b7480',
    whisker: '#111111',
    dk: '#c24e00',
    text: '#1b1b1b',
    muted: '#4a4a4a',
    grid: '#dde3ea'
  };

  // Strings built by the script; the page's own texts carry data-en.
  const T = {
    connecting: ['连接中…', 'Connecting…'],
    live: ['实时', 'Live'],
    reconnecting: ['重新连接中…', 'Reconnecting…'],
    denied: ['无权查看', 'No access'],
    gone: ['调查不存在', 'No such survey'],
    loadError: ['暂时无法读取结果，正在重试；显示的是上次收到的数据。', 'Results could not be loaded; retrying. The figures shown are the last received.'],
    forbidden: ['无权查看本调查结果：请登录，或使用有效的分享链接。', 'You may not see these results: sign in, or open a valid share link.'],
    notFound: ['找不到这个调查的结果。', 'There are no results for this survey.'],
    notReady: ['加权数据准备中（正在把已有回答计入加权分组），稍后自动显示。', 'Weighted figures are being prepared (earlier responses are being counted); they will show shortly.'],
    included: ['已计入以下结果', 'included in the figures'],
    excluded: ['已从以下结果中剔除', 'left out of the figures'],
    tooFew: ['样本不足', 'Too few'],
    tooFewTitle: ['有效样本少于30', 'fewer than 30 valid answers'],
    unranked: ['未排名', 'unranked'],
    unrankedTitle: ['有效样本不足100，不排名', 'fewer than 100 answers: not ranked'],
    index: ['满意度指数', 'Index'],
    compositeIndex: ['综合指数', 'Composite index'],
    rate: ['满意率', 'Satisfied rate'],
    dis: ['不满意率', 'Dissatisfied'],
    dk: ['不了解率', "Don't know"],
    ci: ['95% 区间', '95% interval'],
    n: ['有效样本', 'Valid n'],
    responses: ['份', 'responses'],
    dkAxis: ['不了解率 %', "Don't know %"],
    indexAxis: ['指数', 'Index'],
    rateAxis: ['满意率 %', 'Satisfied %'],
    hours: ['时', 'h'],
    lastDays: ['最近7天', 'last 7 days'],
    vsYear: ['较{y}年', 'vs. {y}'],
    vsPrev: ['较上年', 'vs. previous year'],
    noWeightedPrev: ['上年没有加权结果，加权时不作比较', 'Last year has no weighted figures: no comparison when weighted'],
    reasons: {
      speeder: ['作答过快', 'Answered too fast'],
      straight_liner: ['所有题同一选项', 'Same level on every item'],
      shared_address: ['同一网络地址多份', 'Many from one address']
    },
    weighting: ['加权：按{v}迭代调整（raking）{i}次，{c}；与目标分布最大相差{e}；{t}人权重被截尾（{lo}–{hi}倍平均权重）；有效样本 n_eff {n}。分组结果未加权。',
      'Weighted: raked to {v} in {i} iterations, {c}; largest gap to the targets {e}; {t} weights trimmed to {lo}–{hi}× the mean; effective n {n}. Group results are unweighted.'],
    converged: ['已收敛', 'converged'],
    notConverged: ['未收敛', 'not converged'],
    vars: { town: ['镇街', 'town'], age: ['年龄段', 'age band'], gender: ['性别', 'gender'] }
  };

  let lang = pickLang();
  let view = 'index'; // or "rate"
  let flagged = 'include'; // or "exclude"
  let weighted = false;
  let last = null; // the results body on screen
  let lastAt = 0; // Date.now() when it arrived, to move as_of on
  const byBody = {}; // breakdown role → its last body, or null when the survey has none
  let hasUnits = false; // unweighted bodies rank units
  let hasPrevious = false; // unweighted bodies compare with last year

  const charts = {};
  let source = null;
  let connState = 'connecting';
  let stopped = false; // access denied or survey gone: no more requests
  let events = 0; // tally events rendered, to drop a fetch overtaken by one
  let fetching = false;
  let fetchAgain = false;
  let needSync = false;
  let retryDelay = RETRY_MIN;
  let byAt = 0; // when breakdowns were last fetched
  let byTimer = 0;
  let byDirty = false;

  // ----- small helpers -----

  function $(id) { return document.getElementById(id); }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function tr(k) { const v = T[k]; return v ? v[lang === 'en' ? 1 : 0] : k; }
  function pick(pair) { return pair ? pair[lang === 'en' ? 1 : 0] : ''; }
  function fill(s, vars) { return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; }); }
  function fmtIndex(v) { return isNum(v) ? v.toFixed(1) : DASH; }
  function fmtPct(v) { return isNum(v) ? (v * 100).toFixed(1) + '%' : DASH; }
  function fmtCount(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH; }
  function okCI(ci) { return !!ci && ci.length === 2 && isNum(ci[0]) && isNum(ci[1]); }
  function fmtCI(ci) { return okCI(ci) ? ci[0].toFixed(1) + '–' + ci[1].toFixed(1) : DASH; }
  function fmtRateCI(ci) { return okCI(ci) ? (ci[0] * 100).toFixed(1) + '–' + (ci[1] * 100).toFixed(1) + '%' : DASH; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }

  function setText(el, s) {
    if (el && el.textContent !== s) el.textContent = s;
  }

  function make(tag, cls, text) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  function tagEl() {
    const t = make('span', 'tag', tr('tooFew'));
    t.title = tr('tooFewTitle');
    return t;
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // ----- language -----

  function pickLang() {
    const q = new URLSearchParams(location.search).get('lang');
    if (q === 'en' || q === 'zh') return q;
    try {
      const s = localStorage.getItem(LANG_KEY);
      if (s === 'en' || s === 'zh') return s;
    } catch (e) { /* storage off: Chinese */ }
    return 'zh';
  }

  // applyLang swaps every text of the page that has an English twin, then
  // renders the figures again in that language.
  function applyLang() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    each(document.querySelectorAll('[data-en]'), function (el) {
      if (el.getAttribute('data-zh') === null) el.setAttribute('data-zh', el.textContent);
      el.textContent = el.getAttribute(lang === 'en' ? 'data-en' : 'data-zh');
    });
    each(document.querySelectorAll('[data-en-label]'), function (el) {
      if (el.getAttribute('data-zh-label') === null) el.setAttribute('data-zh-label', el.getAttribute('aria-label') || '');
      el.setAttribute('aria-label', el.getAttribute(lang === 'en' ? 'data-en-label' : 'data-zh-label'));
    });
    const b = $('lang');
    b.textContent = lang === 'en' ? '中文' : 'English';
    b.lang = lang === 'en' ? 'zh-CN' : 'en';
    b.setAttribute('aria-label', lang === 'en' ? '切换到中文' : 'Switch to English');
    setTitle(last && last.title);
    setConn(connState);
    if (last) render(last, true);
    renderBreakdowns();
  }

  function setTitle(fromBody) {
    const zh = fromBody || TITLE;
    const shown = lang === 'en' && TITLE_EN ? TITLE_EN : zh;
    setText($('title'), shown);
    document.title = shown + (lang === 'en' ? ' · Live results' : ' · 实时结果');
  }

  // ----- connection state -----

  // setConn shows the connection state: connecting, live, reconnecting,
  // denied or gone.
  function setConn(state) {
    connState = state;
    $('conn').className = 'conn conn-' + state;
    setText($('conn-text'), tr(state));
    root.classList.toggle('stale', state === 'reconnecting');
  }

  function showError(key) {
    const el = $('load-error');
    if (!key) {
      el.hidden = true;
      return;
    }
    el.setAttribute('data-key', key);
    setText(el, tr(key));
    el.hidden = false;
  }

  // ----- URLs -----

  function withParams(base, params) {
    const u = new URL(base, location.href);
    Object.keys(params).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined) u.searchParams.set(k, params[k]);
    });
    return u.pathname + u.search;
  }

  function mainURL() {
    return withParams(RESULTS, { flagged: flagged === 'exclude' ? 'exclude' : null, weighted: weighted ? '1' : null });
  }

  function isDefaultView() { return flagged === 'include' && !weighted; }

  function getJSON(url) {
    return fetch(url, { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (resp) {
        if (!resp.ok) {
          const err = new Error('HTTP ' + resp.status);
          err.status = resp.status;
          throw err;
        }
        return resp.json();
      });
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
          $('weight-switch').hidden = true;
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
        $('weight-switch').hidden = !(body && body.weighting);
      })
      .catch(function (err) {
        $('weight-switch').hidden = true;
        const final = err && (err.status === 422 || err.status === 403 || err.status === 404);
        if (!final && tries < 20) setTimeout(function () { probeWeighting(tries + 1); }, 15000);
      });
  }

  function resyncAll() {
    fetchMain();
    fetchBreakdowns();
  }

  // ----- the live stream -----

  function connect() {
    if (stopped) return;
    if (!window.EventSource) { // no stream: poll instead
      setConn('reconnecting');
      setInterval(resyncAll, 10000);
      return;
    }
    source = new EventSource(LIVE, { withCredentials: false });
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

  // ----- rendering -----

  // render shows a results body; again is true when only the language changed.
  function render(res, again) {
    if (!res || typeof res !== 'object') return;
    last = res;
    if (!again) lastAt = Date.now();
    setTitle(res.title);
    const wt = !!res.weighting;
    if (!wt) {
      hasUnits = !!(res.units && res.units.length);
      hasPrevious = !!res.previous;
    }

    setText($('responses'), fmtCount(res.responses));
    setText($('flagged'), fmtCount(res.flagged));
    setText($('flagged-state'), res.flagged > 0 ? '（' + tr(res.includes_flagged ? 'included' : 'excluded') + '）' : '');
    each(document.querySelectorAll('.sample-note'), function (el) { el.hidden = res.sample !== 'opt-in'; });
    const asOf = Date.parse(res.as_of);
    setText($('updated'), clock(isFinite(asOf) ? new Date(asOf) : new Date()));
    renderPerHour();

    const o = res.overall || {};
    setText($('overall-index'), fmtIndex(o.index));
    setText($('overall-ci'), fmtCI(o.ci95));
    setText($('overall-n'), fmtCount(o.n));
    $('overall-neff').hidden = !(wt && isNum(o.n_eff));
    setText($('overall-neff-v'), isNum(o.n_eff) ? o.n_eff.toFixed(1) : DASH);
    lowCard('overall', o.low_sample);
    $('overall').setAttribute('data-index', isNum(o.index) ? String(o.index) : '');
    renderOverallDelta(res.previous, wt);

    const q = res.overall_question;
    $('oq').hidden = !q;
    if (q) {
      setText($('oq-index'), fmtIndex(q.index));
      setText($('oq-ci'), fmtCI(q.ci95));
      setText($('oq-rate'), fmtPct(q.rate));
      setText($('oq-rate-ci'), fmtRateCI(q.rate_ci95));
      setText($('oq-n'), fmtCount(q.n) + (wt && isNum(q.n_eff) ? ' · n_eff ' + q.n_eff.toFixed(1) : ''));
      lowCard('oq', q.low_sample);
    }

    renderAreaRows(res.areas || [], res.previous, wt);
    renderAreaChart(res.areas || []);
    renderTimeline(res.timeline || [], asOf);
    renderQuality(res.quality, res.flagged);
    renderUnits(res.units, wt);
    renderWeighting(res.weighting);
    $('by-unweighted').hidden = !wt;
  }

  function lowCard(id, low) {
    const card = $(id);
    card.classList.toggle('low', !!low);
    card.querySelector('.tag').hidden = !low;
  }

  // renderPerHour estimates responses in the last 60 minutes: this hour so
  // far plus the previous hour's count times the share of this hour still
  // to come (as if that hour's responses were spread evenly). The clock is
  // the server's as_of moved on by the time since the body arrived.
  function renderPerHour() {
    const res = last;
    if (!res) return;
    const asOf = Date.parse(res.as_of);
    if (!isFinite(asOf)) {
      setText($('per-hour'), DASH);
      return;
    }
    const now = asOf + Math.max(0, Date.now() - lastAt);
    const h0 = Math.floor(now / HOUR) * HOUR;
    let c0 = 0;
    let c1 = 0;
    (res.timeline || []).forEach(function (h) {
      const t = Date.parse(h.hour);
      if (t === h0) c0 = h.responses;
      if (t === h0 - HOUR) c1 = h.responses;
    });
    const rate = c0 + c1 * (1 - (now - h0) / HOUR);
    setText($('per-hour'), fmtCount(rate));
    $('per-hour').setAttribute('data-rate', rate.toFixed(2));
  }

  function fmtDelta(d, se) {
    if (!isNum(d)) return { text: DASH, cls: '' };
    const half = isNum(se) ? 1.96 * se : null;
    const sig = half !== null && Math.abs(d) > half;
    const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
    let text = sign + Math.abs(d).toFixed(1) + (half !== null ? ' ± ' + half.toFixed(1) : '');
    if (sig) text = (d > 0 ? '▲ ' : '▼ ') + text;
    return { text: text, cls: sig ? (d > 0 ? 'up' : 'down') : '' };
  }

  function yearLabel(prev) {
    return prev && prev.year ? fill(tr('vsYear'), { y: prev.year }) : tr('vsPrev');
  }

  function renderOverallDelta(prev, wt) {
    const el = $('overall-delta');
    const f = prev && prev.overall;
    if (wt && !prev && hasPrevious) {
      el.hidden = false;
      el.className = 'sub delta none';
      setText(el, tr('noWeightedPrev'));
      return;
    }
    el.hidden = !f || !isNum(f.delta);
    if (el.hidden) return;
    const d = fmtDelta(f.delta, f.delta_se);
    setText(el, yearLabel(prev) + ' ' + d.text);
    el.className = 'sub delta ' + d.cls;
  }

  // ----- the area table -----

  const rows = {}; // area code → its cells
  const tbody = $('area-rows');

  function makeRow(code) {
    const r = {};
    r.tr = make('tr');
    r.tr.setAttribute('data-area', code);
    const th = make('th', 'name');
    th.scope = 'row';
    r.name = make('span', 'area-name');
    r.tag = tagEl();
    r.tag.hidden = true;
    th.appendChild(r.name);
    th.appendChild(r.tag);
    r.tr.appendChild(th);
    [['idx', 'index'], ['rate', 'rate'], ['dis', 'dis'], ['dk', 'dk'], ['n', 'n'], ['delta', 'vsPrev']].forEach(function (c) {
      const td = make('td', 'fig fig-' + c[0]);
      td.setAttribute('data-k', c[1]);
      r[c[0]] = make('span', 'v', DASH);
      td.appendChild(r[c[0]]);
      if (c[0] === 'idx' || c[0] === 'rate' || c[0] === 'n') {
        r[c[0] + 'Sub'] = make('span', 'ci', '');
        td.appendChild(r[c[0] + 'Sub']);
      }
      r[c[0] + 'Cell'] = td;
      r.tr.appendChild(td);
    });
    r.deltaCell.classList.add('col-delta');
    return r;
  }

  function renderAreaRows(areas, prev, wt) {
    const seen = {};
    const prevBy = {};
    if (prev && prev.areas) prev.areas.forEach(function (p) { prevBy[p.code] = p; });
    each(document.querySelectorAll('.col-delta'), function (el) { el.hidden = !prev; });
    each(document.querySelectorAll('#areas th.col-delta .yr'), function (el) { setText(el, prev && prev.year ? '(' + prev.year + ')' : ''); });
    areas.forEach(function (a) {
      let r = rows[a.code];
      if (!r) r = rows[a.code] = makeRow(a.code);
      seen[a.code] = true;
      setText(r.name, a.name || a.code);
      r.tr.classList.toggle('low', !!a.low_sample);
      r.tag.hidden = !a.low_sample;
      setText(r.tag, tr('tooFew'));
      r.tag.title = tr('tooFewTitle');
      setText(r.idx, fmtIndex(a.index));
      setText(r.idxSub, okCI(a.ci95) ? fmtCI(a.ci95) : '');
      setText(r.rate, fmtPct(a.rate));
      setText(r.rateSub, okCI(a.rate_ci95) ? fmtRateCI(a.rate_ci95) : '');
      setText(r.dis, fmtPct(a.dissatisfied_rate));
      setText(r.dk, fmtPct(a.dont_know_rate));
      setText(r.n, fmtCount(a.n));
      setText(r.nSub, wt && isNum(a.n_eff) ? 'n_eff ' + a.n_eff.toFixed(1) : '');
      const p = prevBy[a.code];
      const d = fmtDelta(p && p.delta, p && p.delta_se);
      setText(r.delta, d.text);
      r.deltaCell.className = 'fig fig-delta col-delta ' + d.cls;
      r.deltaCell.hidden = !prev;
      [['index', a.index], ['rate', a.rate], ['dk', a.dont_know_rate], ['n', a.n], ['n-eff', a.n_eff], ['delta', p && p.delta]].forEach(function (kv) {
        r.tr.setAttribute('data-' + kv[0], isNum(kv[1]) ? String(kv[1]) : '');
      });
      [['idx', 'index'], ['rate', 'rate'], ['dis', 'dis'], ['dk', 'dk'], ['n', 'n'], ['delta', 'vsPrev']].forEach(function (c) {
        r[c[0] + 'Cell'].setAttribute('data-label', c[0] === 'delta' ? yearLabel(prev) : tr(c[1]));
      });
      tbody.appendChild(r.tr); // keeps the order of the results
    });
    Object.keys(rows).forEach(function (code) {
      if (!seen[code]) {
        tbody.removeChild(rows[code].tr);
        delete rows[code];
      }
    });
  }

  // ----- units -----

  function renderUnits(units, wt) {
    const panel = $('units-panel');
    const none = !units || units.length === 0;
    // Weighted results are for the whole sample: say so where the ranking was.
    panel.hidden = none && !(wt && hasUnits);
    $('units-weighted').hidden = !none;
    $('units').hidden = none;
    if (none) return;
    const body = $('unit-rows');
    const sorted = units.slice().sort(function (a, b) {
      const ra = isNum(a.rank) ? a.rank : Infinity;
      const rb = isNum(b.rank) ? b.rank : Infinity;
      if (ra !== rb) return ra - rb;
      const ia = a.overall && isNum(a.overall.index) ? a.overall.index : -1;
      const ib = b.overall && isNum(b.overall.index) ? b.overall.index : -1;
      return ib - ia;
    });
    const frag = document.createDocumentFragment();
    sorted.forEach(function (u) {
      const o = u.overall || {};
      const row = make('tr');
      row.setAttribute('data-unit', u.code);
      row.setAttribute('data-rank', isNum(u.rank) ? String(u.rank) : '');
      row.classList.toggle('low', !!o.low_sample);
      const rank = make('td', 'rank');
      if (isNum(u.rank)) {
        rank.textContent = (u.tied ? '=' : '') + u.rank;
      } else {
        const s = make('span', 'unranked', tr('unranked'));
        s.title = tr('unrankedTitle');
        rank.appendChild(s);
      }
      row.appendChild(rank);
      const name = make('th', 'name');
      name.scope = 'row';
      name.appendChild(make('span', 'unit-name', u.name || u.code));
      if (o.low_sample) name.appendChild(tagEl());
      row.appendChild(name);
      row.appendChild(make('td', 'fig idx', fmtIndex(o.index)));
      row.appendChild(make('td', 'fig', fmtCI(o.ci95)));
      row.appendChild(make('td', 'fig', fmtCount(u.responses) + (wt && isNum(o.n_eff) ? ' · n_eff ' + o.n_eff.toFixed(1) : '')));
      frag.appendChild(row);
    });
    body.textContent = '';
    body.appendChild(frag);
  }

  // ----- quality -----

  function renderQuality(q, flaggedN) {
    q = q || { flagged: flaggedN, reasons: {}, reviewed_valid: null, reviewed_invalid: null };
    setText($('q-flagged'), fmtCount(q.flagged));
    setText($('q-valid'), fmtCount(q.reviewed_valid));
    setText($('q-invalid'), fmtCount(q.reviewed_invalid));
    const reasons = q.reasons || {};
    const keys = Object.keys(T.reasons).concat(Object.keys(reasons).filter(function (k) { return !T.reasons[k]; }).sort());
    let max = 1;
    keys.forEach(function (k) { if (reasons[k] > max) max = reasons[k]; });
    const list = $('q-reasons');
    const frag = document.createDocumentFragment();
    keys.forEach(function (k) {
      const n = isNum(reasons[k]) ? reasons[k] : 0;
      const li = make('li');
      li.setAttribute('data-reason', k);
      li.appendChild(make('span', 'reason', T.reasons[k] ? pick(T.reasons[k]) : k));
      const track = make('span', 'track');
      const bar = make('span', 'fill');
      bar.style.width = (100 * n / max).toFixed(1) + '%';
      track.appendChild(bar);
      li.appendChild(track);
      li.appendChild(make('b', 'count', fmtCount(n)));
      frag.appendChild(li);
    });
    list.textContent = '';
    list.appendChild(frag);
  }

  function renderWeighting(w) {
    const el = $('weighting-note');
    el.hidden = !w;
    if (!w) return;
    const vars = (w.variables || []).map(function (v) { return T.vars[v] ? pick(T.vars[v]) : v; });
    setText(el, fill(tr('weighting'), {
      v: vars.join(lang === 'en' ? ', ' : '、'),
      i: w.iterations,
      c: tr(w.converged ? 'converged' : 'notConverged'),
      e: isNum(w.max_error) ? (w.max_error * 100).toFixed(2) + '%' : DASH,
      t: fmtCount(w.trimmed),
      lo: w.bounds ? w.bounds[0] : 0.2,
      hi: w.bounds ? w.bounds[1] : 5,
      n: isNum(w.n_eff) ? w.n_eff.toFixed(1) : DASH
    }));
  }

  // ----- charts -----

  function fontBase() {
    return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  }

  function chart(key, el) {
    if (!window.echarts || !el) return null;
    let c = charts[key];
    if (c && c.getDom() === el) return c;
    c = window.echarts.init(el, null, { renderer: 'canvas' });
    charts[key] = c;
    if (window.ResizeObserver) new ResizeObserver(function () { c.resize({ animation: { duration: 0 } }); }).observe(el);
    return c;
  }

  function textStyle(fs) {
    return { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: fs, color: C.text };
  }

  // whiskers draws a row's 95% interval (a line with end caps) and its
  // value as text just past the interval, so that nothing overlaps the bar.
  function whiskers(fs, pct) {
    return function (params, api) {
      const lo = api.value(0);
      const hi = api.value(1);
      const cat = api.value(2);
      const v = api.value(3);
      const low = api.value(4) === 1;
      if (!isFinite(v)) return null;
      const children = [];
      const mid = api.coord([v, cat]);
      let right = mid[0];
      if (isFinite(lo) && isFinite(hi)) {
        const a = api.coord([lo, cat]);
        const b = api.coord([hi, cat]);
        const cap = Math.max(6, api.size([0, 1])[1] * 0.4);
        const style = { stroke: C.whisker, lineWidth: 2 };
        children.push(
          { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
          { type: 'line', shape: { x1: a[0], y1: a[1] - cap / 2, x2: a[0], y2: a[1] + cap / 2 }, style: style },
          { type: 'line', shape: { x1: b[0], y1: b[1] - cap / 2, x2: b[0], y2: b[1] + cap / 2 }, style: style });
        right = Math.max(right, b[0]);
      }
      children.push({
        type: 'text',
        x: right + fs * 0.35,
        y: mid[1],
        style: {
          text: v.toFixed(1) + (pct ? '%' : ''),
          fill: low ? C.lowText : C.text,
          fontSize: Math.round(fs * 0.95),
          fontWeight: 'bold',
          fontFamily: getComputedStyle(document.body).fontFamily,
          align: 'left',
          verticalAlign: 'middle'
        }
      });
      return { type: 'group', children: children };
    };
  }

  // tooltipBox builds a tooltip as DOM (ECharts would set a string as HTML).
  function tooltipBox(title, lines) {
    const box = make('div', 'tip');
    box.appendChild(make('b', null, title));
    lines.forEach(function (l) { if (l) box.appendChild(make('div', null, l)); });
    return box;
  }

  // hbars is the option of a horizontal bar chart with interval whiskers:
  // items [{name, value, ci: [lo, hi], low, dk, right, tip: [lines]}],
  // values 0-100. With opts.dk the don't-know rates are markers in a narrow
  // panel of their own on the right; with opts.right each row has a second
  // label (the sample size) at the far right.
  function hbars(items, opts) {
    const fs = fontBase();
    const small = Math.round(fs * 0.8);
    const narrow = document.documentElement.clientWidth < 700;
    const valueRoom = Math.round(fs * (opts.pct ? 3.6 : 2.9)); // the text past the whisker
    const dkWidth = Math.round(opts.width * (narrow ? 0.24 : 0.18)); // the DK panel
    const grids = [{
      id: 'g0',
      left: 8,
      right: opts.dk ? dkWidth + valueRoom : (opts.right ? 8 : valueRoom),
      top: Math.round(fs * 0.5),
      bottom: Math.round(fs * 1.9), // the axis name; containLabel leaves room for the labels only
      containLabel: true
    }];
    const xAxis = [{
      id: 'x',
      type: 'value',
      min: 0,
      max: 100,
      name: opts.axis,
      nameLocation: 'middle',
      nameGap: Math.round(fs * 1.6),
      nameTextStyle: { fontSize: small, color: C.muted },
      axisLabel: { fontSize: small, color: C.muted },
      splitLine: { lineStyle: { color: C.grid } }
    }];
    const yAxis = [{
      id: 'y',
      type: 'category',
      inverse: true,
      data: items.map(function (it) { return { value: it.name, textStyle: { color: it.low ? C.lowText : C.text } }; }),
      axisTick: { show: false },
      axisLine: { lineStyle: { color: C.muted } },
      axisLabel: { fontSize: Math.round(fs * 0.95), width: opts.labelWidth || fs * 9, overflow: 'truncate' }
    }];
    const series = [
      {
        type: 'bar',
        id: 'value',
        barCategoryGap: '32%',
        data: items.map(function (it) {
          return { value: isNum(it.value) ? it.value : '-', itemStyle: { color: it.low ? C.low : C.bar } };
        }),
        animationDurationUpdate: 500
      },
      {
        type: 'custom',
        id: 'ci',
        renderItem: whiskers(fs, opts.pct),
        encode: { x: [0, 1, 3], y: 2 },
        data: items.map(function (it, i) {
          const ci = okCI(it.ci) ? it.ci : ['-', '-'];
          return [ci[0], ci[1], i, isNum(it.value) ? it.value : '-', it.low ? 1 : 0];
        }),
        z: 3,
        silent: true,
        animationDurationUpdate: 500
      }
    ];
    if (opts.right) { // a second label per row on the right: the sample size
      yAxis.push({
        id: 'n',
        type: 'category',
        inverse: true,
        position: 'right',
        data: items.map(function (it) { return { value: it.right, textStyle: { color: it.low ? C.lowText : C.muted } }; }),
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { fontSize: small, margin: valueRoom + Math.round(fs * 0.5) }
      });
    }
    if (opts.dk) {
      let top = 20; // the DK axis runs to the next 20% above the largest rate
      items.forEach(function (it) { if (isNum(it.dk)) top = Math.max(top, Math.ceil(it.dk * 5 - 1e-9) * 20); });
      grids.push({ id: 'g1', left: opts.width - dkWidth + Math.round(fs * 0.6), right: Math.round(fs * (narrow ? 0.8 : 2.2)), top: grids[0].top, bottom: grids[0].bottom, containLabel: true });
      xAxis.push({
        id: 'dk',
        type: 'value',
        gridIndex: 1,
        min: 0,
        max: Math.min(100, top),
        interval: Math.min(100, top) / 2,
        name: tr('dkAxis'),
        nameLocation: 'middle',
        nameGap: Math.round(fs * 1.6),
        nameTextStyle: { fontSize: small, color: C.dk },
        axisLabel: { fontSize: small, color: C.dk },
        splitLine: { lineStyle: { color: C.grid } }
      });
      yAxis.push({
        id: 'dky',
        type: 'category',
        gridIndex: 1,
        inverse: true,
        data: items.map(function (it) { return it.name; }),
        axisTick: { show: false },
        axisLabel: { show: false },
        axisLine: { lineStyle: { color: C.dk } }
      });
      series.push({
        type: 'scatter',
        id: 'dk',
        xAxisIndex: 1,
        yAxisIndex: 1,
        symbol: 'diamond',
        symbolSize: Math.round(fs * 0.85),
        itemStyle: { color: C.dk },
        label: {
          show: !narrow,
          position: 'right',
          color: C.dk,
          fontSize: small,
          formatter: function (p) { return isNum(p.value[0]) ? p.value[0].toFixed(0) + '%' : ''; }
        },
        z: 4,
        data: items.map(function (it, i) { return [isNum(it.dk) ? it.dk * 100 : '-', i]; })
      });
    }
    return {
      animationDuration: 400,
      textStyle: textStyle(fs),
      grid: grids,
      xAxis: xAxis,
      yAxis: yAxis,
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        confine: true,
        textStyle: { fontSize: Math.round(fs * 0.85) },
        formatter: function (ps) {
          const it = items[ps[0].dataIndex];
          return it ? tooltipBox(it.name, it.tip) : '';
        }
      },
      series: series
    };
  }

  function chartHeight(el, rowsN, fs, extra) {
    const h = Math.round(rowsN * Math.max(28, fs * 1.9) + extra);
    if (el.style.height !== h + 'px') el.style.height = h + 'px';
  }

  function renderAreaChart(areas) {
    const el = $('area-chart');
    const rate = view === 'rate';
    const fs = fontBase();
    el.setAttribute('data-view', view);
    chartHeight(el, areas.length, fs, fs * 5);
    const c = chart('areas', el);
    if (!c) return;
    const items = areas.map(function (a) {
      return {
        name: a.name || a.code,
        value: rate ? (isNum(a.rate) ? a.rate * 100 : null) : a.index,
        ci: rate ? (okCI(a.rate_ci95) ? [a.rate_ci95[0] * 100, a.rate_ci95[1] * 100] : null) : a.ci95,
        low: !!a.low_sample,
        dk: a.dont_know_rate,
        tip: [
          tr('index') + ' ' + fmtIndex(a.index) + '（' + tr('ci') + ' ' + fmtCI(a.ci95) + '）',
          tr('rate') + ' ' + fmtPct(a.rate) + '（' + fmtRateCI(a.rate_ci95) + '）',
          tr('dk') + ' ' + fmtPct(a.dont_know_rate),
          tr('n') + ' ' + fmtCount(a.n) + (a.low_sample ? ' · ' + tr('tooFew') : '')
        ]
      };
    });
    c.setOption(hbars(items, { dk: true, pct: rate, width: el.clientWidth, axis: rate ? tr('rateAxis') : tr('indexAxis') }), { replaceMerge: ['series', 'xAxis', 'yAxis', 'grid'] });
    c.resize();
  }

  function renderTimeline(timeline, asOf) {
    const el = $('timeline-chart');
    const c = chart('timeline', el);
    if (!c) return;
    const fs = fontBase();
    const end = Math.floor((isFinite(asOf) ? asOf : Date.now()) / HOUR) * HOUR + HOUR;
    const from = end - TIMELINE_SPAN;
    const hours = timeline.map(function (h) { return [Date.parse(h.hour), h.responses]; })
      .filter(function (h) { return isFinite(h[0]) && h[0] >= from; });
    const start = hours.length ? Math.min(hours[0][0], end - 6 * HOUR) : end - 6 * HOUR;
    el.setAttribute('data-hours', String(hours.length));
    c.setOption({
      animation: false,
      textStyle: textStyle(fs),
      grid: { left: 8, right: Math.round(fs), top: Math.round(fs * 1.2), bottom: 8, containLabel: true },
      xAxis: {
        type: 'time',
        min: start,
        max: end,
        axisLabel: { fontSize: Math.round(fs * 0.75), color: C.muted, hideOverlap: true },
        splitLine: { show: false }
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        axisLabel: { fontSize: Math.round(fs * 0.75), color: C.muted },
        splitLine: { lineStyle: { color: C.grid } }
      },
      tooltip: {
        trigger: 'item',
        confine: true,
        formatter: function (p) {
          const d = new Date(p.value[0]);
          return tooltipBox((d.getMonth() + 1) + '/' + d.getDate() + ' ' + pad(d.getHours()) + ':00–' + pad(d.getHours() + 1 === 24 ? 0 : d.getHours() + 1) + ':00',
            [fmtCount(p.value[2]) + ' ' + tr('responses')]);
        }
      },
      series: [{
        type: 'custom',
        encode: { x: [0, 1], y: 2 },
        data: hours.map(function (h) { return [h[0], h[0] + HOUR, h[1]]; }),
        renderItem: function (params, api) {
          const p0 = api.coord([api.value(0), api.value(2)]);
          const p1 = api.coord([api.value(1), 0]);
          const gap = Math.min(2, (p1[0] - p0[0]) * 0.15);
          return {
            type: 'rect',
            shape: { x: p0[0] + gap, y: p0[1], width: Math.max(1, p1[0] - p0[0] - 2 * gap), height: p1[1] - p0[1] },
            style: { fill: C.bar }
          };
        }
      }]
    }, { notMerge: true });
  }

  // ----- breakdowns -----

  function renderBreakdowns() {
    BREAKDOWNS.forEach(renderBreakdown);
  }

  function renderBreakdown(role) {
    const box = $('by-' + role);
    const body = byBody[role];
    box.hidden = body === null;
    $('breakdowns').hidden = BREAKDOWNS.every(function (r) { return byBody[r] === null; });
    if (!body || !body.breakdown) return;
    const cells = body.breakdown.cells || [];
    box.setAttribute('data-cells', String(cells.length));
    // The figures as a table for screen readers and tests.
    let table = box.querySelector('table');
    if (!table) {
      const wrap = make('div', 'sr-only');
      table = make('table');
      wrap.appendChild(table);
      box.appendChild(wrap);
    }
    table.textContent = '';
    cells.forEach(function (cell) {
      const o = cell.overall || {};
      const row = make('tr');
      row.setAttribute('data-cell', cell.code);
      row.setAttribute('data-index', isNum(o.index) ? String(o.index) : '');
      row.appendChild(make('th', null, cell.label || cell.code));
      row.appendChild(make('td', null, tr('compositeIndex') + ' ' + fmtIndex(o.index) + ' (' + fmtCI(o.ci95) + ')'));
      row.appendChild(make('td', null, 'n ' + fmtCount(o.n)));
      table.appendChild(row);
    });
    const el = box.querySelector('.chart');
    const fs = fontBase();
    chartHeight(el, cells.length, fs, fs * 5);
    const c = chart('by-' + role, el);
    if (!c) return;
    const items = cells.map(function (cell) {
      const o = cell.overall || {};
      return {
        name: cell.label || cell.code,
        right: 'n=' + fmtCount(o.n),
        value: o.index,
        ci: o.ci95,
        low: !!o.low_sample,
        tip: [
          tr('compositeIndex') + ' ' + fmtIndex(o.index) + '（' + tr('ci') + ' ' + fmtCI(o.ci95) + '）',
          tr('n') + ' ' + fmtCount(o.n) + (o.low_sample ? ' · ' + tr('tooFew') : '')
        ]
      };
    });
    c.setOption(hbars(items, { dk: false, right: true, width: el.clientWidth, axis: tr('compositeIndex'), labelWidth: fs * 7 }), { replaceMerge: ['series', 'xAxis', 'yAxis', 'grid'] });
    c.resize();
  }

  // ----- switches -----

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
    $('lang').addEventListener('click', function () {
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

  // ----- start -----

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
})();
