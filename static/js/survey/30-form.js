/* The form: drafts, checks, submitting, and the screens after. */

function showScreen(name) {
  var form = byId('survey');
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

function init() {
  var main = byId('main');
  var form = byId('survey');
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
  // A unit's page (data-unit) keeps its own draft too: its areas are its own.
  var fixedUnit = form.getAttribute('data-unit') || '';
  var draftKey = DRAFT_PREFIX + slug + ':' + version + (fixedUnit ? ':u:' + fixedUnit : '') + (urlToken ? ':t:' + urlToken : '');
  // Only a device-mode survey is "done" for the whole browser: a token or a
  // phone number counts a person, and another person may use this phone.
  var doneKey = mode === 'device' ? DONE_PREFIX + slug : '';

  var questions = [];
  each(form.querySelectorAll('[data-question]'), function (q) { questions.push(q); });
  // The unit chooser, or on a unit's page the hidden input holding its code.
  var unitSelect = form.querySelector('[name="unit"]');
  var unitWrap = byId('field-unit');
  var tokenCard = byId('card-token');
  var tokenWrap = mode === 'token' ? byId('field-token') : null;
  var tokenInput = tokenWrap && tokenWrap.querySelector('input');
  var phoneWrap = mode === 'phone' ? byId('field-phone') : null;
  var phoneInput = phoneWrap && phoneWrap.querySelector('input');
  // Phone mode with text-message codes (an SMS provider is configured).
  var otpEndpoint = phoneWrap ? form.getAttribute('data-otp-endpoint') || '' : '';
  var otpWrap = otpEndpoint ? byId('field-otp') : null;
  var otpInput = otpWrap && byId('resp-otp');
  var otpButton = otpWrap && byId('otp-send');
  var button = byId('submit');
  var statusEl = byId('status');
  var progressEl = byId('progress');
  var countEl = byId('progress-count');
  var barEl = byId('progress-bar');
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
  if (unitSelect && draft.unit && !fixedUnit) {
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
      if (el.getAttribute && (el.hasAttribute('data-question') || el === unitWrap || el === tokenWrap || el === phoneWrap || el === otpWrap)) return el;
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
    if (otpWrap) w.push(otpWrap);
    if (unitWrap) w.push(unitWrap);
    return w.concat(questions);
  }

  var MSG_TOKEN = '请输入邀请码 Enter your invitation code';
  var MSG_TOKEN_BAD = '邀请码无效或已使用 This invitation code is not valid';
  var MSG_PHONE = '请填写11位手机号码 Enter an 11-digit mainland mobile number';
  var MSG_OTP = '请填写短信中的6位验证码 Enter the 6-digit code from the text message';

  // showTokenError reveals the code card with a message next to the input.
  function showTokenError(msg) {
    if (tokenCard) tokenCard.hidden = false;
    setError(tokenWrap, msg);
  }

  // setStatus shows a Chinese line and an optional second (English) line.
  function setStatus(kind, line, second) {
    clear(statusEl);
    statusEl.className = 'status' + (kind ? ' status-' + kind : '');
    if (!line) return;
    statusEl.appendChild(make('span', '', line));
    if (second) statusEl.appendChild(make('span', 'en', second));
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
    if (otpWrap && !/^\d{6}$/.test(otpCode())) {
      setError(otpWrap, MSG_OTP);
      missing.push(otpWrap);
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
    if (otpWrap) b.otp = otpCode();
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
          code === 'otp' && otpWrap ? otpWrap :
          code === 'token' && tokenWrap ? tokenWrap :
            byId('q-' + code);
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
      return mode === 'token' && byId('screen-used') ? usedScreen() : finish('answered');
    }
    if (s === 410) return finish('closed');
    if (phoneWrap && s === 403 && err.code === 'not_on_roster') {
      stop();
      setError(phoneWrap, err.message);
      setStatus('error', '此号码不在本次调查的名单中', 'This number is not on the survey\'s list.');
      focusField(phoneWrap);
      return;
    }
    if (otpWrap && (s === 403 && err.code === 'otp_invalid' || s === 429 && err.code === 'otp_locked')) {
      // The code, not the connection: the resident gets a new one.
      stop();
      otpRefused(err.message || MSG_OTP);
      return;
    }
    if (s === 401 && err.code === 'wechat_required') {
      // The WeChat sign-in lapsed: the page signs in again silently and
      // the draft brings the answers back.
      stop();
      setStatus('info', '正在重新登录微信，请稍后再点提交', 'Signing in with WeChat again; then tap submit once more.');
      location.reload();
      return;
    }
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

  // Text-message codes: the button asks for one, then counts down until
  // another may be asked for; the answer's errors go next to the fields.
  var otpTimer = null;
  var otpLabel = otpButton ? otpButton.innerHTML : '';

  function otpCode() {
    return otpInput ? String(otpInput.value).replace(/[\uff10-\uff19]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xfee0);
    }).replace(/\s/g, '') : '';
  }

  function otpNote(line, second) {
    var old = byId('otp-sent');
    if (old) old.parentNode.removeChild(old);
    if (!line) return;
    var p = make('p', 'otp-sent', line);
    p.id = 'otp-sent';
    p.setAttribute('role', 'status');
    if (second) p.appendChild(make('span', 'en', second));
    otpWrap.insertBefore(p, byId('fe-otp'));
  }

  // otpCountdown disables the button for seconds, showing them.
  function otpCountdown(seconds) {
    if (otpTimer) clearInterval(otpTimer);
    var left = Math.max(1, seconds);
    function tick() {
      if (left <= 0) {
        clearInterval(otpTimer);
        otpTimer = null;
        otpButton.disabled = false;
        otpButton.innerHTML = otpLabel;
        return;
      }
      otpButton.disabled = true;
      otpButton.textContent = '重新获取 ' + left + 's';
      left--;
    }
    tick();
    otpTimer = setInterval(tick, 1000);
  }

  function otpRefused(msg) {
    setError(otpWrap, msg);
    setStatus('error', '验证码未通过，请查看提示', 'The code was not accepted; see the message by the code.');
    focusField(otpWrap);
  }

  function askCode() {
    if (preview || !otpButton || otpButton.disabled) return;
    clearError(phoneWrap);
    clearError(otpWrap);
    var ph = normalizePhone(phoneInput.value);
    if (!/^1[3-9]\d{9}$/.test(ph)) {
      setError(phoneWrap, MSG_PHONE);
      focusField(phoneWrap);
      return;
    }
    phoneInput.value = ph;
    saveDraft();
    otpButton.disabled = true;
    otpNote('正在发送…', 'Sending…');
    var ask = { phone: ph };
    var unit = fixedUnit || (unitSelect ? unitSelect.value : '');
    if (unit) ask.unit = unit;
    request('POST', otpEndpoint, JSON.stringify(ask), function (res) {
      var err = errorOf(res.body);
      otpButton.disabled = false;
      otpNote('');
      if (res.status === 202) {
        otpNote('验证码已发送至 ' + ph.slice(0, 3) + '****' + ph.slice(7) + '，5分钟内有效',
          'A code was sent to this number; it is valid for 5 minutes.');
        otpCountdown((res.body && res.body.resend_after) || 60);
        try { otpInput.focus(); } catch (e) { /* ignore */ }
        return;
      }
      if (res.status === 410) return finish('closed');
      if (res.status === 400 || res.status === 403) {
        setError(phoneWrap, err.message || MSG_PHONE);
        return focusField(phoneWrap);
      }
      if (res.status === 429) {
        var wait = retryAfterMs(res.retryAfter);
        if (wait && err.code !== 'otp_locked') otpCountdown(Math.ceil(wait / 1000));
        return setError(otpWrap, err.message || '获取验证码过于频繁，请稍后再试 Too many codes asked for; try again later');
      }
      if (res.status === 0) {
        return setError(otpWrap, '网络不稳定，请稍后再点“获取验证码” The network is unstable; tap Get code again shortly');
      }
      setError(otpWrap, err.message || '短信发送失败，请稍后再试 the text message could not be sent; try again later');
    });
  }

  if (otpButton) otpButton.addEventListener('click', askCode);

  // Events.
  form.addEventListener('change', function (e) {
    clearError(wrapOf(e.target));
    saveDraft();
    updateProgress();
  });
  form.addEventListener('input', function (e) {
    var el = e.target;
    if (el && (el.tagName === 'TEXTAREA' || el === tokenInput || el === phoneInput || el === otpInput)) {
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
  var another = byId('use-another');
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
