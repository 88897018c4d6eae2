/*
 * Minyi telephone console (/cati), keyboard first for an 8-hour shift:
 * take a case, dial it (tel: link for softphones), record an outcome with
 * one key, or screen and interview one question at a time — digits for
 * the answers (9 = 不了解, not read aloud), Enter to go on, Backspace to
 * go back. The number is shown only while the case is held.
 *
 * ES2017 at most, no framework, no inline code (the CSP allows 'self'
 * only); data reaches the DOM through textContent and attributes only.
 */

var CSRF = document.body.getAttribute('data-csrf') || '';

// state is the console's one piece of mutable state.
var state = {
  surveyID: 0,
  def: null,        // the published questionnaire
  held: null,       // the case held: the answer of /next
  phase: 'pick',    // pick | dial | ask | callback | busy
  items: [],        // the steps of the interview: screening, then questions
  at: 0,            // the step on screen
  answers: {},      // question code → option code(s) or text
  screened: false,
  startedAt: null,  // when the call was taken
  timer: 0
};

// OUTCOMES are the outcome buttons of a call, with their keys.
var OUTCOMES = [
  { key: 'n', code: '3.13', zh: '无人接听', en: 'no answer' },
  { key: 'b', code: '3.12', zh: '占线', en: 'busy' },
  { key: 'm', code: '3.14', zh: '语音信箱', en: 'answering machine' },
  { key: 'x', code: '4.3', zh: '空号停机', en: 'non-working' },
  { key: 'f', code: '4.2', zh: '传真/数据线', en: 'fax or data line' },
  { key: 'e', code: '4.7', zh: '无合格受访者', en: 'no eligible respondent' },
  { key: 'r', code: '2.11', zh: '拒访', en: 'refusal' },
  { key: 'q', code: '2.12', zh: '中途终止', en: 'break-off' },
  { key: 'a', code: 'appointment', zh: '预约回访', en: 'callback' }
];

// api sends a console request with the session's CSRF token.
function api(method, url, data) {
  var headers = {};
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = CSRF;
    headers['Content-Type'] = 'application/json';
  }
  return fetchJSON(method, url, data, headers).catch(function (err) {
    if (err.status === 401) location.href = '/admin/login?next=%2Fcati';
    throw err;
  });
}

function say(text, isError) {
  var m = byId('msg');
  m.textContent = text || '';
  m.className = isError ? 'msg error' : 'msg';
}

// uuid makes a submission id for the interview.
function uuid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

function show(id, on) { byId(id).hidden = !on; }
