/* The unit ranking, data quality and the weighting note. */

function renderUnits(units, wt) {
  const panel = byId('units-panel');
  const none = !units || units.length === 0;
  // Weighted results are for the whole sample: say so where the ranking was.
  panel.hidden = none && !(wt && hasUnits);
  byId('units-weighted').hidden = !none;
  byId('units').hidden = none;
  if (none) return;
  const body = byId('unit-rows');
  // Ranks are within a category: list each category's units together.
  const catAt = function (u) { const i = categoryOrder.indexOf(u.category || ''); return i < 0 ? categoryOrder.length : i; };
  const sorted = units.slice().sort(function (a, b) {
    if (catAt(a) !== catAt(b)) return catAt(a) - catAt(b);
    const ra = isNum(a.rank) ? a.rank : Infinity;
    const rb = isNum(b.rank) ? b.rank : Infinity;
    if (ra !== rb) return ra - rb;
    const ia = a.overall && isNum(a.overall.index) ? a.overall.index : -1;
    const ib = b.overall && isNum(b.overall.index) ? b.overall.index : -1;
    return ib - ia;
  });
  const frag = document.createDocumentFragment();
  let cat = null;
  sorted.forEach(function (u) {
    const o = u.overall || {};
    if (categoryOrder.length && u.category !== cat) {
      cat = u.category;
      const head = make('tr', 'cat-row');
      const th = make('th', '', categoryNames[cat] || cat || '');
      th.colSpan = 6;
      th.scope = 'colgroup';
      head.appendChild(th);
      frag.appendChild(head);
    }
    const row = make('tr');
    row.setAttribute('data-unit', u.code);
    row.setAttribute('data-rank', isNum(u.rank) ? String(u.rank) : '');
    row.classList.toggle('low', !!o.low_sample);
    const rank = make('td', 'rank');
    if (isNum(u.rank)) {
      rank.textContent = (u.tied ? '=' : '') + u.rank;
    } else {
      const s = make('span', 'unranked', tr('unranked'));
      s.title = fill(tr('unrankedTitle'), { n: limits.rank_min_n });
      rank.appendChild(s);
    }
    row.appendChild(rank);
    const rr = u.rank_range;
    row.appendChild(make('td', 'fig rank-range', rr && rr.length === 2 ? (rr[0] === rr[1] ? String(rr[0]) : rr[0] + '–' + rr[1]) : '—'));
    const name = make('th', 'name');
    name.scope = 'row';
    const label = make('span', 'unit-name');
    label.appendChild(unitLink(u));
    name.appendChild(label);
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
  setText(byId('q-flagged'), fmtCount(q.flagged));
  setText(byId('q-valid'), fmtCount(q.reviewed_valid));
  setText(byId('q-invalid'), fmtCount(q.reviewed_invalid));
  const reasons = q.reasons || {};
  const keys = Object.keys(T.reasons).concat(Object.keys(reasons).filter(function (k) { return !T.reasons[k]; }).sort());
  let max = 1;
  keys.forEach(function (k) { if (reasons[k] > max) max = reasons[k]; });
  const list = byId('q-reasons');
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
  const el = byId('weighting-note');
  el.hidden = !w;
  if (!w) return;
  const vars = (w.variables || []).map(function (v) { return T.vars[v] ? pick(T.vars[v]) : v; });
  el.classList.toggle('warn', !w.converged);
  setText(el, (w.converged ? '' : tr('notConvergedWarn') + ' ') + fill(tr('weighting'), {
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
