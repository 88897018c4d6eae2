/* The designer's areas and extra questions, drawn from the definition. */

var KINDS = [
  ['satisfaction', '满意度', 'satisfaction'],
  ['single', '单选', 'single choice'],
  ['multi', '多选', 'multiple choice'],
  ['text', '填空', 'text']
];
var QROLES = [
  ['', '无', 'none'],
  ['overall', '总体满意度', 'overall'],
  ['town', '镇（区）', 'town'],
  ['age', '年龄段', 'age band'],
  ['gender', '性别', 'gender'],
  ['comment', '意见建议', 'comment']
];

// questionEditor is the editor of question j of n in list (a definition
// path), for areas and extras alike.
function questionEditor(q, list, j, n, isExtra) {
  var p = list + '[' + j + ']';
  var box = make('div', 'q');
  box.setAttribute('data-err', p);
  var head = make('div', 'q-head');
  head.appendChild(bi('span', 'q-num', '第' + (j + 1) + '题', 'Q' + (j + 1)));
  head.appendChild(moveButtons(list, j, n));
  box.appendChild(head);

  var grid = make('div', 'q-grid');
  grid.appendChild(field('代码', 'Code', input(p + '.code', { cls: 'code-in', spellcheck: 'false', maxlength: '64' })));
  var kind = select(p + '.kind', KINDS.map(function (k) { return [k[0], k[1], k[2]]; }));
  if (!isExtra) {
    each(kind.options, function (o) {
      if (o.value !== 'satisfaction' && o.value !== q.kind) o.disabled = true;
    });
    kind.title = '领域题须为满意度题 area questions are satisfaction questions';
  }
  grid.appendChild(field('题型', 'Kind', kind));
  if (isExtra) grid.appendChild(field('角色', 'Role', select(p + '.role', QROLES, { 'data-type': 'opt' })));
  grid.appendChild(field('权重', 'Weight', input(p + '.weight', { type: 'number', min: '0', max: '1000', step: 'any', 'data-type': 'optnum', placeholder: '1', cls: 'num-in' })));
  if (q.kind === 'text') {
    grid.appendChild(field('字数上限', 'Max length', input(p + '.max_length', { type: 'number', min: '0', max: '10000', step: '1', 'data-type': 'optnum', placeholder: '1000', cls: 'num-in' })));
  }
  var req = make('label', 'check');
  req.appendChild(input(p + '.required', { type: 'checkbox', 'data-type': 'bool' }));
  req.appendChild(document.createTextNode(' 必答 '));
  var en = make('span', 'en', 'required');
  en.lang = 'en';
  req.appendChild(en);
  grid.appendChild(req);
  box.appendChild(grid);
  box.appendChild(field('题目', 'Question text', input(p + '.text', { tag: 'textarea', rows: '2', 'data-max': '1000' }), 'wide'));

  if (q.kind === 'single' || q.kind === 'multi') {
    var opts = make('div', 'opts');
    var ol = p + '.options';
    opts.setAttribute('data-err', ol);
    opts.appendChild(bi('div', 'field-label', '选项', 'Options'));
    (q.options || []).forEach(function (o, k) {
      var row = make('div', 'opt');
      row.setAttribute('data-err', ol + '[' + k + ']');
      row.appendChild(input(ol + '[' + k + '].code', { cls: 'code-in', spellcheck: 'false', maxlength: '64', 'aria-label': '选项代码 option code ' + (k + 1), placeholder: '代码 code' }));
      row.appendChild(input(ol + '[' + k + '].label', { 'aria-label': '选项文字 option label ' + (k + 1), placeholder: '选项文字 label' }));
      row.appendChild(moveButtons(ol, k, q.options.length));
      opts.appendChild(row);
    });
    opts.appendChild(addBtn(ol, '+ 添加选项', 'Add option'));
    box.appendChild(opts);
  }
  return box;
}

function areaSummaryTitle(a, i) {
  return (i + 1) + '. ' + (a.name || '（未命名 unnamed）');
}

function areaMeta(a) {
  return a.code + ' · ' + a.questions.length + ' 题 q';
}

function extraTitle(q, j) {
  return (j + 1) + '. ' + (q.text || '（未填题目 no text）');
}

