/* Screening and the interview, one question at a time. */

var SCREEN_ROLES = ['town', 'age', 'gender'];

// buildItems lists the steps of an interview: the screening questions
// (town, age, gender), then every area question, then the other extras.
function buildItems(def) {
  var items = [];
  var extras = def.extra || [];
  SCREEN_ROLES.forEach(function (role) {
    extras.forEach(function (q) { if (q.role === role) items.push({ screen: true, q: q }); });
  });
  (def.areas || []).forEach(function (a) {
    a.questions.forEach(function (q, i) { items.push({ q: q, area: a, first: i === 0 }); });
  });
  extras.forEach(function (q) { if (SCREEN_ROLES.indexOf(q.role) < 0) items.push({ q: q }); });
  return items;
}

// choices are a question's answers in order, with the key that picks each.
function choices(q) {
  var out = [];
  var s = state.def.scale;
  if (q.kind === 'satisfaction') {
    s.levels.forEach(function (l, i) {
      var key = /^[1-8]$/.test(l.code) ? l.code : String(i + 1);
      out.push({ code: l.code, label: l.label, key: key });
    });
    if (s.dont_know) out.push({ code: s.dont_know.code, label: s.dont_know.label, key: '9', unread: true });
  } else {
    (q.options || []).forEach(function (o, i) {
      var dk = o.code === 'dk';
      out.push({ code: o.code, label: o.label, key: dk ? '9' : (i < 8 ? String(i + 1) : ''), unread: dk });
    });
  }
  return out;
}

function beginInterview() {
  state.phase = 'ask';
  state.at = 0;
  show('questions', true);
  renderItem();
}

function renderItem() {
  var box = byId('questions');
  clear(box);
  var it = state.items[state.at];
  if (!it) return;
  var wrap = make('div', 'question');
  wrap.appendChild(make('p', 'step-no', (it.screen ? '甄别 screening ' : '问题 question ') + (state.at + 1) + ' / ' + state.items.length));
  if (it.area && it.first && it.area.summary) wrap.appendChild(make('p', 'script', it.area.name + '：' + it.area.summary));
  var fs = make('fieldset');
  fs.appendChild(make('legend', 'prompt', it.q.text));
  var cur = state.answers[it.q.code];
  if (it.q.kind === 'text') {
    var ta = make('textarea');
    ta.id = 'answer-text';
    ta.rows = 3;
    ta.value = cur || '';
    ta.addEventListener('input', function () { state.answers[it.q.code] = ta.value; });
    fs.appendChild(ta);
  } else {
    choices(it.q).forEach(function (c) {
      var on = Array.isArray(cur) ? cur.indexOf(c.code) >= 0 : cur === c.code;
      var row = make('div', on ? 'choice on' : 'choice');
      row.setAttribute('data-code', c.code);
      row.appendChild(make('kbd', '', c.key || '·'));
      row.appendChild(document.createTextNode(' ' + c.label + ' '));
      if (c.unread) row.appendChild(make('span', 'en', '不读出 not read aloud'));
      fs.appendChild(row);
    });
  }
  wrap.appendChild(fs);
  wrap.appendChild(make('p', 'en', 'Enter 下一题 next · Backspace 上一题 back · Esc 结果 outcomes'));
  box.appendChild(wrap);
  var ta2 = byId('answer-text');
  if (ta2) ta2.focus();
}

// answerKey picks the answer of the key pressed on the current step.
function answerKey(k) {
  var it = state.items[state.at];
  if (!it || it.q.kind === 'text') return false;
  var c = choices(it.q).filter(function (x) { return x.key === k; })[0];
  if (!c) return false;
  if (it.q.kind === 'multi') {
    var cur = state.answers[it.q.code] || [];
    var i = cur.indexOf(c.code);
    if (i >= 0) cur.splice(i, 1); else cur.push(c.code);
    state.answers[it.q.code] = cur;
  } else {
    state.answers[it.q.code] = c.code;
  }
  renderItem();
  return true;
}

function forward() {
  var it = state.items[state.at];
  if (it.q.required && !state.answers[it.q.code]) {
    say('请先记录回答 record an answer first', true);
    return;
  }
  say('');
  var lastScreen = it.screen && !(state.items[state.at + 1] || {}).screen;
  if (lastScreen && !state.screened) {
    screen();
    return;
  }
  if (state.at === state.items.length - 1) {
    submitInterview();
    return;
  }
  state.at++;
  renderItem();
}

function back() {
  if (state.at === 0) return;
  var prev = state.items[state.at - 1];
  if (prev.screen && state.screened) {
    say('甄别已提交，不能修改 the screening is sent and cannot be changed', true);
    return;
  }
  state.at--;
  renderItem();
}

function screen() {
  var body = {};
  state.items.forEach(function (it) { if (it.screen) body[it.q.role] = state.answers[it.q.code]; });
  state.phase = 'busy';
  api('POST', '/api/v1/cati/cases/' + state.held.case_id + '/screen', body).then(function () {
    state.screened = true;
    state.phase = 'ask';
    state.at++;
    renderItem();
  }, function (e) {
    state.phase = 'ask';
    if (e.code === 'quota_full') {
      say('配额已满，记录 4.8 quota full: recording 4.8', true);
      sendOutcome({ code: '4.8' });
      return;
    }
    say(e.message, true);
  });
}

function submitInterview() {
  var answers = {};
  Object.keys(state.answers).forEach(function (k) {
    var v = state.answers[k];
    if (v !== '' && !(Array.isArray(v) && !v.length)) answers[k] = v;
  });
  if (!state.submission) state.submission = uuid();
  var body = { submission_id: state.submission, started_at: state.startedAt.toISOString(), answers: answers };
  state.phase = 'busy';
  api('POST', '/api/v1/cati/cases/' + state.held.case_id + '/responses', body).then(function () {
    state.submission = null;
    endCase('访问完成 interview complete');
  }, function (e) {
    state.phase = 'ask';
    say(e.message + (e.fields ? ' ' + JSON.stringify(e.fields) : ''), true);
  });
}
