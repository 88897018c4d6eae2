/* Taking a case, the hold timer, outcomes and callbacks. */

function loadSurveys() {
  return api('GET', '/api/v1/cati/surveys').then(function (r) {
    var sel = byId('survey');
    clear(sel);
    r.surveys.forEach(function (s) {
      var o = make('option', '', s.title || s.slug);
      o.value = String(s.id);
      o.setAttribute('data-slug', s.slug);
      sel.appendChild(o);
    });
    if (!r.surveys.length) say('没有进行中的调查 no survey is open for telephone work');
  });
}

function takeNext() {
  var sel = byId('survey');
  if (!sel.value) return;
  state.surveyID = Number(sel.value);
  state.phase = 'busy';
  say('正在取样本… taking a case…');
  var slug = sel.options[sel.selectedIndex].getAttribute('data-slug');
  var def = state.def && state.def.slug === slug ? Promise.resolve(state.def) :
    fetchJSON('GET', '/api/v1/surveys/' + encodeURIComponent(slug));
  Promise.all([def, api('POST', '/api/v1/cati/surveys/' + state.surveyID + '/next')]).then(function (r) {
    state.def = r[0];
    if (!r[1]) {
      state.phase = 'pick';
      say('现在没有到期的样本，请稍后再取 no case is due now; try again shortly');
      return;
    }
    startCase(r[1]);
  }, function (e) {
    state.phase = 'pick';
    say(e.message, true);
  });
}

function startCase(held) {
  state.held = held;
  state.phase = 'dial';
  state.answers = {};
  state.screened = false;
  state.startedAt = new Date();
  state.items = buildItems(state.def);
  state.at = 0;
  show('pick', false);
  show('call', true);
  show('questions', false);
  show('callback', false);
  var tel = byId('tel');
  tel.textContent = held.phone;
  tel.setAttribute('href', 'tel:' + held.phone);
  var info = '样本 case ' + held.case_id + ' · 第 ' + held.attempt + ' 次拨打 attempt ' + held.attempt;
  if (held.unit_name || held.unit) info += ' · ' + (held.unit_name || held.unit);
  if (held.appointment) info += ' · 预约 callback ' + new Date(held.appointment).toLocaleString();
  if (held.note) info += ' · ' + held.note;
  byId('case-info').textContent = info;
  var hist = byId('history');
  clear(hist);
  held.history.forEach(function (h) {
    hist.appendChild(make('li', '', new Date(h.at).toLocaleString() + ' ' + h.outcome + (h.note ? ' · ' + h.note : '')));
  });
  var n = held.privacy_notice;
  var who = n && n.collector || '统计调查机构';
  byId('script').textContent = '您好，我们是' + who + '，正在进行' + state.def.title + '，耽误您几分钟时间可以吗？' +
    (n ? '（请先告知 read out first：' + n.collects.zh + '；' + n.purpose.zh + '；' + n.protection.zh + '；' + n.retention.zh + '。）' : '') +
    '（接通后按 Enter 开始甄别 press Enter to start screening）';
  renderOutcomes();
  startTimer();
  say('');
  byId('tel').focus();
}

function startTimer() {
  clearInterval(state.timer);
  var el = byId('timer');
  el.hidden = false;
  var tick = function () {
    if (!state.held) return;
    var left = Math.max(0, Math.round((new Date(state.held.held_until) - new Date()) / 1000));
    var used = Math.round((new Date() - state.startedAt) / 1000);
    el.textContent = '通话 ' + fmtSecs(used) + ' · 占用剩余 hold ' + fmtSecs(left);
    el.className = left < 120 ? 'timer late' : 'timer';
  };
  tick();
  state.timer = setInterval(tick, 1000);
}

function fmtSecs(s) {
  var m = Math.floor(s / 60);
  return m + ':' + ('0' + (s % 60)).slice(-2);
}

function renderOutcomes() {
  var box = byId('outcomes');
  clear(box);
  OUTCOMES.forEach(function (o) {
    var b = make('button', '', o.zh + ' ');
    b.type = 'button';
    b.setAttribute('data-code', o.code);
    b.appendChild(make('span', 'en', o.en));
    b.appendChild(document.createTextNode(' '));
    b.appendChild(make('kbd', '', o.key.toUpperCase()));
    b.addEventListener('click', function () { chooseOutcome(o.code); });
    box.appendChild(b);
  });
}

function chooseOutcome(code) {
  if (!state.held || state.phase === 'busy') return;
  if (code === 'appointment') {
    state.phase = 'callback';
    show('callback', true);
    var t = new Date(Date.now() + 2 * 3600 * 1000);
    t.setMinutes(0, 0, 0);
    var local = new Date(t.getTime() - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    byId('callback-at').value = local;
    byId('callback-at').focus();
    return;
  }
  sendOutcome({ code: code });
}

function bookCallback() {
  var v = byId('callback-at').value;
  if (!v) return;
  sendOutcome({ code: 'appointment', callback_at: new Date(v).toISOString() });
}

function sendOutcome(body) {
  body.started_at = state.startedAt.toISOString();
  state.phase = 'busy';
  api('POST', '/api/v1/cati/cases/' + state.held.case_id + '/outcome', body).then(function (r) {
    endCase('已记录 recorded ' + body.code + (r.final_code ? '，样本结束 case closed ' + r.final_code : ''));
  }, function (e) {
    state.phase = body.code === 'appointment' ? 'callback' : 'dial';
    say(e.message + (e.fields ? ' ' + JSON.stringify(e.fields) : ''), true);
    if (e.code === 'not_held' || e.code === 'case_closed') endCase(e.message, true);
  });
}

function endCase(text, isError) {
  clearInterval(state.timer);
  state.held = null;
  state.phase = 'pick';
  byId('timer').hidden = true;
  show('call', false);
  show('pick', true);
  say(text + ' — 按 Enter 取下一个 press Enter for the next case', isError);
  byId('next').focus();
}