// renderAreas draws the areas; open holds those shown expanded.
function renderAreas(def, open) {
  var root = byId('areas-list');
  clear(root);
  def.areas.forEach(function (a, i) {
    var p = 'areas[' + i + ']';
    var d = make('details', 'item area-item');
    d.id = 'area-' + i;
    d.setAttribute('data-err', p);
    d.open = open.has(a);
    d.addEventListener('toggle', function () {
      if (d.open) open.add(a); else open.delete(a);
    });
    var sum = make('summary');
    sum.appendChild(make('span', 'item-title', areaSummaryTitle(a, i)));
    sum.appendChild(make('span', 'item-meta mono', areaMeta(a)));
    sum.appendChild(moveButtons('areas', i, def.areas.length));
    d.appendChild(sum);
    var b = make('div', 'item-body');
    var g = make('div', 'grid-3');
    g.appendChild(field('领域代码', 'Code', input(p + '.code', { cls: 'code-in', spellcheck: 'false', maxlength: '64' })));
    g.appendChild(field('领域名称', 'Name', input(p + '.name', { maxlength: '200' })));
    g.appendChild(field('权重', 'Weight', input(p + '.weight', { type: 'number', min: '0', max: '1000', step: 'any', 'data-type': 'optnum', placeholder: '1', cls: 'num-in' })));
    b.appendChild(g);
    b.appendChild(field('领域简介（居民评价前阅读）', 'Summary residents read first', input(p + '.summary', { tag: 'textarea', rows: '4', 'data-max': '2000' }), 'wide'));
    var qs = make('div', 'questions');
    qs.setAttribute('data-err', p + '.questions');
    a.questions.forEach(function (q, j) {
      qs.appendChild(questionEditor(q, p + '.questions', j, a.questions.length, false));
    });
    b.appendChild(qs);
    b.appendChild(addBtn(p + '.questions', '+ 添加题目', 'Add question'));
    d.appendChild(b);
    root.appendChild(d);
  });
  fillValues(root, def);
  lockIfViewer(root);
  byId('nav-areas').textContent = String(def.areas.length);
}

// renderExtras draws the extra questions; open holds those shown expanded.
function renderExtras(def, open) {
  var root = byId('extra-list');
  clear(root);
  def.extra.forEach(function (q, j) {
    var d = make('details', 'item');
    d.id = 'extra-' + j;
    d.setAttribute('data-err', 'extra[' + j + ']');
    d.open = open.has(q);
    d.addEventListener('toggle', function () {
      if (d.open) open.add(q); else open.delete(q);
    });
    var sum = make('summary');
    sum.appendChild(make('span', 'item-title', extraTitle(q, j)));
    var role = '';
    QROLES.forEach(function (r) { if (r[0] && r[0] === q.role) role = ' · ' + r[1]; });
    sum.appendChild(make('span', 'item-meta mono', q.code + ' · ' + q.kind + role));
    sum.appendChild(moveButtons('extra', j, def.extra.length));
    d.appendChild(sum);
    var b = questionEditor(q, 'extra', j, def.extra.length, true);
    b.classList.add('item-body');
    b.removeChild(b.firstChild); // the head: the summary has the buttons
    d.appendChild(b);
    root.appendChild(d);
  });
  fillValues(root, def);
  lockIfViewer(root);
}

function allQuestionCodes(def) {
  var seen = {};
  def.areas.forEach(function (a) { a.questions.forEach(function (q) { seen[String(q.code).toLowerCase()] = true; }); });
  def.extra.forEach(function (q) { seen[String(q.code).toLowerCase()] = true; });
  return seen;
}

function freeCode(prefix, seen, from) {
  for (var n = from; ; n++) {
    var c = prefix + pad(n);
    if (!seen[c.toLowerCase()]) return c;
  }
}

// newItem is a new entry of list (a definition path) with free codes.
function newItem(def, list) {
  var seen;
  if (list === 'areas') {
    seen = {};
    def.areas.forEach(function (a) { seen[String(a.code).toLowerCase()] = true; });
    return {
      code: freeCode('a', seen, def.areas.length + 1), name: '', summary: '',
      questions: [{ code: freeCode('q', allQuestionCodes(def), 1), kind: 'satisfaction', text: '您对这方面的工作满意吗？', required: true }]
    };
  }
  if (list === 'extra') {
    return { code: freeCode('x', allQuestionCodes(def), def.extra.length + 1), kind: 'single', text: '', required: false, options: [{ code: '1', label: '' }, { code: '2', label: '' }] };
  }
  if (list === 'scale.levels') return { code: '', label: '', score: 0, class: 'neutral' };
  if (/\.options$/.test(list)) {
    var opts = getPath(def, list) || [];
    var max = 0;
    opts.forEach(function (o) { var n = parseInt(o.code, 10); if (!isNaN(n) && n > max) max = n; });
    return { code: String(max + 1), label: '' };
  }
  return { code: freeCode('q', allQuestionCodes(def), 1), kind: 'satisfaction', text: '', required: true };
}

// ROLE_KINDS is the kind a question of each role must be.
var ROLE_KINDS = { overall: 'satisfaction', town: 'single', age: 'single', gender: 'single', comment: 'text' };

// fitKind makes a question whose kind changed consistent: options for
// choices only, a maximum length for text only, the overall role for a
// satisfaction question only.
function fitKind(q) {
  if (q.kind === 'single' || q.kind === 'multi') {
    if (!q.options || !q.options.length) q.options = [{ code: '1', label: '' }, { code: '2', label: '' }];
  } else {
    delete q.options;
  }
  if (q.kind !== 'text') delete q.max_length;
  if (q.kind !== 'satisfaction' && q.role === 'overall') delete q.role;
}
