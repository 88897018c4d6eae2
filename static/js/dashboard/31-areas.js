/* The area table, kept row by row in the order of the results. */

const areaRows = {}; // area code → its cells
const areaBody = byId('area-rows');

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
    let r = areaRows[a.code];
    if (!r) r = areaRows[a.code] = makeRow(a.code);
    seen[a.code] = true;
    setText(r.name, a.name || a.code);
    r.tr.classList.toggle('low', !!a.low_sample);
    r.tag.hidden = !a.low_sample;
    setText(r.tag, tr('tooFew'));
    r.tag.title = fill(tr('tooFewTitle'), { n: limits.low_sample });
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
    areaBody.appendChild(r.tr); // keeps the order of the results
  });
  Object.keys(areaRows).forEach(function (code) {
    if (!seen[code]) {
      areaBody.removeChild(areaRows[code].tr);
      delete areaRows[code];
    }
  });
}
