/*
 * The designer's campaign panels: the categories of units with the areas
 * that apply to each, the CSV import of units, and every unit's own
 * summaries, one collapsible block per unit (built when opened, so that 60
 * units × 13 areas stay light), with a search and a count of the units
 * still missing a summary.
 */

// categoryAreas is the list of area codes that apply to a unit of the
// category with that code: every area when it names none (or no such category).
function categoryAreas(def, code) {
  var all = (def.areas || []).map(function (a) { return a.code; });
  var cat = (def.categories || []).filter(function (c) { return c.code === code; })[0];
  return cat && cat.areas && cat.areas.length ? cat.areas.filter(function (a) { return all.indexOf(a) >= 0; }) : all;
}

// summaryCount is [filled, applicable] summaries of unit u.
function summaryCount(def, u) {
  var areas = categoryAreas(def, u.category);
  var filled = areas.filter(function (a) { return u.summaries && u.summaries[a] && u.summaries[a].trim(); }).length;
  return [filled, areas.length];
}

function renderCampaign(def) {
  renderCategories(def);
  renderSummaryUnits(def);
}

function renderCategories(def) {
  var box = byId('categories-list');
  clear(box);
  (def.categories || []).forEach(function (c, i) {
    var p = 'categories[' + i + ']';
    var row = make('div', 'cat-item');
    row.setAttribute('data-err', p);
    var head = make('div', 'grid-2');
    head.appendChild(field('代码', 'Code', input(p + '.code', { cls: 'code-in', spellcheck: 'false' })));
    head.appendChild(field('名称', 'Name', input(p + '.name', { maxlength: '200' })));
    row.appendChild(head);
    var areas = make('fieldset', 'cat-areas');
    areas.setAttribute('data-err', p + '.areas');
    areas.appendChild(bi('legend', '', '适用的领域（都不选 = 全部）', 'Areas that apply (none ticked = all)'));
    var on = c.areas || [];
    (def.areas || []).forEach(function (a) {
      var l = make('label', 'check');
      var cb = make('input', 'cat-area');
      cb.type = 'checkbox';
      cb.value = a.code;
      cb.checked = on.indexOf(a.code) >= 0;
      cb.setAttribute('data-cat', String(i));
      l.appendChild(cb);
      l.appendChild(make('span', '', (a.name || a.code) + ' '));
      l.appendChild(make('span', 'mono muted', a.code));
      areas.appendChild(l);
    });
    row.appendChild(areas);
    if (CAN_EDIT) {
      var del = bi('button', 'btn small danger', '删除类别', 'Delete category');
      del.type = 'button';
      del.setAttribute('data-cat-del', String(i));
      row.appendChild(del);
    }
    box.appendChild(row);
  });
  fillValues(box, def);
  lockIfViewer(byId('sec-categories'));
}

function renderSummaryUnits(def) {
  var box = byId('summ-units');
  clear(box);
  var units = def.units || [];
  byId('sec-summaries').hidden = units.length === 0;
  units.forEach(function (u, i) {
    var d = make('details', 'item summ-unit');
    d.id = 'summ-u-' + i;
    d.setAttribute('data-i', String(i));
    d.setAttribute('data-err', 'units[' + i + ']');
    d.setAttribute('data-name', (u.code + ' ' + (u.name || '')).toLowerCase());
    var s = make('summary');
    s.appendChild(make('span', 'item-title', (u.name || u.code) + ' · ' + u.code + (u.category ? ' · ' + u.category : '')));
    s.appendChild(make('span', 'item-meta'));
    d.appendChild(s);
    box.appendChild(d);
    unitMeta(def, i);
  });
  missingCount(def);
  filterSummaryUnits();
}

// unitFields builds the summary fields of unit i, once, when opened.
function unitFields(def, d) {
  if (d.getAttribute('data-built')) return;
  d.setAttribute('data-built', '1');
  var i = parseInt(d.getAttribute('data-i'), 10);
  var u = def.units[i];
  var names = {};
  (def.areas || []).forEach(function (a) { names[a.code] = a; });
  categoryAreas(def, u.category).forEach(function (code) {
    var a = names[code] || { code: code, summary: '' };
    var ta = input('units[' + i + '].summaries.' + code, { tag: 'textarea', rows: '3', 'data-type': 'opt', 'data-max': '2000',
      placeholder: a.summary ? '留空则显示领域概述：' + a.summary : '本单位在该领域的2-4句工作概述 the unit\u2019s own 2-4 sentences' });
    d.appendChild(field((a.name || code) + ' ' + code, '', ta, 'span-2'));
  });
  fillValues(d, def);
  lockIfViewer(d);
}

function unitMeta(def, i) {
  var d = byId('summ-u-' + i);
  if (!d) return;
  var n = summaryCount(def, def.units[i]);
  var meta = d.querySelector('summary .item-meta');
  meta.textContent = n[0] + ' / ' + n[1] + ' 已填 filled';
  d.classList.toggle('missing', n[0] < n[1]);
}

function missingCount(def) {
  var missing = (def.units || []).filter(function (u) { var n = summaryCount(def, u); return n[0] < n[1]; }).length;
  var el = byId('summ-missing');
  el.textContent = missing ? missing + ' 个单位尚缺概述 ' + missing + ' units still missing a summary' : '各单位概述已齐 every unit has its summaries';
  el.classList.toggle('field-error', missing > 0);
  el.setAttribute('data-missing', String(missing));
}

