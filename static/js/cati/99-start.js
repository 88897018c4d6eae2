/* Keys and start-up. */

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  var k = ev.key;
  var inText = ev.target && (ev.target.tagName === 'TEXTAREA' || ev.target.tagName === 'INPUT');
  switch (state.phase) {
    case 'pick':
      if (k === 'Enter' && ev.target.tagName !== 'BUTTON') { ev.preventDefault(); takeNext(); }
      return;
    case 'dial':
      if (k === 'Enter') { ev.preventDefault(); beginInterview(); return; }
      OUTCOMES.forEach(function (o) {
        if (k.toLowerCase() === o.key) { ev.preventDefault(); chooseOutcome(o.code); }
      });
      return;
    case 'callback':
      if (k === 'Enter') { ev.preventDefault(); bookCallback(); }
      if (k === 'Escape') { state.phase = 'dial'; show('callback', false); }
      return;
    case 'ask':
      if (k === 'Escape') { ev.preventDefault(); state.phase = 'dial'; show('questions', false); say('选择结果 choose an outcome (Q 中途终止 break-off)'); return; }
      if (k === 'Enter' && !ev.shiftKey) { ev.preventDefault(); forward(); return; }
      if (k === 'Backspace' && (!inText || !ev.target.value)) { ev.preventDefault(); back(); return; }
      if (!inText && /^[0-9]$/.test(k) && answerKey(k)) ev.preventDefault();
      return;
  }
}

function start() {
  document.addEventListener('keydown', onKey);
  byId('next').addEventListener('click', takeNext);
  byId('callback-save').addEventListener('click', bookCallback);
  byId('logout').addEventListener('click', function () {
    api('POST', '/api/v1/admin/logout').then(function () { location.href = '/admin/login?next=%2Fcati'; });
  });
  loadSurveys().then(function () { byId('next').focus(); }, function (e) { say(e.message, true); });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
