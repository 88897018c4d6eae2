/* The designer's units and satisfaction scale, drawn from the definition. */

var PRESETS = {
  'nbs-2008': [100, 80, 60, 30, 0],
  linear: [100, 75, 50, 25, 0],
  even: [100, 80, 60, 40, 20]
};
var DEFAULT_LEVELS = [
  { code: '5', label: '满意', cls: 'satisfied' },
  { code: '4', label: '比较满意', cls: 'satisfied' },
  { code: '3', label: '一般', cls: 'neutral' },
  { code: '2', label: '不太满意', cls: 'dissatisfied' },
  { code: '1', label: '不满意', cls: 'dissatisfied' }
];
var CLASSES = [
  ['satisfied', '满意类', 'satisfied'],
  ['neutral', '中间', 'neutral'],
  ['dissatisfied', '不满意类', 'dissatisfied']
];

// Units: the textarea is the source; the list shows how it was read.
// A line is "code name", or CSV/TSV "code,name,category,target" (a header
// line naming the columns is skipped). What the text does not hold — a
// unit's summaries and quotas, and with "code name" its category and
// target — is kept from old, the units before, by code.
function parseUnits(text, old) {
  var prev = {};
  (old || []).forEach(function (u) { prev[u.code] = u; });
  var out = [];
  text.split(/\r?\n/).forEach(function (line) {
    line = line.trim();
    if (!line) return;
    var cells = splitCells(line);
    var u;
    if (cells.length >= 3) {
      if (/^(code|代码|编码|单位代码)$/i.test(cells[0])) return;
      u = Object.assign({}, prev[cells[0]] || {}, { code: cells[0], name: cells[1] || '' });
      if (cells[2]) u.category = cells[2]; else delete u.category;
      var n = parseInt(cells[3], 10);
      if (n > 0 || n < 0) u.target = n; else delete u.target;
    } else {
      var m = /^(\S+?)[\s,，、\t]+(.*)$/.exec(line);
      var code = m ? m[1] : line;
      u = Object.assign({}, prev[code] || {}, { code: code, name: m ? m[2].trim() : '' });
    }
    out.push(u);
  });
  return out;
}

// splitCells splits a line at commas (also full-width) and tabs, with CSV
// quoting: a cell in double quotes may hold commas, "" is a quote.
function splitCells(line) {
  var cells = [], cur = '', quoted = false;
  for (var i = 0; i < line.length; i++) {
    var ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"' && !cur.trim()) {
      quoted = true;
      cur = '';
    } else if (ch === ',' || ch === '，' || ch === '\t') {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  cells.push(cur.trim());
  return cells;
}

// quoteCell quotes a CSV cell that holds a comma or a quote.
function quoteCell(s) {
  return /[",，\t]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// unitsText is the units as the textarea shows them: one "code name" a
// line, or "code,name,category,target" once a unit has a category or target.
function unitsText(def) {
  var units = def.units || [];
  var csv = units.some(function (u) { return u.category || u.target; });
  return units.map(function (u) {
    return csv ? [u.code, quoteCell(u.name), u.category || '', u.target || ''].join(',') : u.code + ' ' + u.name;
  }).join('\n');
}

function renderUnits(def) {
  var units = def.units || [];
  var tb = byId('units-rows');
  clear(tb);
  units.forEach(function (u, i) {
    var tr = make('tr');
    tr.setAttribute('data-err', 'units[' + i + ']');
    tr.appendChild(make('td', 'muted num', String(i + 1)));
    tr.appendChild(make('td', 'mono', u.code));
    var name = make('td', '', u.name);
    if (!u.name) name.appendChild(bi('span', 'field-error', '缺名称', 'name missing'));
    tr.appendChild(name);
    tr.appendChild(make('td', 'mono', u.category || ''));
    tr.appendChild(make('td', 'num', u.target ? String(u.target) : ''));
    var td = make('td');
    if (CAN_EDIT) {
      var b = make('button', 'btn icon danger', '×');
      b.type = 'button';
      b.title = '删除 remove';
      b.setAttribute('aria-label', '删除 ' + u.code + ' remove');
      b.setAttribute('data-unit', String(i));
      td.appendChild(b);
    }
    tr.appendChild(td);
    tb.appendChild(tr);
  });
  byId('units-count').textContent = units.length ? units.length + ' 个单位 units' : '未设单位 no units';
}

// matchPreset names the preset whose scores the scale has, or is "".
function matchPreset(def) {
  var scores = def.scale.levels.map(function (l) { return l.score; });
  var found = '';
  Object.keys(PRESETS).forEach(function (k) {
    if (PRESETS[k].join() === scores.join()) found = k;
  });
  return found;
}

function renderScale(def) {
  var tb = byId('levels-rows');
  clear(tb);
  var levels = def.scale.levels;
  levels.forEach(function (l, i) {
    var p = 'scale.levels[' + i + ']';
    var tr = make('tr');
    tr.setAttribute('data-err', p);
    var c = make('td');
    c.appendChild(input(p + '.code', { cls: 'code-in', spellcheck: 'false', 'aria-label': '代码 code ' + (i + 1) }));
    tr.appendChild(c);
    c = make('td');
    c.appendChild(input(p + '.label', { 'aria-label': '选项文字 label ' + (i + 1) }));
    tr.appendChild(c);
    c = make('td');
    c.appendChild(input(p + '.score', { type: 'number', min: '0', max: '100', step: 'any', 'data-type': 'num', cls: 'num-in', 'aria-label': '分值 score ' + (i + 1) }));
    tr.appendChild(c);
    c = make('td');
    c.appendChild(select(p + '.class', CLASSES, { 'aria-label': '类别 class ' + (i + 1) }));
    tr.appendChild(c);
    c = make('td', 'nowrap');
    c.appendChild(moveButtons('scale.levels', i, levels.length));
    tr.appendChild(c);
    tb.appendChild(tr);
  });
  var preset = def.scale.preset && PRESETS[def.scale.preset] ? def.scale.preset : matchPreset(def);
  byId('scale-preset').value = preset;
  var dk = !!def.scale.dont_know;
  byId('dk-on').checked = dk;
  fillValues(byId('sec-scale'), def);
  each(byId('sec-scale').querySelectorAll('.dk-row input[data-path]'), function (el) { el.disabled = !dk || !CAN_EDIT; });
  lockIfViewer(byId('sec-scale'));
}

// presetLevels are the levels of preset k, keeping the codes and labels of
// a five-level scale.
function presetLevels(old, k) {
  return PRESETS[k].map(function (score, i) {
    var keep = old.length === 5 ? old[i] : null;
    return {
      code: keep ? keep.code : DEFAULT_LEVELS[i].code,
      label: keep ? keep.label : DEFAULT_LEVELS[i].label,
      score: score,
      class: DEFAULT_LEVELS[i].cls
    };
  });
}
