/*
 * Minyi respondent page.
 *
 * Keeps every answer as a draft in localStorage, checks required questions,
 * and submits with one submission_id per draft so that retries are idempotent.
 * Network errors, 429 and 5xx are retried with backoff until the server
 * answers. Plain ES5 plus what old Android WebViews have; no inline code, so
 * the page runs under a CSP without 'unsafe-inline'.
 *
 * Sampling modes (data-dedup): "device" counts the signed cookie; "token"
 * sends the invitation token from the address (?t=, or ?token=) or the code
 * the resident types; "phone" sends the mobile number typed in. The staff
 * preview (data-state="preview") shows the same form but never writes
 * localStorage and never sends a request.
 */
(function () {
  'use strict';

  var DRAFT_PREFIX = 'minyi:draft:';
  var DONE_PREFIX = 'minyi:done:';
  var BACKOFF_CAP = 30000; // ms
  var RETRY_AFTER_CAP = 600000; // ms
  var REQUEST_TIMEOUT = 45000; // ms

  function each(list, fn) {
    for (var i = 0; i < list.length; i++) {
      fn(list[i], i);
    }
  }

  function trim(s) {
    return String(s).replace(/^\s+|\s+$/g, '');
  }

  function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  // Storage: localStorage when it works (it may not in private modes or when
  // full) and is wanted (not in the staff preview), a map in memory otherwise.
  function makeStore(useLocal) {
    var mem = {};
    var ls = null;
    if (useLocal) {
      try {
        ls = window.localStorage;
        ls.setItem('minyi:probe', '1');
        ls.removeItem('minyi:probe');
      } catch (e) {
        ls = null;
      }
    }
    return {
      get: function (key) {
        var v = null;
        if (ls) {
          try { v = ls.getItem(key); } catch (e) { v = null; }
        }
        if (v === null && has(mem, key)) v = mem[key];
        return v;
      },
      set: function (key, value) {
        mem[key] = value;
        if (ls) {
          try { ls.setItem(key, value); } catch (e) { /* kept in memory */ }
        }
      },
      remove: function (key) {
        delete mem[key];
        if (ls) {
          try { ls.removeItem(key); } catch (e) { /* ignore */ }
        }
      },
      removePrefix: function (prefix) {
        var keys = [];
        var k;
        for (k in mem) {
          if (has(mem, k) && k.indexOf(prefix) === 0) keys.push(k);
        }
        if (ls) {
          try {
            for (var i = 0; i < ls.length; i++) {
              k = ls.key(i);
              if (k && k.indexOf(prefix) === 0) keys.push(k);
            }
          } catch (e) { /* ignore */ }
        }
        each(keys, this.remove);
      }
    };
  }
  var store = null;

  // uuid4 makes a random (version 4) UUID.
  function uuid4() {
    var b = [];
    var i;
    try {
      var c = window.crypto || window.msCrypto;
      var u = new Uint8Array(16);
      c.getRandomValues(u);
      for (i = 0; i < 16; i++) b[i] = u[i];
    } catch (e) {
      for (i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var s = '';
    for (i = 0; i < 16; i++) {
      s += (b[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
    }
    return s;
  }

  function showScreen(name) {
    var form = document.getElementById('survey');
    if (form) form.hidden = true;
    var target = null;
    each(document.querySelectorAll('.screen'), function (s) {
      s.hidden = s.id !== 'screen-' + name;
      if (!s.hidden) target = s;
    });
    window.scrollTo(0, 0);
    if (target) {
      try { target.focus(); } catch (e) { /* ignore */ }
    }
  }

  // request sends one XHR and always calls back once with
  // {status, body, retryAfter}; status 0 means no answer (offline, timeout).
  function request(method, url, body, cb) {
    var called = false;
    function done(res) {
      if (!called) {
        called = true;
        cb(res);
      }
    }
    try {
      var x = new XMLHttpRequest();
      x.open(method, url, true);
      x.timeout = REQUEST_TIMEOUT;
      x.setRequestHeader('Accept', 'application/json');
      if (body !== null) x.setRequestHeader('Content-Type', 'application/json');
      x.onreadystatechange = function () {
        if (x.readyState !== 4) return;
        var parsed = null;
        try { parsed = JSON.parse(x.responseText); } catch (e) { parsed = null; }
        var ra = null;
        try { ra = x.getResponseHeader('Retry-After'); } catch (e) { ra = null; }
        done({ status: x.status, body: parsed, retryAfter: ra });
      };
      x.send(body);
    } catch (e) {
      setTimeout(function () { done({ status: 0, body: null, retryAfter: null }); }, 0);
    }
  }

  function retryable(status) {
    return status === 0 || status === 408 || status === 429 || status >= 500;
  }

  // retryAfterMs reads a Retry-After header (seconds or an HTTP date).
  function retryAfterMs(v) {
    if (!v) return null;
    var ms = null;
    if (/^\s*\d+\s*$/.test(v)) {
      ms = parseInt(v, 10) * 1000;
    } else {
      var t = Date.parse(v);
      if (!isNaN(t)) ms = t - new Date().getTime();
    }
    if (ms === null) return null;
    return Math.max(0, Math.min(ms, RETRY_AFTER_CAP));
  }

  function errorOf(body) {
    return (body && typeof body === 'object' && body.error && typeof body.error === 'object') ? body.error : {};
  }

  // queryParam returns a parameter of the page's address, or ''.
  function queryParam(name) {
    var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(window.location.search || '');
    if (!m) return '';
    try { return decodeURIComponent(m[1].replace(/\+/g, ' ')); } catch (e) { return ''; }
  }

  // tokenFromURL returns the invitation token of the address: ?t= (as
  // printed in invitation links and QR codes) or the older ?token=. Like the
  // server, it ignores anything longer than 64 characters.
  function tokenFromURL() {
    var t = trim(queryParam('t'));
    if (!t) t = trim(queryParam('token'));
    return t.length <= 64 ? t : '';
  }

  // normalizePhone drops spaces, dashes and a +86 prefix and turns
  // full-width digits into ASCII ones: "+86 138-0013-8000" → "13800138000".
  function normalizePhone(v) {
    v = String(v).replace(/[\uff10-\uff19]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
    }).replace(/[\s\-()\u3000]/g, '');
    if (/^(\+|00)?86\d{11}$/.test(v)) v = v.slice(v.length - 11);
    return v;
  }

  function init() {
    var main = document.getElementById('main');
    var form = document.getElementById('survey');
    var preview = !!main && main.getAttribute('data-state') === 'preview';
    store = makeStore(!preview);

    if (!form) {
      // The server rendered a screen; once answered, nothing is left to keep.
      var s = main && main.getAttribute('data-slug');
      if (s && main.getAttribute('data-state') === 'answered') {
        store.set(DONE_PREFIX + s, '1');
        store.removePrefix(DRAFT_PREFIX + s + ':');
      }
      return;
    }

    var slug = form.getAttribute('data-slug') || '';
    var endpoint = form.getAttribute('data-endpoint') || '';
    var version = form.getAttribute('data-version') || '';
    var mode = form.getAttribute('data-dedup') || 'device';
    var surveyURL = /\/responses\/?$/.test(endpoint) ?
      endpoint.replace(/\/responses\/?$/, '') :
      '/api/v1/surveys/' + encodeURIComponent(slug);
    // The invitation of the address; the page's HTML is shared by everybody
    // (it is cached), so the token is read here, not rendered by the server.
    var urlToken = mode === 'token' ? (tokenFromURL() || trim(form.getAttribute('data-token') || '')) : '';
    // Each invitation link keeps its own draft: two residents who share a
    // phone, each with a link, never see each other's answers.
    var draftKey = DRAFT_PREFIX + slug + ':' + version + (urlToken ? ':t:' + urlToken : '');
    // Only a device-mode survey is "done" for the whole browser: a token or a
    // phone number counts a person, and another person may use this phone.
    var doneKey = mode === 'device' ? DONE_PREFIX + slug : '';

    var questions = [];
    each(form.querySelectorAll('[data-question]'), function (q) { questions.push(q); });
    var unitSelect = form.querySelector('select[name="unit"]');
    var unitWrap = document.getElementById('field-unit');
    var tokenCard = document.getElementById('card-token');
    var tokenWrap = mode === 'token' ? document.getElementById('field-token') : null;
    var tokenInput = tokenWrap && tokenWrap.querySelector('input');
    var phoneWrap = mode === 'phone' ? document.getElementById('field-phone') : null;
    var phoneInput = phoneWrap && phoneWrap.querySelector('input');
    var button = document.getElementById('submit');
    var statusEl = document.getElementById('status');
    var progressEl = document.getElementById('progress');
    var countEl = document.getElementById('progress-count');
    var barEl = document.getElementById('progress-bar');
    var total = (progressEl && parseInt(progressEl.getAttribute('data-total'), 10)) || questions.length;

    // A survey this browser already completed shows the answered screen.
    if (doneKey && store.get(doneKey) === '1') {
      showScreen('answered');
      return;
    }

    function kindOf(q) {
      return q.getAttribute('data-kind');
    }

    function codeOf(q) {
      return q.getAttribute('data-question');
    }

    // readAnswer returns a question's answer: an option code, a list of codes
    // (multi), the raw text (text), or null when unanswered.
    function readAnswer(q) {
      var kind = kindOf(q);
      if (kind === 'text') {
        var t = q.querySelector('textarea');
        return t && trim(t.value) !== '' ? t.value : null;
      }
      var vals = [];
      each(q.querySelectorAll('input'), function (inp) {
        if (inp.checked) vals.push(inp.value);
      });
      if (kind === 'multi') return vals.length ? vals : null;
      return vals.length ? vals[0] : null;
    }

    function writeAnswer(q, v) {
      if (kindOf(q) === 'text') {
        var t = q.querySelector('textarea');
        if (t && typeof v === 'string') t.value = v;
        return;
      }
      var vals = Object.prototype.toString.call(v) === '[object Array]' ? v : [v];
      each(q.querySelectorAll('input'), function (inp) {
        inp.checked = vals.indexOf(inp.value) >= 0;
      });
    }

    // Draft: {submission_id, started_at, answers, unit, token, phone}, one per
    // survey version (and invitation link). token is the invitation sent (the
    // typed code, else the address's), typed whether the resident typed it;
    // phone is kept only until the submission is answered, so that a retry
    // after a dropped connection works.
    function loadDraft() {
      var d = null;
      var raw = store.get(draftKey);
      if (raw) {
        try { d = JSON.parse(raw); } catch (e) { d = null; }
      }
      if (!d || typeof d !== 'object') d = {};
      if (typeof d.submission_id !== 'string' || !d.submission_id) d.submission_id = uuid4();
      if (typeof d.started_at !== 'string' || !d.started_at) d.started_at = new Date().toISOString();
      if (!d.answers || typeof d.answers !== 'object') d.answers = {};
      if (typeof d.unit !== 'string') d.unit = '';
      if (typeof d.token !== 'string') d.token = '';
      if (typeof d.phone !== 'string') d.phone = '';
      return d;
    }

    // token is the invitation to send: the code typed in, else the address's
    // (unless the server refused it).
    var urlTokenOK = true;
    function token() {
      var typed = tokenInput ? trim(tokenInput.value) : '';
      return typed || (urlTokenOK ? urlToken : '');
    }

    var draft = loadDraft();
    var saveTimer = null;

    function saveDraft() {
      if (saveTimer) {
        clearTimeout(saveTimer);
        saveTimer = null;
      }
      var answers = {};
      each(questions, function (q) {
        var v = readAnswer(q);
        if (v !== null) answers[codeOf(q)] = v;
      });
      draft.answers = answers;
      if (unitSelect) draft.unit = unitSelect.value;
      if (tokenInput) {
        draft.token = token();
        draft.typed = trim(tokenInput.value) !== '';
      }
      if (phoneInput) draft.phone = phoneInput.value;
      store.set(draftKey, JSON.stringify(draft));
    }

    function saveSoon() {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(saveDraft, 400);
    }

    function flush() {
      if (saveTimer) saveDraft();
    }

    function updateProgress() {
      var n = 0;
      each(questions, function (q) {
        if (readAnswer(q) !== null) n++;
      });
      if (n > total) n = total;
      if (countEl) countEl.textContent = String(n);
      if (barEl) barEl.style.width = (total ? Math.round(n * 100 / total) : 0) + '%';
    }

    // Restore the draft into the inputs.
    each(questions, function (q) {
      var code = codeOf(q);
      if (has(draft.answers, code) && draft.answers[code] !== null) writeAnswer(q, draft.answers[code]);
    });
    if (unitSelect && draft.unit) {
      unitSelect.value = draft.unit;
      if (unitSelect.value !== draft.unit) unitSelect.value = '';
    }
    if (tokenInput && draft.typed === true && draft.token) tokenInput.value = draft.token;
    if (phoneInput && draft.phone) phoneInput.value = draft.phone;
    // The code card is for residents without a link, or whose link failed.
    if (tokenCard) tokenCard.hidden = !!urlToken && !trim(tokenInput.value);
    saveDraft();
    updateProgress();

    // Errors and status.
    function wrapOf(el) {
      while (el && el !== form) {
        if (el.getAttribute && (el.hasAttribute('data-question') || el === unitWrap || el === tokenWrap || el === phoneWrap)) return el;
        el = el.parentNode;
      }
      return null;
    }

    function setError(wrap, msg) {
      var e = wrap.querySelector('.field-error');
      if (e) e.textContent = msg;
      wrap.classList.add('is-missing');
    }

    function clearError(wrap) {
      if (!wrap) return;
      var e = wrap.querySelector('.field-error');
      if (e) e.textContent = '';
      wrap.classList.remove('is-missing');
    }

    function allWraps() {
      var w = [];
      if (tokenWrap) w.push(tokenWrap);
      if (phoneWrap) w.push(phoneWrap);
      if (unitWrap) w.push(unitWrap);
      return w.concat(questions);
    }

    var MSG_TOKEN = '请输入邀请码 Enter your invitation code';
    var MSG_TOKEN_BAD = '邀请码无效或已使用 This invitation code is not valid';
    var MSG_PHONE = '请填写11位手机号码 Enter an 11-digit mainland mobile number';

    // showTokenError reveals the code card with a message next to the input.
    function showTokenError(msg) {
      if (tokenCard) tokenCard.hidden = false;
      setError(tokenWrap, msg);
    }

    // setStatus shows a Chinese line and an optional second (English) line.
    function setStatus(kind, line, second) {
      while (statusEl.firstChild) statusEl.removeChild(statusEl.firstChild);
      statusEl.className = 'status' + (kind ? ' status-' + kind : '');
      if (!line) return;
      var a = document.createElement('span');
      a.textContent = line;
      statusEl.appendChild(a);
      if (second) {
        var b = document.createElement('span');
        b.className = 'en';
        b.textContent = second;
        statusEl.appendChild(b);
      }
    }

    // focusField scrolls a question into view below the sticky progress bar.
    function focusField(wrap) {
      var bar = progressEl ? progressEl.offsetHeight : 0;
      var y = window.pageYOffset || document.documentElement.scrollTop || 0;
      window.scrollTo(0, Math.max(0, wrap.getBoundingClientRect().top + y - bar - 16));
      var input = wrap.querySelector('input, select');
      if (input) {
        try { input.focus({ preventScroll: true }); } catch (e) { input.focus(); }
      }
    }

    function validate() {
      var missing = [];
      if (tokenWrap && !token()) {
        showTokenError(MSG_TOKEN);
        missing.push(tokenWrap);
      }
      if (phoneWrap) {
        var ph = normalizePhone(phoneInput.value);
        if (!/^1[3-9]\d{9}$/.test(ph)) {
          setError(phoneWrap, MSG_PHONE);
          missing.push(phoneWrap);
        } else if (ph !== phoneInput.value) {
          phoneInput.value = ph;
        }
      }
      if (unitSelect && !unitSelect.value) {
        setError(unitWrap || unitSelect.parentNode, '请选择被评价单位 Please choose the unit being evaluated.');
        missing.push(unitWrap || unitSelect.parentNode);
      }
      each(questions, function (q) {
        if (q.getAttribute('data-required') !== 'true' || readAnswer(q) !== null) return;
        var kind = kindOf(q);
        var msg = kind === 'text' ? '请填写此题 Please answer this question.' :
          kind === 'multi' ? '请至少选择一项 Please choose at least one.' :
            '请选择一项 Please choose an answer.';
        setError(q, msg);
        missing.push(q);
      });
      return missing;
    }

    function buildBody() {
      var b = { submission_id: draft.submission_id };
      if (unitSelect) b.unit = unitSelect.value;
      if (mode === 'token') b.token = sentToken = token();
      if (phoneInput) b.phone = normalizePhone(phoneInput.value);
      b.started_at = draft.started_at;
      b.answers = {};
      each(questions, function (q) {
        var v = readAnswer(q);
        if (v === null) return;
        b.answers[codeOf(q)] = kindOf(q) === 'text' ? trim(v) : v;
      });
      return JSON.stringify(b);
    }

    // Sending.
    var sending = false;
    var body = null;
    var attempt = 0;
    var retryTimer = null;
    var refreshed = false;
    var sentToken = '';

    function stop() {
      sending = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }

    function finish(screen) {
      stop();
      if (screen !== 'closed') {
        store.remove(draftKey);
        if (doneKey) store.set(doneKey, '1');
      } else if (draft.phone) {
        // A closed survey keeps the answers, not the number.
        draft.phone = '';
        store.set(draftKey, JSON.stringify(draft));
      }
      setStatus('');
      showScreen(screen);
    }

    function retryLater(res) {
      attempt++;
      var delay = Math.min(BACKOFF_CAP, 1000 * Math.pow(2, Math.min(attempt - 1, 15)));
      delay += Math.floor(Math.random() * Math.min(1000, delay / 5));
      var ra = retryAfterMs(res.retryAfter);
      if (ra !== null && ra > delay) delay = ra;
      setStatus('warn', '网络不稳定，正在重试…（第 ' + attempt + ' 次）作答已保存在本机。',
        'Retrying… (attempt ' + attempt + '). Your answers are saved.');
      retryTimer = setTimeout(function () {
        retryTimer = null;
        send();
      }, delay);
    }

    function retryNow() {
      if (sending && retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = null;
        send();
      }
    }

    function showInvalid(res) {
      var err = errorOf(res.body);
      var fields = (err.fields && typeof err.fields === 'object') ? err.fields : {};
      var other = [];
      for (var code in fields) {
        if (!has(fields, code)) continue;
        var wrap = code === 'unit' ? unitWrap :
          code === 'phone' && phoneWrap ? phoneWrap :
            code === 'token' && tokenWrap ? tokenWrap :
              document.getElementById('q-' + code);
        if (wrap && wrap === tokenWrap) tokenCard.hidden = false;
        if (wrap && form.contains(wrap)) setError(wrap, String(fields[code]));
        else other.push(String(fields[code]));
      }
      setStatus('error', err.message || '有题目需要修改 Please check the marked questions.', other.join(' '));
      var wraps = allWraps();
      for (var i = 0; i < wraps.length; i++) {
        if (wraps[i].classList.contains('is-missing')) {
          focusField(wraps[i]);
          return;
        }
      }
    }

    function refreshCookie() {
      setStatus('info', '正在重新连接…', 'Reconnecting…');
      request('GET', surveyURL, null, function (res) {
        if (res.status >= 200 && res.status < 300) {
          refreshed = true;
          send();
        } else if (res.status === 410) {
          finish('closed');
        } else if (retryable(res.status)) {
          retryLater(res);
        } else {
          stop();
          setStatus('error', errorOf(res.body).message || '暂时无法提交（' + res.status + '）',
            '请刷新页面后再提交，作答已保存在本机。Please reload the page and submit again; your answers are saved.');
        }
      });
    }

    // tokenRefused shows that the server did not accept the invitation.
    function tokenRefused() {
      stop();
      // A refused link is not sent again: the resident types the printed
      // code (the long token of the link means nothing to them).
      if (sentToken === urlToken) urlTokenOK = false;
      showTokenError(MSG_TOKEN_BAD);
      setStatus('error', '邀请码无效或已使用', 'This invitation code is not valid.');
      focusField(tokenWrap);
    }

    // usedScreen shows "this invitation has already been used". The draft is
    // kept: the resident may have another code.
    function usedScreen() {
      stop();
      if (sentToken === urlToken) urlTokenOK = false;
      setStatus('');
      showScreen('used');
    }

    function handle(res) {
      var s = res.status;
      var err = errorOf(res.body);
      if (s === 200 || s === 201) return finish('thanks');
      if (s === 409 && (!err.code || err.code === 'duplicate')) {
        return mode === 'token' && document.getElementById('screen-used') ? usedScreen() : finish('answered');
      }
      if (s === 410) return finish('closed');
      if (retryable(s)) return retryLater(res);
      if (s === 403 && mode === 'token') {
        // In token mode a 403 is about the invitation, unless the server
        // says the respondent cookie is missing: then get one, once.
        if (sentToken && !refreshed && /cookie/i.test(String(err.message || ''))) return refreshCookie();
        return tokenRefused();
      }
      if (s === 403 && !refreshed) return refreshCookie();
      stop();
      if (s === 422) return showInvalid(res);
      setStatus('error', err.message || '提交失败（' + s + '） Submission failed.',
        s === 403 ? '请刷新页面后再提交，作答已保存在本机。Please reload the page and submit again; your answers are saved.' :
          '作答已保存在本机。Your answers are saved on this phone.');
    }

    function send() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      if (preview || !endpoint) {
        stop();
        return;
      }
      if (attempt === 0) setStatus('info', '正在提交…', 'Submitting…');
      request('POST', endpoint, body, handle);
    }

    // Events.
    form.addEventListener('change', function (e) {
      clearError(wrapOf(e.target));
      saveDraft();
      updateProgress();
    });
    form.addEventListener('input', function (e) {
      var el = e.target;
      if (el && (el.tagName === 'TEXTAREA' || el === tokenInput || el === phoneInput)) {
        clearError(wrapOf(el));
        saveSoon();
        updateProgress();
      }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (sending) return;
      saveDraft();
      each(allWraps(), clearError);
      setStatus('');
      var missing = validate();
      if (preview) {
        setStatus('info', '预览：提交已关闭', 'Preview: submitting is off.');
        if (missing.length) focusField(missing[0]);
        return;
      }
      if (missing.length) {
        setStatus('error', '还有 ' + missing.length + ' 项必答内容未完成，请查看标出的地方。',
          missing.length + ' required item(s) still need an answer.');
        focusField(missing[0]);
        return;
      }
      body = buildBody();
      sending = true;
      attempt = 0;
      refreshed = false;
      button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      send();
    });
    var another = document.getElementById('use-another');
    if (another) {
      another.addEventListener('click', function () {
        // Back to the form for another code; the answers are all still there.
        each(document.querySelectorAll('.screen'), function (sc) { sc.hidden = true; });
        form.hidden = false;
        tokenInput.value = '';
        saveDraft();
        showTokenError(MSG_TOKEN);
        focusField(tokenWrap);
      });
    }
    window.addEventListener('online', retryNow);
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') retryNow();
      else flush();
    });

    // The preview keeps its button disabled: submitting is off.
    button.disabled = preview;
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