function filterSummaryUnits() {
  var q = byId('summ-search').value.trim().toLowerCase();
  var onlyMissing = byId('summ-only-missing').checked;
  each(byId('summ-units').querySelectorAll('details.summ-unit'), function (d) {
    d.hidden = (q && d.getAttribute('data-name').indexOf(q) < 0) || (onlyMissing && !d.classList.contains('missing'));
  });
}

// initCampaign binds the campaign panels of designer dz; touched(path)
// notes an edit.
function initCampaign(dz, touched) {
  byId('cat-add').addEventListener('click', function () {
    if (!CAN_EDIT) return;
    var def = dz.def;
    def.categories = def.categories || [];
    def.categories.push({ code: 'c' + (def.categories.length + 1), name: '' });
    renderCategories(def);
    touched('categories');
  });
  byId('categories-list').addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-cat-del]');
    if (!b || !CAN_EDIT) return;
    var def = dz.def;
    def.categories.splice(parseInt(b.getAttribute('data-cat-del'), 10), 1);
    if (!def.categories.length) delete def.categories;
    renderCampaign(def);
    touched('categories');
  });
  byId('categories-list').addEventListener('change', function (ev) {
    var cb = ev.target;
    if (!cb.classList.contains('cat-area') || !CAN_EDIT) return;
    var def = dz.def;
    var c = def.categories[parseInt(cb.getAttribute('data-cat'), 10)];
    var on = [];
    each(cb.closest('fieldset').querySelectorAll('input.cat-area'), function (x) { if (x.checked) on.push(x.value); });
    if (on.length) c.areas = on; else delete c.areas;
    renderSummaryUnits(def);
    touched('categories');
  });
  // A category's code is what units name: redraw the summaries after it changes.
  byId('categories-list').addEventListener('change', function (ev) {
    if (/\.code$/.test(ev.target.getAttribute('data-path') || '')) setTimeout(function () { renderSummaryUnits(dz.def); }, 0);
  });
  byId('summ-units').addEventListener('toggle', function (ev) {
    if (ev.target.open) unitFields(dz.def, ev.target);
  }, true);
  // The editor's own listener stores the text; count after it has.
  byId('summ-units').addEventListener('input', function (ev) {
    var d = ev.target.closest('details.summ-unit');
    if (!d) return;
    setTimeout(function () {
      unitMeta(dz.def, parseInt(d.getAttribute('data-i'), 10));
      missingCount(dz.def);
    }, 0);
  });
  byId('summ-search').addEventListener('input', filterSummaryUnits);
  byId('summ-only-missing').addEventListener('change', filterSummaryUnits);
  byId('units-file').addEventListener('change', function () {
    var f = byId('units-file').files[0];
    if (f) importUnitsFile(dz, f, touched);
  });
}

// mergeUnits puts the imported units into def: one with the code of a unit
// already there replaces its name, category and target but keeps its
// summaries and quotas; new codes are added at the end.
function mergeUnits(def, imported) {
  var units = (def.units || []).slice();
  var at = {};
  units.forEach(function (u, i) { at[u.code] = i; });
  imported.forEach(function (n) {
    var i = at[n.code];
    if (i === undefined) {
      at[n.code] = units.length;
      units.push(n);
      return;
    }
    var u = Object.assign({}, units[i], { code: n.code, name: n.name });
    if (n.category) u.category = n.category; else delete u.category;
    if (n.target) u.target = n.target; else delete u.target;
    units[i] = u;
  });
  if (units.length) def.units = units;
  else delete def.units;
}

// showUnitProblems lists the refused rows of an import by line.
function showUnitProblems(problems) {
  var ul = byId('units-problems');
  ul.textContent = '';
  (problems || []).forEach(function (p) {
    var li = document.createElement('li');
    li.textContent = '第 ' + p.line + ' 行 line ' + p.line + ': ' + p.error;
    ul.appendChild(li);
  });
  ul.hidden = !ul.children.length;
}

// importUnitsFile sends a CSV or XLSX file to the server, which reads and
// checks it, and merges the units it returns into the draft (saved as
// every other change is).
function importUnitsFile(dz, f, touched) {
  if (!/\.(csv|txt|xlsx)$/i.test(f.name)) {
    toast('请选择 CSV 或 XLSX 文件 choose a CSV or XLSX file', 'warn');
    return;
  }
  var form = new FormData();
  form.append('file', f, f.name);
  fetch(dz.base + '/units/import', {
    method: 'POST', credentials: 'same-origin', cache: 'no-store', body: form,
    headers: { Accept: 'application/json', 'X-CSRF-Token': CSRF }
  }).then(function (resp) {
    return resp.json().catch(function () { return {}; }).then(function (body) {
      if (!resp.ok) throw new Error((body.error && body.error.message) || '导入失败 import failed (HTTP ' + resp.status + ')');
      return body;
    });
  }).then(function (res) {
    mergeUnits(dz.def, res.units || []);
    byId('units-text').value = unitsText(dz.def);
    renderUnits(dz.def);
    renderCampaign(dz.def);
    touched('units');
    showUnitProblems(res.problems);
    var n = (res.units || []).length, bad = (res.problems || []).length;
    toast('已导入 ' + n + ' 个单位' + (bad ? '，' + bad + ' 行有问题' : '') + ' imported ' + n + ' units' +
      (bad ? ', ' + bad + ' rows refused' : ''), bad ? 'warn' : 'ok');
  }).catch(function (e) {
    showUnitProblems([]);
    toast(e.message, 'error');
  }).then(function () {
    byId('units-file').value = '';
  });
}
