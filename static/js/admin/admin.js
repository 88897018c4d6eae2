/*
 * Minyi staff pages: sign-in, survey list, designer, invitation sheet, users
 * and audit log, switched by <body data-page>. The pages are server-rendered
 * shells; this script reads and changes everything through the JSON admin
 * API, so nothing needs a reload to show what the user just did.
 *
 * ES2017 at most, no framework, no inline code (the CSP allows 'self' only).
 * Data reaches the DOM only through textContent, .value and attribute
 * setters, never parsed as markup.
 */
(function () {
  'use strict';

  var body = document.body;
  var PAGE = body.getAttribute('data-page') || '';
  var CSRF = body.getAttribute('data-csrf') || '';
  var SURVEY = body.getAttribute('data-survey') || '';
  var CAN_EDIT = body.getAttribute('data-can-edit') === 'true';
  var DASH = '—';

  /* ---------- small helpers ---------- */

  function byId(id) { return document.getElementById(id); }

  function make(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined && text !== null && text !== '') el.textContent = String(text);
    return el;
  }

  // bi makes "中文 English" with the English part in a secondary span.
  function bi(tag, cls, zh, en) {
    var el = make(tag, cls, zh);
    if (en) {
      el.appendChild(document.createTextNode(' '));
      var s = make('span', 'en', en);
      s.lang = 'en';
      el.appendChild(s);
    }
    return el;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function clone(v) { return JSON.parse(JSON.stringify(v)); }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function fmtTime(iso) {
    if (!iso) return DASH;
    var d = new Date(iso);
    if (isNaN(d.getTime())) return DASH;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  function clock() {
    var d = new Date();
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  // showMsg puts a message (text only) in a message element, or hides it.
  function showMsg(el, text, kind) {
    if (!el) return;
    clear(el);
    el.textContent = text || '';
    if (kind) el.className = 'msg msg-' + kind;
    el.hidden = !text;
  }

  var toastTimer = 0;
  function toast(text, kind) {
    var el = byId('toast');
    if (!el) return;
    el.textContent = text;
    el.className = 'toast toast-' + (kind || 'ok');
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, 5000);
  }

  function qrURL(link, size) {
    return '/api/v1/admin/qr?text=' + encodeURIComponent(link) + '&size=' + (size || 256);
  }

  // copyText copies an input's text: the Clipboard API where the page may
  // use it, else the selection and execCommand. It resolves true on success.
  function copyText(input) {
    function bySelection() {
      input.focus();
      input.select();
      try {
        return document.execCommand('copy');
      } catch (e) {
        return false;
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(input.value).then(function () { return true; }, bySelection);
    }
    return Promise.resolve(bySelection());
  }

  function loginURL() {
    return '/admin/login?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // api calls the admin API. It resolves with the parsed JSON body (null
  // for 204) and rejects with an Error carrying status, code and fields.
  // A 401 sends the browser to the sign-in page unless opts.noRedirect.
  function api(method, url, data, opts) {
    opts = opts || {};
    var headers = { Accept: 'application/json' };
    var init = { method: method, credentials: 'same-origin', headers: headers, cache: 'no-store' };
    if (method !== 'GET' && method !== 'HEAD') {
      headers['X-CSRF-Token'] = CSRF;
      headers['Content-Type'] = 'application/json';
      if (data !== undefined) init.body = JSON.stringify(data);
    }
    return fetch(url, init).then(function (resp) {
      return resp.text().then(function (text) {
        var json = null;
        if (text) {
          try { json = JSON.parse(text); } catch (e) { json = null; }
        }
        if (resp.ok) return json;
        var e = (json && json.error) || {};
        var err = new Error(e.message || ('请求失败 request failed (HTTP ' + resp.status + ')'));
        err.status = resp.status;
        err.code = e.code || '';
        err.fields = e.fields || null;
        if (resp.status === 401 && !opts.noRedirect) {
          err.redirecting = true;
          location.href = loginURL();
        }
        throw err;
      });
    }, function () {
      var err = new Error('无法连接服务器，请检查网络后重试 cannot reach the server; check the network and try again');
      err.status = 0;
      throw err;
    });
  }

  // errText is an error's message with its per-field reasons, if any.
  function errText(e, names) {
    var text = e.message;
    if (e.fields) {
      Object.keys(e.fields).forEach(function (k) {
        text += '\n' + ((names && names[k]) || k) + ': ' + e.fields[k];
      });
    }
    return text;
  }

  var STATUS = {
    draft: ['草稿', 'Draft'],
    published: ['进行中', 'Published'],
    closed: ['已结束', 'Closed']
  };
  var ROLES = {
    admin: ['管理员', 'admin'],
    designer: ['设计员', 'designer'],
    viewer: ['查看者', 'viewer']
  };

  function badge(status) {
    var s = STATUS[status] || [status, ''];
    return bi('span', 'badge badge-' + status, s[0], s[1]);
  }

  function setBadge(el, status) {
    var s = STATUS[status] || [status, ''];
    clear(el);
    el.className = 'badge badge-' + status;
    el.appendChild(document.createTextNode(s[0] + ' '));
    var en = make('span', 'en', s[1]);
    en.lang = 'en';
    el.appendChild(en);
  }

  /* ---------- dialogs ---------- */

  function openDialog(d) {
    if (typeof d.showModal === 'function') {
      if (!d.open) d.showModal();
    } else {
      d.setAttribute('open', '');
    }
  }

  function closeDialog(d) {
    if (typeof d.close === 'function') d.close();
    else d.removeAttribute('open');
  }

  // confirmDialog asks a yes/no question in the page's <dialog>.
  function confirmDialog(title, text, okLabel) {
    var d = byId('confirm-dialog');
    if (!d) return Promise.resolve(window.confirm(title + '\n' + text));
    byId('confirm-title').textContent = title;
    byId('confirm-text').textContent = text;
    var ok = byId('confirm-ok');
    var cancel = byId('confirm-cancel');
    ok.textContent = okLabel || '确定 OK';
    return new Promise(function (resolve) {
      function done(v) {
        ok.removeEventListener('click', yes);
        cancel.removeEventListener('click', no);
        d.removeEventListener('cancel', no);
        closeDialog(d);
        resolve(v);
      }
      function yes() { done(true); }
      function no(ev) { if (ev) ev.preventDefault(); done(false); }
      ok.addEventListener('click', yes);
      cancel.addEventListener('click', no);
      d.addEventListener('cancel', no);
      openDialog(d);
      ok.focus();
    });
  }

  /* ---------- the top bar: logout, password ---------- */

  function initBar() {
    each(document.querySelectorAll('[data-nav]'), function (a) {
      if (a.getAttribute('data-nav') === PAGE) a.setAttribute('aria-current', 'page');
    });
    var logout = byId('logout');
    if (logout) {
      logout.addEventListener('click', function () {
        logout.disabled = true;
        api('POST', '/api/v1/admin/logout', undefined, { noRedirect: true }).then(function () {
          location.href = '/admin/login';
        }, function (e) {
          if (e.status === 401) { location.href = '/admin/login'; return; }
          logout.disabled = false;
          toast(e.message, 'error');
        });
      });
    }
    var d = byId('pw-dialog');
    if (!d) return;
    var form = byId('pw-form');
    var err = byId('pw-error');
    byId('pw-open').addEventListener('click', function () {
      form.reset();
      showMsg(err, '');
      openDialog(d);
      byId('pw-old').focus();
    });
    byId('pw-cancel').addEventListener('click', function () { closeDialog(d); });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var oldPw = byId('pw-old').value;
      var newPw = byId('pw-new').value;
      if (!oldPw) { showMsg(err, '请输入当前密码 enter your current password', 'error'); return; }
      if (newPw.length < 10) { showMsg(err, '新密码至少10个字符 the new password needs at least 10 characters', 'error'); return; }
      if (newPw !== byId('pw-new2').value) { showMsg(err, '两次输入的新密码不一致 the two new passwords differ', 'error'); return; }
      var btn = byId('pw-save');
      btn.disabled = true;
      api('POST', '/api/v1/admin/password', { old: oldPw, new: newPw }).then(function () {
        closeDialog(d);
        toast('密码已修改，其他设备上的登录已退出 password changed; other sign-ins were ended');
      }, function (e) {
        if (e.redirecting) return;
        // A wrong current password is 422 with fields.old.
        if (e.fields && e.fields.old) {
          showMsg(err, e.fields.old, 'error');
          byId('pw-old').select();
        } else {
          showMsg(err, errText(e, { new: '新密码 new password' }), 'error');
        }
      }).then(function () { btn.disabled = false; });
    });
  }

  /* ---------- sign-in ---------- */

  function safeNext(next) {
    if (!next || next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === '\\') return '/admin';
    return next;
  }

  function initLogin() {
    var form = byId('login-form');
    var err = byId('login-error');
    var btn = byId('login-submit');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var name = byId('login-name').value.trim();
      var pw = byId('login-password').value;
      if (!name || !pw) {
        showMsg(err, '请输入用户名和密码 enter your name and password', 'error');
        return;
      }
      showMsg(err, '');
      btn.disabled = true;
      api('POST', '/api/v1/admin/login', { name: name, password: pw }, { noRedirect: true }).then(function () {
        location.href = safeNext(body.getAttribute('data-next'));
      }, function (e) {
        showMsg(err, e.message, 'error');
        btn.disabled = false;
        byId('login-password').select();
      });
    });
  }

  /* ---------- survey list ---------- */

  var SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

  function initList() {
    var rows = byId('survey-rows');
    var errEl = byId('list-error');
    var byKey = {}; // id → {tr, sig}
    var timer = 0;
    var loading = false;
    var surveys = [];

    function linkCell(s) {
      var td = make('td', 'links');
      var a = bi('a', '', '设计', 'Open');
      a.href = '/admin/surveys/' + s.id;
      td.appendChild(a);
      if (s.published_version !== null && s.published_version !== undefined) {
        var sv = bi('a', '', '问卷', 'Survey');
        sv.href = '/s/' + encodeURIComponent(s.slug);
        sv.target = '_blank';
        sv.rel = 'noopener';
        var d = bi('a', '', '看板', 'Dashboard');
        d.href = '/d/' + encodeURIComponent(s.slug);
        d.target = '_blank';
        d.rel = 'noopener';
        td.appendChild(sv);
        td.appendChild(d);
      }
      return td;
    }

    function fillRow(tr, s) {
      clear(tr);
      var th = make('th', 'title-cell');
      th.scope = 'row';
      var a = make('a', 'title-link', s.title);
      a.href = '/admin/surveys/' + s.id;
      th.appendChild(a);
      th.appendChild(make('div', 'mono muted small', s.slug));
      tr.appendChild(th);
      var st = make('td');
      st.appendChild(badge(s.status));
      tr.appendChild(st);
      tr.appendChild(make('td', 'num responses', String(s.responses)));
      var res = make('td');
      res.appendChild(s.results === 'public' ? bi('span', '', '公开', 'public') : bi('span', '', '仅工作人员', 'staff'));
      tr.appendChild(res);
      var ver = make('td', 'small');
      if (s.published_version !== null && s.published_version !== undefined) ver.appendChild(bi('div', '', '已发布', 'published'));
      if (s.draft_version !== null && s.draft_version !== undefined) ver.appendChild(bi('div', 'draft-pending', '草稿待发布', 'draft pending'));
      tr.appendChild(ver);
      tr.appendChild(make('td', 'small nowrap', fmtTime(s.updated_at)));
      tr.appendChild(linkCell(s));
    }

    function render(list) {
      var seen = {};
      list.forEach(function (s, i) {
        var key = String(s.id);
        seen[key] = true;
        var sig = JSON.stringify(s);
        var row = byKey[key];
        if (!row) {
          row = { tr: make('tr'), sig: '' };
          row.tr.setAttribute('data-id', key);
          byKey[key] = row;
        }
        row.tr.setAttribute('data-slug', s.slug);
        row.tr.setAttribute('data-status', s.status);
        if (row.sig !== sig) {
          fillRow(row.tr, s);
          row.sig = sig;
        }
        if (rows.children[i] !== row.tr) rows.insertBefore(row.tr, rows.children[i] || null);
      });
      Object.keys(byKey).forEach(function (k) {
        if (!seen[k]) {
          if (byKey[k].tr.parentNode) byKey[k].tr.parentNode.removeChild(byKey[k].tr);
          delete byKey[k];
        }
      });
      byId('surveys-loading').hidden = true;
      byId('surveys-empty').hidden = list.length > 0;
      fillCopySelect(list);
    }

    var copySig = '';
    function fillCopySelect(list) {
      var sel = byId('ns-copy');
      var sig = JSON.stringify(list.map(function (s) { return [s.id, s.title, s.slug]; }));
      if (!sel || sig === copySig) return;
      copySig = sig;
      var keep = sel.value;
      clear(sel);
      list.forEach(function (s) {
        var o = make('option', '', s.title + ' (' + s.slug + ')');
        o.value = String(s.id);
        sel.appendChild(o);
      });
      if (keep) sel.value = keep;
    }

    function load() {
      if (loading) return Promise.resolve();
      loading = true;
      clearTimeout(timer);
      return api('GET', '/api/v1/admin/surveys').then(function (r) {
        surveys = (r && r.surveys) || [];
        render(surveys);
        showMsg(errEl, '');
        byId('list-updated').textContent = '更新于 ' + clock() + ' updated';
      }, function (e) {
        if (!e.redirecting) showMsg(errEl, e.message, 'error');
      }).then(function () {
        loading = false;
        timer = setTimeout(load, 10000);
      });
    }

    byId('refresh').addEventListener('click', load);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') load();
    });
    load();
    if (CAN_EDIT) initNewSurvey();
  }

  function initNewSurvey() {
    var panel = byId('ns-panel');
    var openBtn = byId('ns-open');
    var form = byId('ns-form');
    var errEl = byId('ns-error');
    var slugIn = byId('ns-slug');
    var titleIn = byId('ns-title');

    function source() {
      var r = form.querySelector('input[name="ns-source"]:checked');
      return r ? r.value : 'template';
    }
    function syncSource() {
      var s = source();
      each(form.querySelectorAll('.source'), function (l) {
        l.classList.toggle('inactive', l.querySelector('input[type="radio"]').value !== s);
      });
    }
    function setOpen(open) {
      panel.hidden = !open;
      openBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) slugIn.focus();
    }
    function clearErrors() {
      showMsg(errEl, '');
      each(form.querySelectorAll('.field-error'), function (e) { e.parentNode.removeChild(e); });
      each(form.querySelectorAll('.invalid'), function (e) { e.classList.remove('invalid'); });
    }
    function fieldError(input, text) {
      input.classList.add('invalid');
      var e = make('span', 'field-error', text);
      input.parentNode.appendChild(e);
    }
    function showErrors(e) {
      var fields = e.fields || {};
      var rest = [];
      Object.keys(fields).sort().forEach(function (path) {
        var input = { slug: slugIn, title: titleIn, template: byId('ns-template') }[path];
        if (input) fieldError(input, fields[path]);
        else rest.push(path + ': ' + fields[path]);
      });
      showMsg(errEl, e.message, 'error');
      if (rest.length) {
        var ul = make('ul');
        rest.forEach(function (t) { ul.appendChild(make('li', '', t)); });
        errEl.appendChild(ul);
      }
    }
    function readFile(file) {
      return new Promise(function (resolve, reject) {
        var fr = new FileReader();
        fr.onload = function () {
          try {
            resolve(JSON.parse(String(fr.result).replace(/^\ufeff/, '')));
          } catch (ex) {
            reject(new Error('文件不是有效的JSON the file is not valid JSON'));
          }
        };
        fr.onerror = function () { reject(new Error('无法读取文件 the file could not be read')); };
        fr.readAsText(file, 'utf-8');
      });
    }

    openBtn.addEventListener('click', function () { setOpen(panel.hidden); });
    byId('ns-cancel').addEventListener('click', function () { setOpen(false); });
    each(form.querySelectorAll('input[name="ns-source"]'), function (r) { r.addEventListener('change', syncSource); });
    // Using a source's own control chooses that source.
    each(form.querySelectorAll('.source select, .source input[type="file"]'), function (el) {
      function pick() {
        var r = el.closest('.source').querySelector('input[type="radio"]');
        if (!r.checked) {
          r.checked = true;
          syncSource();
        }
      }
      el.addEventListener('focus', pick);
      el.addEventListener('change', pick);
    });
    slugIn.addEventListener('input', function () {
      var lower = slugIn.value.toLowerCase();
      if (lower !== slugIn.value) slugIn.value = lower;
    });
    syncSource();

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors();
      var slug = slugIn.value.trim();
      var body = { slug: slug };
      var title = titleIn.value.trim();
      if (title) body.title = title;
      if (!SLUG_RE.test(slug)) {
        fieldError(slugIn, '须为3-64位小写字母、数字或-，首尾不能是- 3-64 lowercase letters, digits or -, not starting or ending with -');
        slugIn.focus();
        return;
      }
      var src = source();
      var ready;
      if (src === 'copy') {
        var id = parseInt(byId('ns-copy').value, 10);
        if (!id) { fieldError(byId('ns-copy'), '请选择一份问卷 choose a survey'); return; }
        body.copy_of = id;
        ready = Promise.resolve();
      } else if (src === 'import') {
        var f = byId('ns-file').files[0];
        if (!f) { fieldError(byId('ns-file'), '请选择JSON文件 choose a JSON file'); return; }
        ready = readFile(f).then(function (def) {
          if (!def || typeof def !== 'object' || Array.isArray(def)) throw new Error('文件不是问卷定义 the file is not a survey definition');
          body.definition = def;
        }, function (e2) {
          fieldError(byId('ns-file'), e2.message);
          throw e2;
        });
      } else {
        body.template = byId('ns-template').value;
        ready = Promise.resolve();
      }
      var btn = byId('ns-submit');
      btn.disabled = true;
      ready.then(function () {
        return api('POST', '/api/v1/admin/surveys', body).then(function (r) {
          location.href = '/admin/surveys/' + r.id;
        }, function (e) {
          if (!e.redirecting) showErrors(e);
          btn.disabled = false;
        });
      }, function () { btn.disabled = false; });
    });
  }

  /* ---------- designer ---------- */

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
  var CLASSES = [
    ['satisfied', '满意类', 'satisfied'],
    ['neutral', '中间', 'neutral'],
    ['dissatisfied', '不满意类', 'dissatisfied']
  ];

  // pathKeys splits "areas[2].questions[0].text" into ["areas", 2, "questions", 0, "text"].
  function pathKeys(path) {
    var out = [];
    path.split('.').forEach(function (part) {
      var m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
      if (!m) { out.push(part); return; }
      if (m[1]) out.push(m[1]);
      var re = /\[(\d+)\]/g;
      var x;
      while ((x = re.exec(m[2])) !== null) out.push(parseInt(x[1], 10));
    });
    return out;
  }

  function getPath(obj, path) {
    var keys = pathKeys(path);
    var v = obj;
    for (var i = 0; i < keys.length; i++) {
      if (v === null || v === undefined) return undefined;
      v = v[keys[i]];
    }
    return v;
  }

  // setPath sets a value, making objects on the way; undefined deletes.
  function setPath(obj, path, value) {
    var keys = pathKeys(path);
    var v = obj;
    for (var i = 0; i < keys.length - 1; i++) {
      if (v[keys[i]] === null || v[keys[i]] === undefined) v[keys[i]] = typeof keys[i + 1] === 'number' ? [] : {};
      v = v[keys[i]];
    }
    var last = keys[keys.length - 1];
    if (value === undefined) delete v[last];
    else v[last] = value;
  }

  function readInput(el) {
    var t = el.getAttribute('data-type');
    if (t === 'bool') return el.checked;
    var s = el.value;
    if (t === 'int') {
      var n = parseInt(s, 10);
      return isNaN(n) ? 0 : n;
    }
    if (t === 'num') {
      var f = parseFloat(s);
      return isNaN(f) ? 0 : f;
    }
    if (t === 'opt' || t === 'optnum') {
      if (s === '') return undefined;
      if (t === 'optnum') {
        var g = parseFloat(s);
        return isNaN(g) ? undefined : g;
      }
    }
    return s;
  }

  function writeInput(el, v) {
    var t = el.getAttribute('data-type');
    if (t === 'bool') { el.checked = !!v; return; }
    if ((t === 'optnum' || t === 'opt') && (v === undefined || v === null || v === 0 && t === 'optnum')) { el.value = ''; return; }
    el.value = v === undefined || v === null ? '' : String(v);
  }

  function updateCount(el) {
    var max = parseInt(el.getAttribute('data-max'), 10);
    var c = el.nextElementSibling;
    if (!max || !c || !c.classList.contains('count')) return;
    var n = Array.from(el.value).length;
    c.textContent = n + ' / ' + max;
    c.classList.toggle('over', n > max);
  }

  function initDesigner() {
    var BASE = '/api/v1/admin/surveys/' + SURVEY;
    var PREVIEW = '/admin/surveys/' + SURVEY + '/preview';
    var editor = byId('editor');
    var detail = null; // the survey as last read from the server
    var def = null; // the working copy being edited
    var editSeq = 0;
    var savedSeq = 0;
    var busy = false;
    var open = new WeakSet(); // areas and extra questions shown expanded
    var tokenBatch = null; // the last generated invitations, shown once
    var batchKept = true; // downloaded or printed
    var csvURL = '';

    function dirty() { return editSeq !== savedSeq; }

    var quality = initQuality(BASE);
    var results = initResults(BASE);
    var weighting = initWeighting(BASE);
    var surveyList = null; // every survey, for the previous-year select

    /* --- status, versions, tokens: updated in place after every action --- */

    function refresh() {
      return api('GET', BASE).then(function (r) {
        detail = r.survey;
        if (!def) {
          def = normalize(clone(detail.draft || detail.published || {}));
          renderAll();
          byId('d-loading').hidden = true;
          editor.hidden = false;
        }
        showStatus(r.tokens);
        showMsg(byId('load-error'), '');
        return r;
      }, function (e) {
        if (!e.redirecting) showMsg(byId('load-error'), e.message, 'error');
        throw e;
      });
    }

    function showStatus(tokens) {
      var s = detail;
      byId('d-title').textContent = s.title;
      document.title = s.title + ' · 问卷设计 Designer';
      setBadge(byId('d-status'), s.status);
      byId('d-slug').textContent = s.slug;
      byId('f-slug').textContent = s.slug;
      byId('d-responses').textContent = String(s.responses);
      var links = byId('d-links');
      clear(links);
      if (s.published_version !== null && s.published_version !== undefined) {
        [['/s/', '问卷', 'Survey'], ['/d/', '看板', 'Dashboard']].forEach(function (l) {
          links.appendChild(document.createTextNode(' · '));
          var a = bi('a', '', l[1], l[2]);
          a.href = l[0] + encodeURIComponent(s.slug);
          a.target = '_blank';
          a.rel = 'noopener';
          links.appendChild(a);
        });
      }
      byId('base-note').hidden = !!s.draft || !s.published;
      quality.survey(s);
      results.survey(s);
      weighting.survey(s);
      var pub = byId('publish');
      if (pub) {
        pub.disabled = busy || !(s.draft_version || dirty());
        byId('close-survey').hidden = s.status === 'closed';
        byId('close-survey').disabled = busy || s.status !== 'published';
        byId('reopen-survey').hidden = s.status !== 'closed';
        byId('reopen-survey').disabled = busy;
      }
      var save = byId('save');
      if (save) save.disabled = busy;
      showSaveState();
      renderVersions();
      if (tokens) {
        byId('tk-total').textContent = String(tokens.total);
        byId('tk-used').textContent = String(tokens.used);
        byId('tk-unused').textContent = String(tokens.unused);
      }
      syncTokenPanel();
      byId('pv-which').textContent = s.draft ? '草稿 draft' : '已发布版本 published';
    }

    function showSaveState() {
      var el = byId('save-state');
      if (!CAN_EDIT) { el.textContent = ''; return; }
      if (dirty()) {
        el.textContent = '有未保存的修改 unsaved changes';
        el.className = 'save-state dirty';
      } else if (detail && detail.draft) {
        el.textContent = '草稿已保存 draft saved';
        el.className = 'save-state saved';
      } else {
        el.textContent = '';
        el.className = 'save-state';
      }
      var pub = byId('publish');
      if (pub && detail) pub.disabled = busy || !(detail.draft_version || dirty());
    }

    function renderVersions() {
      var tb = byId('version-rows');
      clear(tb);
      var vs = (detail.versions || []).slice().sort(function (a, b) { return b.number - a.number; });
      vs.forEach(function (v) {
        var tr = make('tr');
        tr.appendChild(make('td', 'mono', 'v' + v.number));
        var st = make('td');
        if (v.id === detail.published_version) st.appendChild(bi('span', 'badge badge-published', '当前发布', 'live'));
        else if (v.id === detail.draft_version) st.appendChild(bi('span', 'badge badge-draft', '草稿', 'draft'));
        else if (v.published_at) st.appendChild(bi('span', 'muted', '曾发布', 'earlier'));
        else st.appendChild(bi('span', 'muted', '未发布', 'never published'));
        tr.appendChild(st);
        tr.appendChild(make('td', 'small', fmtTime(v.created_at)));
        tr.appendChild(make('td', 'small', fmtTime(v.published_at)));
        tb.appendChild(tr);
      });
    }

    /* --- the editor --- */

    function normalize(d) {
      d.scale = d.scale || {};
      d.scale.levels = d.scale.levels || [];
      d.areas = d.areas || [];
      d.areas.forEach(function (a) { a.questions = a.questions || []; });
      d.extra = d.extra || [];
      return d;
    }

    function touched() {
      editSeq++;
      showSaveState();
    }

    function input(path, attrs) {
      var el = make(attrs && attrs.tag || 'input', attrs && attrs.cls);
      el.setAttribute('data-path', path);
      if (attrs) {
        Object.keys(attrs).forEach(function (k) {
          if (k !== 'tag' && k !== 'cls') el.setAttribute(k, attrs[k]);
        });
      }
      if (el.tagName === 'INPUT' && !el.getAttribute('type')) el.type = 'text';
      return el;
    }

    function select(path, options, attrs) {
      var el = input(path, Object.assign({ tag: 'select' }, attrs || {}));
      options.forEach(function (o) {
        var opt = make('option', '', o[1] + (o[2] ? ' ' + o[2] : ''));
        opt.value = o[0];
        el.appendChild(opt);
      });
      return el;
    }

    function field(zh, en, control, cls) {
      var l = make('label', 'field' + (cls ? ' ' + cls : ''));
      l.appendChild(bi('span', 'field-label', zh, en));
      l.appendChild(control);
      if (control.getAttribute('data-max')) l.appendChild(make('span', 'count'));
      return l;
    }

    function actBtn(act, list, j, zh, en, cls) {
      var b = make('button', 'btn icon ' + (cls || ''), zh);
      b.type = 'button';
      b.setAttribute('data-act', act);
      b.setAttribute('data-list', list);
      b.setAttribute('data-j', String(j));
      b.title = en;
      b.setAttribute('aria-label', en);
      return b;
    }

    function addBtn(list, zh, en) {
      var b = bi('button', 'btn small', zh, en);
      b.type = 'button';
      b.setAttribute('data-act', 'add');
      b.setAttribute('data-list', list);
      b.setAttribute('data-j', '-1');
      return b;
    }

    function moveButtons(list, j, n) {
      var box = make('span', 'move');
      var up = actBtn('up', list, j, '↑', '上移 move up');
      var down = actBtn('down', list, j, '↓', '下移 move down');
      up.disabled = j === 0;
      down.disabled = j === n - 1;
      box.appendChild(up);
      box.appendChild(down);
      box.appendChild(actBtn('del', list, j, '删除', '删除 delete', 'danger'));
      return box;
    }

    // fillValues writes the model into every bound control under root.
    function fillValues(root) {
      each(root.querySelectorAll('[data-path]'), function (el) {
        writeInput(el, getPath(def, el.getAttribute('data-path')));
        if (el.getAttribute('data-max')) updateCount(el);
      });
    }

    function lockIfViewer(root) {
      if (CAN_EDIT) return;
      each(root.querySelectorAll('input, select, textarea, button[data-act]'), function (el) { el.disabled = true; });
      var dk = byId('dk-on');
      if (dk) dk.disabled = true;
    }

    // fillPrevious offers the other surveys as the previous year's, keeping
    // the linked slug selectable even when no survey has it (any more).
    function fillPrevious() {
      var sel = byId('f-previous');
      var want = def.previous || '';
      clear(sel);
      var none = make('option', '', '无 none');
      none.value = '';
      sel.appendChild(none);
      var found = !want;
      (surveyList || []).forEach(function (s) {
        if (String(s.id) === SURVEY) return;
        var unpublished = s.published_version === null || s.published_version === undefined;
        var o = make('option', '', s.slug + ' · ' + s.title + (unpublished ? ' （未发布 unpublished）' : ''));
        o.value = s.slug;
        sel.appendChild(o);
        if (s.slug === want) found = true;
      });
      if (!found) {
        var gone = make('option', '', want + ' （找不到 not found）');
        gone.value = want;
        sel.appendChild(gone);
      }
      sel.value = want;
    }

    function renderAll() {
      fillPrevious();
      fillValues(byId('sec-basics'));
      fillValues(byId('sec-legal'));
      byId('units-text').value = (def.units || []).map(function (u) { return u.code + ' ' + u.name; }).join('\n');
      renderUnits();
      renderScale();
      renderAreas();
      renderExtras();
      lockIfViewer(editor);
      syncTokenPanel();
    }

    // Units: the textarea is the source; the list shows how it was read.
    function parseUnits(text) {
      var out = [];
      text.split(/\r?\n/).forEach(function (line) {
        line = line.trim();
        if (!line) return;
        var m = /^(\S+?)[\s,，、\t]+(.*)$/.exec(line);
        if (m) out.push({ code: m[1], name: m[2].trim() });
        else out.push({ code: line, name: '' });
      });
      return out;
    }

    function renderUnits() {
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
      fillUnitSelect();
    }

    function fillUnitSelect() {
      var sel = byId('tk-unit');
      if (!sel) return;
      var keep = sel.value;
      clear(sel);
      var none = make('option', '', '不限单位 any unit');
      none.value = '';
      sel.appendChild(none);
      (def.units || []).forEach(function (u) {
        var o = make('option', '', u.code + ' ' + u.name);
        o.value = u.code;
        sel.appendChild(o);
      });
      sel.value = keep;
      if (sel.value !== keep) sel.value = '';
    }

    byId('units-text').addEventListener('input', function () {
      var units = parseUnits(byId('units-text').value);
      if (units.length) def.units = units;
      else delete def.units;
      clearFieldErrorsUnder('units');
      renderUnits();
      touched();
    });
    byId('units-rows').addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-unit]');
      if (!b) return;
      def.units.splice(parseInt(b.getAttribute('data-unit'), 10), 1);
      if (!def.units.length) delete def.units;
      byId('units-text').value = (def.units || []).map(function (u) { return u.code + ' ' + u.name; }).join('\n');
      renderUnits();
      touched();
    });

    // Scale
    function matchPreset() {
      var scores = def.scale.levels.map(function (l) { return l.score; });
      var found = '';
      Object.keys(PRESETS).forEach(function (k) {
        if (PRESETS[k].join() === scores.join()) found = k;
      });
      return found;
    }

    function renderScale() {
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
      var preset = def.scale.preset && PRESETS[def.scale.preset] ? def.scale.preset : matchPreset();
      byId('scale-preset').value = preset;
      var dk = !!def.scale.dont_know;
      byId('dk-on').checked = dk;
      fillValues(byId('sec-scale'));
      each(byId('sec-scale').querySelectorAll('.dk-row input[data-path]'), function (el) { el.disabled = !dk || !CAN_EDIT; });
      lockIfViewer(byId('sec-scale'));
    }

    byId('scale-preset').addEventListener('change', function () {
      var k = byId('scale-preset').value;
      if (k && PRESETS[k]) {
        var old = def.scale.levels;
        def.scale.levels = PRESETS[k].map(function (score, i) {
          var keep = old.length === 5 ? old[i] : null;
          return {
            code: keep ? keep.code : DEFAULT_LEVELS[i].code,
            label: keep ? keep.label : DEFAULT_LEVELS[i].label,
            score: score,
            class: DEFAULT_LEVELS[i].cls
          };
        });
        def.scale.preset = k;
      } else {
        delete def.scale.preset;
      }
      clearFieldErrorsUnder('scale');
      renderScale();
      touched();
    });
    byId('dk-on').addEventListener('change', function () {
      if (byId('dk-on').checked) def.scale.dont_know = { code: 'dk', label: '不了解' };
      else delete def.scale.dont_know;
      renderScale();
      touched();
    });

    // Questions, for areas and extras alike.
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

    function renderAreas() {
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
        sum.appendChild(make('span', 'item-meta mono', a.code + ' · ' + a.questions.length + ' 题 q'));
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
      fillValues(root);
      lockIfViewer(root);
      byId('nav-areas').textContent = String(def.areas.length);
    }

    function renderExtras() {
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
        sum.appendChild(make('span', 'item-title', (j + 1) + '. ' + (q.text || '（未填题目 no text）')));
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
      fillValues(root);
      lockIfViewer(root);
    }

    function allQuestionCodes() {
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

    function newItem(list) {
      var seen;
      if (list === 'areas') {
        seen = {};
        def.areas.forEach(function (a) { seen[String(a.code).toLowerCase()] = true; });
        return {
          code: freeCode('a', seen, def.areas.length + 1), name: '', summary: '',
          questions: [{ code: freeCode('q', allQuestionCodes(), 1), kind: 'satisfaction', text: '您对这方面的工作满意吗？', required: true }]
        };
      }
      if (list === 'extra') {
        return { code: freeCode('x', allQuestionCodes(), def.extra.length + 1), kind: 'single', text: '', required: false, options: [{ code: '1', label: '' }, { code: '2', label: '' }] };
      }
      if (list === 'scale.levels') return { code: '', label: '', score: 0, class: 'neutral' };
      if (/\.options$/.test(list)) {
        var opts = getPath(def, list) || [];
        var max = 0;
        opts.forEach(function (o) { var n = parseInt(o.code, 10); if (!isNaN(n) && n > max) max = n; });
        return { code: String(max + 1), label: '' };
      }
      return { code: freeCode('q', allQuestionCodes(), 1), kind: 'satisfaction', text: '', required: true };
    }

    function rerender(list) {
      var y = window.scrollY;
      clearErrors();
      if (list.indexOf('scale') === 0) renderScale();
      else if (list.indexOf('extra') === 0) renderExtras();
      else renderAreas();
      window.scrollTo(0, y);
    }

    function focusLater(sel) {
      var el = editor.querySelector(sel);
      if (el && !el.disabled) el.focus();
    }

    function structural(act, list, j) {
      var arr = getPath(def, list);
      if (!arr) { arr = []; setPath(def, list, arr); }
      if (act === 'add') {
        var item = newItem(list);
        arr.push(item);
        if (list === 'areas' || list === 'extra') open.add(item);
        rerender(list);
        touched();
        var k = arr.length - 1;
        var first = list === 'areas' ? '.name' : /options$/.test(list) ? '.label' : list === 'scale.levels' ? '.code' : '.text';
        focusLater('[data-path="' + list + '[' + k + ']' + first + '"]');
        return;
      }
      if (act === 'up' || act === 'down') {
        var to = act === 'up' ? j - 1 : j + 1;
        if (to < 0 || to >= arr.length) return;
        var t = arr[j];
        arr[j] = arr[to];
        arr[to] = t;
        rerender(list);
        touched();
        focusLater('[data-act="' + act + '"][data-list="' + list + '"][data-j="' + to + '"]:not([disabled])');
        return;
      }
      if (act === 'del') {
        var what = arr[j];
        var ask = Promise.resolve(true);
        if (list === 'areas') {
          ask = confirmDialog('删除领域 Delete area', '删除“' + (what.name || what.code) + '”及其' + what.questions.length +
            '道题？保存后才生效。 Delete this area and its questions? Nothing changes on the server until you save.', '删除 Delete');
        }
        ask.then(function (yes) {
          if (!yes) return;
          arr.splice(j, 1);
          rerender(list);
          touched();
        });
      }
    }

    editor.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-act], button[data-ui]');
      if (!b || b.disabled) return;
      ev.preventDefault(); // inside <summary>: do not toggle
      var ui = b.getAttribute('data-ui');
      if (ui) {
        each(byId(b.getAttribute('data-target')).querySelectorAll('details'), function (d) {
          d.open = ui === 'expand';
        });
        return;
      }
      if (!CAN_EDIT) return;
      structural(b.getAttribute('data-act'), b.getAttribute('data-list'), parseInt(b.getAttribute('data-j'), 10));
    });

    function onEdit(ev) {
      var el = ev.target;
      var path = el.getAttribute && el.getAttribute('data-path');
      if (!path || !CAN_EDIT) return;
      setPath(def, path, readInput(el));
      clearFieldError(el);
      if (el.getAttribute('data-max')) updateCount(el);
      var m;
      if ((m = /^areas\[(\d+)\]\.(name|code)$/.exec(path))) {
        var i = parseInt(m[1], 10);
        var d = byId('area-' + i);
        if (d) {
          d.querySelector('summary .item-title').textContent = areaSummaryTitle(def.areas[i], i);
          d.querySelector('summary .item-meta').textContent = def.areas[i].code + ' · ' + def.areas[i].questions.length + ' 题 q';
        }
      }
      if ((m = /^extra\[(\d+)\]\.text$/.exec(path))) {
        var x = byId('extra-' + m[1]);
        if (x) x.querySelector('summary .item-title').textContent = (parseInt(m[1], 10) + 1) + '. ' + (el.value || '（未填题目 no text）');
      }
      if (ev.type === 'change') {
        if (/\.kind$/.test(path)) kindChanged(path.replace(/\.kind$/, ''));
        else if (/^extra\[\d+\]\.role$/.test(path)) roleChanged(path.replace(/\.role$/, ''));
        else if (/^scale\.levels\[\d+\]\.score$/.test(path)) {
          var k = matchPreset();
          if (k) def.scale.preset = k; else delete def.scale.preset;
          byId('scale-preset').value = k;
        } else if (path === 'dedup') syncTokenPanel();
      }
      touched();
    }

    function kindChanged(qp) {
      var q = getPath(def, qp);
      if (q.kind === 'single' || q.kind === 'multi') {
        if (!q.options || !q.options.length) q.options = [{ code: '1', label: '' }, { code: '2', label: '' }];
      } else {
        delete q.options;
      }
      if (q.kind !== 'text') delete q.max_length;
      if (q.kind !== 'satisfaction' && q.role === 'overall') delete q.role;
      rerender(qp);
    }

    function roleChanged(qp) {
      var q = getPath(def, qp);
      var want = { overall: 'satisfaction', town: 'single', age: 'single', gender: 'single', comment: 'text' }[q.role];
      if (want && q.kind !== want) {
        q.kind = want;
        kindChanged(qp);
      } else {
        rerender(qp);
      }
    }

    editor.addEventListener('input', onEdit);
    editor.addEventListener('change', onEdit);

    /* --- errors by definition path --- */

    function clearFieldError(el) {
      el.classList.remove('invalid');
      var box = el.closest('.field') || el.parentNode;
      each(box.querySelectorAll(':scope > .field-error.server'), function (e) { e.parentNode.removeChild(e); });
    }

    function clearFieldErrorsUnder(prefix) {
      each(editor.querySelectorAll('.field-error.server'), function (e) {
        var owner = e.getAttribute('data-for') || '';
        if (owner.indexOf(prefix) === 0) e.parentNode.removeChild(e);
      });
    }

    function clearErrors() {
      each(editor.querySelectorAll('.field-error.server'), function (e) { e.parentNode.removeChild(e); });
      each(editor.querySelectorAll('.invalid'), function (e) { e.classList.remove('invalid'); });
      byId('errors').hidden = true;
    }

    function findTarget(path) {
      var p = path;
      while (p) {
        var q = CSS.escape(p);
        var el = editor.querySelector('[data-path="' + q + '"]') || editor.querySelector('[data-err="' + q + '"]');
        if (el) return { el: el, exact: p === path };
        var cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
        p = cut > 0 ? p.slice(0, cut) : '';
      }
      return null;
    }

    function showErrors(e) {
      clearErrors();
      var fields = e.fields || {};
      var unmatched = [];
      var first = null;
      Object.keys(fields).sort(function (a, b) {
        return a.localeCompare(b, 'en', { numeric: true });
      }).forEach(function (path) {
        var t = findTarget(path);
        if (!t) { unmatched.push(path + ': ' + fields[path]); return; }
        var msg = make('span', 'field-error server', (t.exact ? '' : path + ': ') + fields[path]);
        msg.setAttribute('data-for', path);
        var el = t.el;
        for (var d = el.closest('details'); d; d = d.parentNode.closest('details')) d.open = true;
        if (el.hasAttribute('data-path')) {
          el.classList.add('invalid');
          var fieldBox = el.closest('.field');
          if (fieldBox) fieldBox.appendChild(msg);
          else el.insertAdjacentElement('afterend', msg);
        } else if (el.tagName === 'DETAILS') {
          el.querySelector('.item-body').insertBefore(msg, el.querySelector('.item-body').firstChild);
        } else if (el.tagName === 'TR') {
          var cell = el.lastElementChild;
          cell.appendChild(msg);
        } else if (el.tagName === 'TABLE') {
          el.insertAdjacentElement('afterend', msg);
        } else if (el.tagName === 'TEXTAREA') {
          el.classList.add('invalid');
          el.insertAdjacentElement('afterend', msg);
        } else {
          el.insertAdjacentElement(el.tagName === 'H2' ? 'afterend' : 'afterbegin', msg);
        }
        if (!first) first = el;
      });
      byId('errors-message').textContent = e.message;
      var ul = byId('errors-list');
      clear(ul);
      unmatched.forEach(function (t) { ul.appendChild(make('li', '', t)); });
      byId('errors').hidden = false;
      if (first) {
        first.scrollIntoView({ block: 'center' });
        if (first.hasAttribute('data-path')) first.focus({ preventScroll: true });
      } else {
        byId('errors').focus();
      }
    }

    /* --- actions --- */

    function setBusy(b) {
      busy = b;
      ['save', 'publish', 'close-survey', 'reopen-survey'].forEach(function (id) {
        var el = byId(id);
        if (el) el.disabled = b;
      });
      if (!b && detail) showStatus();
    }

    // prune drops empty optional parts before a save.
    function prune(d) {
      var out = clone(d);
      if (out.units && !out.units.length) delete out.units;
      if (out.legal) {
        Object.keys(out.legal).forEach(function (k) { if (!out.legal[k]) delete out.legal[k]; });
        if (!Object.keys(out.legal).length) delete out.legal;
      }
      if (out.extra && !out.extra.length) delete out.extra;
      out.slug = detail.slug;
      return out;
    }

    function save() {
      var seq = editSeq;
      setBusy(true);
      return api('PUT', BASE + '/draft', prune(def)).then(function (r) {
        savedSeq = seq;
        clearErrors();
        reloadPreview(true);
        return refresh().catch(function () {}).then(function () {
          toast('草稿已保存 draft saved · v' + versionNumber(r.draft_version));
          return true;
        });
      }, function (e) {
        if (e.redirecting) return false;
        if (e.code === 'invalid_definition' || e.fields) showErrors(e);
        else toast(e.message, 'error');
        return false;
      }).then(function (ok) {
        setBusy(false);
        return ok;
      });
    }

    function versionNumber(id) {
      var n = '?';
      ((detail && detail.versions) || []).forEach(function (v) { if (v.id === id) n = String(v.number); });
      return n;
    }

    function simple(path, okText) {
      setBusy(true);
      return api('POST', BASE + path).then(function (r) {
        return refresh().then(function () { toast(okText(r)); });
      }, function (e) {
        if (!e.redirecting) toast(errText(e), 'error');
      }).then(function () { setBusy(false); });
    }

    if (CAN_EDIT) {
      byId('save').addEventListener('click', save);
      byId('publish').addEventListener('click', function () {
        var first = dirty() ? save() : Promise.resolve(true);
        first.then(function (ok) {
          if (!ok) return false;
          return confirmDialog('发布问卷 Publish',
            '发布后居民将回答这个版本；已发布的版本不能再修改，之后的修改会成为新草稿。 Residents will answer this version. A published version never changes; later edits become a new draft.',
            '发布 Publish');
        }).then(function (yes) {
          if (!yes) return;
          simple('/publish', function (r) {
            reloadPreview(true);
            return '已发布 published · v' + versionNumber(r.published_version);
          });
        });
      });
      byId('close-survey').addEventListener('click', function () {
        confirmDialog('结束调查 Close', '结束后居民不能再提交回答，之后可以重新开放。 Residents can no longer submit; you can reopen it later.', '结束 Close').then(function (yes) {
          if (yes) simple('/close', function () { return '调查已结束 survey closed'; });
        });
      });
      byId('reopen-survey').addEventListener('click', function () {
        simple('/reopen', function () { return '调查已重新开放 survey reopened'; });
      });
      byId('export').addEventListener('click', function () {
        if (dirty()) toast('导出的是已保存的草稿，不含未保存的修改 the export is the saved draft, without unsaved changes', 'warn');
      });
    }

    window.addEventListener('beforeunload', function (ev) {
      if (dirty() || !batchKept || weighting.dirty()) {
        ev.preventDefault();
        ev.returnValue = '';
        return '';
      }
      return undefined;
    });

    /* --- preview --- */

    var pane = byId('preview-pane');
    var frame = byId('pv-frame');
    function reloadPreview(force) {
      if (pane.hidden) return;
      if (force || !frame.getAttribute('src')) frame.setAttribute('src', PREVIEW + '?_=' + Date.now());
    }
    function fitPhone() {
      if (pane.hidden) return;
      var box = byId('phone-box');
      var top = box.getBoundingClientRect().top;
      var avail = Math.max(300, window.innerHeight - Math.max(top, 0) - 16);
      // The phone is 406×796 with its bezel: a 390×780 screen.
      var scale = Math.min(1, avail / 796, Math.max(pane.clientWidth, 200) / 406);
      var phone = byId('phone');
      phone.style.transform = 'scale(' + scale.toFixed(3) + ')';
      box.style.height = Math.ceil(796 * scale) + 'px';
      box.style.width = Math.ceil(406 * scale) + 'px';
    }
    function setPreview(on) {
      pane.hidden = !on;
      byId('d-layout').classList.toggle('with-preview', on);
      byId('preview-toggle').setAttribute('aria-pressed', on ? 'true' : 'false');
      if (on) {
        reloadPreview(false);
        fitPhone();
      }
    }
    byId('preview-toggle').addEventListener('click', function () {
      if (pane.hidden && dirty()) toast('预览显示已保存的草稿；保存后会自动刷新 the preview shows the saved draft; it reloads after each save', 'warn');
      setPreview(pane.hidden);
    });
    byId('pv-close').addEventListener('click', function () { setPreview(false); });
    byId('pv-reload').addEventListener('click', function () { reloadPreview(true); });
    window.addEventListener('resize', fitPhone);

    /* --- invitations --- */

    function savedDedup() {
      var d = detail && (detail.published || detail.draft);
      return d ? d.dedup : '';
    }

    function syncTokenPanel() {
      if (!def) return;
      var on = def.dedup === 'token' || savedDedup() === 'token';
      byId('sec-tokens').hidden = !on;
      byId('nav-tokens').hidden = !on;
    }

    function csvCell(v) {
      var s = String(v === undefined || v === null ? '' : v);
      return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }

    function unitName(code) {
      var name = code || '';
      (def.units || []).forEach(function (u) { if (u.code === code) name = u.code + ' ' + u.name; });
      return name;
    }

    var SHOWN = 200; // rows shown on the page; the CSV and the sheet have all

    function showBatch(r) {
      tokenBatch = r;
      batchKept = false;
      var list = r.tokens || [];
      var lines = ['序号,邀请码 short code,链接 link,单位 unit'];
      list.forEach(function (t, i) {
        lines.push([i + 1, t.short_code, t.link, unitName(t.unit)].map(csvCell).join(','));
      });
      if (csvURL) URL.revokeObjectURL(csvURL);
      csvURL = URL.createObjectURL(new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' }));
      var a = byId('tk-csv');
      a.href = csvURL;
      var stamp = new Date();
      a.setAttribute('download', detail.slug + '-invitations-' + stamp.getFullYear() + pad(stamp.getMonth() + 1) + pad(stamp.getDate()) +
        '-' + pad(stamp.getHours()) + pad(stamp.getMinutes()) + pad(stamp.getSeconds()) + '.csv');

      var tb = byId('tk-rows');
      clear(tb);
      list.slice(0, SHOWN).forEach(function (t, i) {
        var tr = make('tr');
        tr.appendChild(make('td', 'num muted', String(i + 1)));
        tr.appendChild(make('td', 'mono code-big', t.short_code));
        tr.appendChild(make('td', 'small', unitName(t.unit) || DASH));
        var lt = make('td', 'link-cell');
        var la = make('a', 'mono small', t.link);
        la.href = t.link;
        la.target = '_blank';
        la.rel = 'noopener';
        lt.appendChild(la);
        tr.appendChild(lt);
        var qt = make('td', 'qr-cell');
        var img = make('img', 'qr-thumb');
        img.alt = '二维码 QR ' + t.short_code;
        img.loading = 'lazy';
        img.width = 64;
        img.height = 64;
        img.src = qrURL(t.link, 256);
        qt.appendChild(img);
        var dl = bi('a', 'small', '下载', 'PNG');
        dl.href = qrURL(t.link, 512);
        dl.setAttribute('download', 'minyi-' + detail.slug + '-' + t.short_code + '.png');
        qt.appendChild(dl);
        tr.appendChild(qt);
        tb.appendChild(tr);
      });
      var more = byId('tk-more');
      more.hidden = list.length <= SHOWN;
      more.textContent = '页面只列出前' + SHOWN + '个，CSV和打印页包含全部' + list.length + '个 the page lists the first ' + SHOWN + '; the CSV and the sheet have all ' + list.length;
      byId('tk-summary').textContent = '本批 ' + list.length + ' 个 in this batch';
      byId('tk-result').hidden = false;
    }

    if (CAN_EDIT) {
      byId('tk-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        var err = byId('tk-error');
        showMsg(err, '');
        var count = parseInt(byId('tk-count').value, 10);
        if (!(count >= 1 && count <= 10000)) {
          showMsg(err, '数量须为1-10000 the count must be 1-10000', 'error');
          byId('tk-count').focus();
          return;
        }
        var go = Promise.resolve(true);
        if (!batchKept) {
          go = confirmDialog('上一批尚未下载 Previous batch not saved', '上一批邀请码还没有下载或打印，生成新的一批后将无法再看到它们。 The previous batch was not downloaded or printed; after a new batch it cannot be seen again.', '继续生成 Generate');
        }
        go.then(function (yes) {
          if (!yes) return;
          var btn = byId('tk-submit');
          btn.disabled = true;
          var body = { count: count, unit: byId('tk-unit').value };
          api('POST', BASE + '/tokens', body).then(function (r) {
            showBatch(r);
            toast('已生成 ' + r.tokens.length + ' 个邀请码 invitations generated');
            return refresh();
          }, function (e) {
            if (e.redirecting) return;
            showMsg(err, errText(e, { count: '数量 count', unit: '单位 unit', dedup: '去重方式 dedup' }), 'error');
          }).catch(function () {}).then(function () { btn.disabled = false; });
        });
      });
      byId('tk-csv').addEventListener('click', function () { batchKept = true; });
      byId('tk-print').addEventListener('click', function () {
        if (!tokenBatch) return;
        try {
          sessionStorage.setItem('minyi:tokens:' + SURVEY, JSON.stringify({
            title: detail.title, slug: detail.slug, survey_link: tokenBatch.survey_link,
            units: def.units || [], created: new Date().toISOString(), tokens: tokenBatch.tokens
          }));
        } catch (e) {
          toast('浏览器无法暂存这批邀请码（太多？），请下载CSV the browser could not keep this batch (too large?); download the CSV', 'error');
          return;
        }
        batchKept = true;
        // Not noopener: the new tab must get a copy of this tab's sessionStorage.
        var w = window.open('/admin/surveys/' + SURVEY + '/sheet', '_blank');
        if (!w) toast('浏览器阻止了新标签页，请允许弹出窗口 the browser blocked the new tab; allow pop-ups', 'error');
      });
    }

    /* --- start --- */

    refresh().catch(function () {});
    api('GET', '/api/v1/admin/surveys').then(function (r) {
      surveyList = (r && r.surveys) || [];
      if (def) fillPrevious();
    }, function () {});
    // Response counts and status move while staff look: keep them current.
    setInterval(function () {
      if (!busy && document.visibilityState === 'visible' && detail) refresh().catch(function () {});
    }, 15000);
  }

  /* ---------- data quality: reviewing flagged responses ---------- */

  var FLAGS = {
    speeder: ['答题过快', 'Too fast'],
    straight_liner: ['答案雷同', 'Same answer everywhere'],
    shared_address: ['同一网络地址多次', 'Many from one address']
  };
  var REVIEWS = {
    valid: ['有效', 'Valid', '计入结果 counted'],
    invalid: ['无效', 'Invalid', '按被标记处理 treated as flagged']
  };
  var REVIEW_PAGE = 100; // the server's page size

  // fmtDuration is a completion time as mm:ss (minutes may pass 59).
  function fmtDuration(ms) {
    if (ms === null || ms === undefined || ms < 0) return DASH;
    var s = Math.round(ms / 1000);
    return pad(Math.floor(s / 60)) + ':' + pad(s % 60);
  }

  function fmtSeconds(iso) {
    if (!iso) return DASH;
    var d = new Date(iso);
    if (isNaN(d.getTime())) return DASH;
    return fmtTime(iso) + ':' + pad(d.getSeconds());
  }

  function flagList(flags) {
    return flags ? String(flags).split(',').filter(function (f) { return f; }) : [];
  }

  // initQuality runs the designer's data-quality panel: the flagged (or
  // all) responses, newest first, a page at a time, each with the staff
  // decision on it. Decisions update their row in place; the counts in the
  // head come from the flagged list (with + while it has unread pages).
  function initQuality(base) {
    var rows = byId('q-rows');
    var list = byId('q-list');
    var more = byId('q-more');
    var errEl = byId('q-error');
    var allBox = byId('q-all');
    var showAll = false;
    var oldest = '';
    var seq = 0; // drops answers to a list no longer shown
    var flagged = {}; // response_id → {flags, review}: the flagged-or-reviewed set seen so far
    var flaggedComplete = false;
    var byRow = {}; // response_id → row controls

    function track(r) {
      if (r.flags || r.review) flagged[r.response_id] = { flags: r.flags || '', review: r.review || '' };
      else delete flagged[r.response_id];
    }

    function showCounts() {
      var f = 0;
      var rv = 0;
      var pend = 0;
      Object.keys(flagged).forEach(function (k) {
        var x = flagged[k];
        if (x.flags) f++;
        if (x.review) rv++;
        if (x.flags && !x.review) pend++;
      });
      var plus = flaggedComplete ? '' : '+';
      byId('q-n-flagged').textContent = String(f) + plus;
      byId('q-n-reviewed').textContent = String(rv) + plus;
      byId('q-n-pending').textContent = String(pend) + plus;
      var pill = byId('nav-quality');
      pill.textContent = String(pend) + plus;
      pill.hidden = !pend;
      pill.title = '待审核 to review';
    }

    function stateCell(td, r) {
      clear(td);
      var rv = REVIEWS[r.review];
      if (rv) {
        td.appendChild(bi('span', 'badge q-badge-' + r.review, rv[0], rv[1]));
        td.appendChild(make('div', 'small muted', rv[2]));
      } else if (r.flags) {
        td.appendChild(bi('span', 'badge q-badge-pending', '待审核', 'to review'));
      } else {
        td.appendChild(bi('span', 'muted', '未标记', 'not flagged'));
      }
    }

    function reviewBtn(value, zh, en, cls) {
      var b = bi('button', 'btn small' + (cls ? ' ' + cls : ''), zh, en);
      b.type = 'button';
      b.setAttribute('data-review', value);
      return b;
    }

    function sync(x) {
      var r = x.r;
      x.tr.setAttribute('data-review-state', r.review || (r.flags ? 'pending' : 'clean'));
      x.tr.className = r.review ? 'q-' + r.review : r.flags ? 'q-pending' : '';
      stateCell(x.state, r);
      if (!x.valid) return;
      x.valid.setAttribute('aria-pressed', r.review === 'valid' ? 'true' : 'false');
      x.invalid.setAttribute('aria-pressed', r.review === 'invalid' ? 'true' : 'false');
      // Not disabled while busy or pressed: the focus stays on the button.
      x.tr.setAttribute('aria-busy', x.busy ? 'true' : 'false');
      x.undo.hidden = !r.review;
    }

    function row(r) {
      var tr = make('tr');
      tr.setAttribute('data-response', r.response_id);
      var x = { tr: tr, r: r, busy: false };
      var when = make('td', 'nowrap');
      var t = make('div', 'small', fmtSeconds(r.submitted_at));
      t.title = r.submitted_at;
      when.appendChild(t);
      // The id's first part is enough to tell rows apart; the audit log has it whole.
      var id = make('div', 'mono muted q-id', String(r.response_id).slice(0, 8));
      id.title = '答卷编号 response id ' + r.response_id + ' · v' + r.version;
      when.appendChild(id);
      tr.appendChild(when);
      var took = make('td', 'num mono q-took', fmtDuration(r.duration_ms));
      if (r.started_at) took.title = '开始 started ' + fmtSeconds(r.started_at);
      tr.appendChild(took);
      var unit = make('td', 'small', r.unit || DASH);
      if (r.channel) unit.appendChild(make('div', 'muted', r.channel));
      tr.appendChild(unit);
      var fl = make('td', 'q-flags');
      var fs = flagList(r.flags);
      fs.forEach(function (f) {
        var n = FLAGS[f] || [f, ''];
        var chip = bi('span', 'q-flag', n[0], n[1]);
        chip.title = f;
        fl.appendChild(chip);
      });
      if (!fs.length) fl.appendChild(bi('span', 'muted small', '无', 'none'));
      tr.appendChild(fl);
      x.state = make('td', 'q-state');
      tr.appendChild(x.state);
      if (CAN_EDIT) {
        var act = make('td', 'q-actions');
        x.valid = reviewBtn('valid', '有效', 'Valid', 'q-valid-btn');
        x.invalid = reviewBtn('invalid', '无效', 'Invalid', 'danger');
        x.undo = reviewBtn('', '撤销', 'Undo');
        x.valid.title = '计入结果 count it even when flagged';
        x.invalid.title = '按被标记处理 treat it as flagged';
        x.undo.title = '撤销审核 undo the decision';
        act.appendChild(x.valid);
        act.appendChild(x.invalid);
        act.appendChild(x.undo);
        x.msg = make('p', 'msg msg-error');
        x.msg.hidden = true;
        x.msg.setAttribute('role', 'alert');
        act.appendChild(x.msg);
        tr.appendChild(act);
      }
      byRow[r.response_id] = x;
      sync(x);
      return tr;
    }

    function review(x, value) {
      var undoFocused = document.activeElement === x.undo;
      x.busy = true;
      sync(x);
      showMsg(x.msg, '');
      api('POST', base + '/responses/' + encodeURIComponent(x.r.response_id) + '/review', { review: value }).then(function (r) {
        x.r.review = r.review || '';
        x.r.flags = r.flags || '';
        track(x.r);
        showCounts();
        var what = REVIEWS[x.r.review];
        toast(what ? '已标为' + what[0] + ' marked ' + what[1].toLowerCase() : '已撤销审核 decision undone');
      }, function (e) {
        if (!e.redirecting) showMsg(x.msg, errText(e), 'error');
      }).then(function () {
        x.busy = false;
        sync(x);
        // Undo hides itself: keep the keyboard on the row.
        if (undoFocused && x.undo.hidden) x.valid.focus();
      });
    }

    rows.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-review]');
      if (!b || !CAN_EDIT) return;
      var x = byRow[b.closest('tr').getAttribute('data-response')];
      var value = b.getAttribute('data-review');
      if (x && !x.busy && value !== x.r.review) review(x, value);
    });

    function showEmpty() {
      var none = rows.children.length === 0;
      list.hidden = none;
      var empty = byId('q-empty');
      empty.hidden = !none;
      clear(empty);
      if (none) {
        empty.appendChild(showAll ? bi('span', '', '还没有答卷', 'No responses yet') : bi('span', '', '没有被标记的答卷', 'No flagged responses'));
      }
    }

    function load(before) {
      var my = ++seq;
      more.disabled = true;
      var url = base + '/responses?' + (showAll ? '' : 'flagged=1&') + (before ? 'before=' + encodeURIComponent(before) : '');
      url = url.replace(/[?&]$/, '');
      return api('GET', url).then(function (resp) {
        if (my !== seq) return;
        var page = (resp && resp.responses) || [];
        if (!before) {
          clear(rows);
          byRow = {};
        }
        page.forEach(function (r) {
          r.flags = r.flags || '';
          r.review = r.review || '';
          if (byRow[r.response_id]) return; // already shown (new responses moved the page)
          rows.appendChild(row(r));
          track(r);
          oldest = r.response_id;
        });
        if (!showAll && page.length < REVIEW_PAGE) flaggedComplete = true;
        more.hidden = page.length < REVIEW_PAGE;
        byId('q-loading').hidden = true;
        showMsg(errEl, '');
        showEmpty();
        showCounts();
      }, function (e) {
        if (my !== seq || e.redirecting) return;
        byId('q-loading').hidden = true;
        if (e.status === 403) {
          // Listing responses takes a designer: say so once, offer nothing.
          clear(rows);
          list.hidden = true;
          more.hidden = true;
          byId('q-refresh').hidden = true;
          allBox.closest('label').hidden = true;
          byId('q-counts').hidden = true;
          var empty = byId('q-empty');
          clear(empty);
          empty.appendChild(bi('span', '', '您的角色不能查看答卷列表', 'Your role cannot list responses'));
          empty.hidden = false;
          return;
        }
        showMsg(errEl, e.message, 'error');
      }).then(function () { more.disabled = false; });
    }

    function reload() {
      oldest = '';
      if (!showAll) {
        flagged = {};
        flaggedComplete = false;
      }
      return load('');
    }

    more.addEventListener('click', function () { load(oldest); });
    byId('q-refresh').addEventListener('click', reload);
    allBox.addEventListener('change', function () {
      showAll = allBox.checked;
      reload();
    });
    reload();

    return {
      // survey shows where the public results leave flagged responses out.
      survey: function (s) {
        var a = byId('q-results');
        var path = '/api/v1/surveys/' + encodeURIComponent(s.slug) + '/results?flagged=exclude';
        a.textContent = path;
        var def = s.published || s.draft || {};
        if (s.published_version !== null && s.published_version !== undefined && def.results !== 'staff') {
          a.href = path;
          a.target = '_blank';
          a.rel = 'noopener';
        } else {
          a.removeAttribute('href');
        }
      }
    };
  }

  /* ---------- results and sharing: dashboard, share links ---------- */

  // initResults runs the designer's results panel: the dashboard's address
  // once the survey is published, who may open it, and the share links. A
  // new link's key is in the POST answer only, so its address and QR code
  // are shown once, until "Done", the next link or its revocation.
  function initResults(base) {
    var rows = byId('sh-rows');
    var listErr = byId('sh-list-error');
    var slug = '';
    var dashSig = '';
    var shownID = ''; // the link whose address is on show

    function row(l) {
      var tr = make('tr');
      tr.setAttribute('data-share', String(l.id));
      tr.setAttribute('data-state', l.revoked_at ? 'revoked' : 'active');
      if (l.revoked_at) tr.className = 'sh-revoked';
      var th = make('th', 'sh-label');
      th.scope = 'row';
      if (l.label) th.textContent = l.label;
      else th.appendChild(bi('span', 'muted', '（无标签）', 'no label'));
      tr.appendChild(th);
      tr.appendChild(make('td', 'mono small', l.created_by || DASH));
      tr.appendChild(make('td', 'small nowrap', fmtTime(l.created_at)));
      var st = make('td', 'sh-state');
      if (l.revoked_at) {
        st.appendChild(bi('span', 'badge badge-closed', '已撤销', 'revoked'));
        st.appendChild(make('div', 'small muted', fmtTime(l.revoked_at)));
      } else {
        st.appendChild(bi('span', 'badge badge-published', '有效', 'active'));
      }
      tr.appendChild(st);
      if (CAN_EDIT) {
        var act = make('td', 'sh-actions');
        if (!l.revoked_at) {
          var b = bi('button', 'btn small danger', '撤销', 'Revoke');
          b.type = 'button';
          b.setAttribute('data-revoke', String(l.id));
          b.title = '撤销这个分享链接 revoke this share link';
          act.appendChild(b);
        }
        tr.appendChild(act);
      }
      return tr;
    }

    function load() {
      return api('GET', base + '/shares').then(function (r) {
        var list = (r && r.shares) || [];
        clear(rows);
        list.forEach(function (l) { rows.appendChild(row(l)); });
        byId('sh-loading').hidden = true;
        byId('sh-list').hidden = !list.length;
        byId('sh-empty').hidden = list.length > 0;
        showMsg(listErr, '');
      }, function (e) {
        if (e.redirecting) return;
        byId('sh-loading').hidden = true;
        showMsg(listErr, e.message, 'error');
      });
    }

    function hideNew() {
      shownID = '';
      byId('sh-new').hidden = true;
      byId('sh-url').value = '';
      clear(byId('sh-qr-box'));
    }

    function showNew(r) {
      var url = location.origin + r.url;
      shownID = String(r.id);
      byId('sh-url').value = url;
      var label = byId('sh-new-label');
      clear(label);
      if (r.label) label.textContent = r.label;
      else label.appendChild(bi('span', '', '无标签', 'no label'));
      byId('sh-open').href = url;
      var box = byId('sh-qr-box');
      clear(box);
      var img = make('img', 'sh-qr');
      img.alt = '分享链接二维码 QR code of the share link';
      img.width = 160;
      img.height = 160;
      img.src = qrURL(url, 320);
      box.appendChild(img);
      var dl = byId('sh-qr-dl');
      dl.href = qrURL(url, 512);
      dl.setAttribute('download', 'minyi-' + slug + '-share-' + r.id + '.png');
      byId('sh-new').hidden = false;
      byId('sh-url').focus();
      byId('sh-url').select();
    }

    rows.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-revoke]');
      if (!b || b.disabled || !CAN_EDIT) return;
      var id = b.getAttribute('data-revoke');
      var label = b.closest('tr').querySelector('.sh-label').textContent;
      confirmDialog('撤销分享链接 Revoke share link',
        '撤销“' + label + '”？用这个链接打开的看板将立即看不到结果，撤销后不能恢复。 Screens opened with this link lose the results at once; this cannot be undone.',
        '撤销 Revoke').then(function (yes) {
        if (!yes) return;
        b.disabled = true;
        api('DELETE', base + '/shares/' + encodeURIComponent(id)).then(function () {
          if (shownID === id) hideNew();
          toast('分享链接已撤销 share link revoked');
          return load();
        }, function (e) {
          if (e.redirecting) return;
          b.disabled = false;
          showMsg(listErr, errText(e), 'error');
        });
      });
    });

    if (CAN_EDIT) {
      var labelIn = byId('sh-label');
      var errEl = byId('sh-error');
      var clearLabelError = function () {
        labelIn.classList.remove('invalid');
        each(labelIn.parentNode.querySelectorAll('.field-error'), function (e) { e.parentNode.removeChild(e); });
      };
      var labelError = function (text) {
        clearLabelError();
        labelIn.classList.add('invalid');
        labelIn.parentNode.appendChild(make('span', 'field-error', text));
        labelIn.focus();
      };
      labelIn.addEventListener('input', clearLabelError);
      byId('sh-form').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearLabelError();
        showMsg(errEl, '');
        var label = labelIn.value.trim();
        if (Array.from(label).length > 100) {
          labelError('最多100个字 at most 100 characters');
          return;
        }
        var btn = byId('sh-submit');
        btn.disabled = true;
        api('POST', base + '/shares', { label: label }).then(function (r) {
          labelIn.value = '';
          showNew(r);
          toast('已新建分享链接 share link made');
          return load();
        }, function (e) {
          if (e.redirecting) return;
          if (e.fields && e.fields.label) labelError(e.fields.label);
          else showMsg(errEl, errText(e, { label: '标签 label' }), 'error');
        }).then(function () { btn.disabled = false; });
      });
      byId('sh-copy').addEventListener('click', function () {
        copyText(byId('sh-url')).then(function (ok) {
          if (ok) toast('链接已复制 link copied');
          else toast('无法自动复制，请选中链接后手动复制 could not copy: select the link and copy it by hand', 'warn');
        });
      });
      byId('sh-done').addEventListener('click', hideNew);
    }
    load();

    return {
      // survey shows the dashboard's address and who may open it.
      survey: function (s) {
        slug = s.slug;
        var published = s.published_version !== null && s.published_version !== undefined;
        var d = s.published || s.draft || {};
        var sig = [s.slug, published, d.results].join('|');
        if (sig === dashSig) return;
        dashSig = sig;
        var box = byId('r-dash');
        clear(box);
        if (published) {
          var path = '/d/' + encodeURIComponent(s.slug);
          var a = make('a', 'mono', location.origin + path);
          a.href = path;
          a.target = '_blank';
          a.rel = 'noopener';
          box.appendChild(a);
        } else {
          box.appendChild(bi('span', 'muted', '发布后可打开', 'available once published'));
        }
        var acc = byId('r-access');
        clear(acc);
        if (d.results === 'staff') {
          acc.appendChild(bi('span', '', '结果仅工作人员可见：登录的工作人员可以打开看板，其他人需要分享链接。',
            'Staff-only results: signed-in staff can open the dashboard; anyone else needs a share link.'));
        } else {
          acc.appendChild(bi('span', '', '结果公开：任何人都可以打开看板，不需要分享链接。',
            'Public results: anyone can open the dashboard; no share link is needed.'));
        }
      }
    };
  }

  /* ---------- weighting: population margins ---------- */

  var WROLES = {
    town: ['镇（区）', 'Town'],
    age: ['年龄段', 'Age band'],
    gender: ['性别', 'Gender']
  };

  // parseAmount reads a population figure as typed: "" is null, "12,345"
  // and "12.5%" are numbers, anything else that is not a number is NaN.
  function parseAmount(text) {
    var s = String(text).replace(/[\s,，_%]/g, '');
    if (s === '') return null;
    var n = Number(s);
    return isFinite(n) ? n : NaN;
  }

  function fmtAmount(n) {
    return n.toLocaleString('zh-CN', { maximumFractionDigits: 4 });
  }

  // initWeighting runs the designer's weighting panel: for each raking
  // variable of the survey a table of its options with a population each
  // and the share it makes, live; the switch; save. The server checks the
  // margins and its reasons are shown beside the inputs they concern.
  function initWeighting(base) {
    var root = byId('w-vars');
    var errBox = byId('w-error');
    var enabledBox = byId('w-enabled');
    var inputs = {}; // role → [{code, input, share}]
    var totals = {}; // role → the total's cell
    var changed = false;
    var busy = false;
    var versionSig = null; // the published version the margins were read for
    var saved = null; // the settings as last read or saved

    function setState() {
      var el = byId('w-state');
      if (el) {
        if (busy) {
          el.textContent = '保存中… saving…';
          el.className = 'save-state';
        } else if (changed) {
          el.textContent = '有未保存的修改 unsaved changes';
          el.className = 'save-state dirty';
        } else {
          el.textContent = '';
          el.className = 'save-state';
        }
      }
      var btn = byId('w-save');
      if (btn) btn.disabled = busy;
    }

    function touched() {
      changed = true;
      setState();
    }

    // showBadge shows whether weighting is on, and while the server is
    // still counting earlier responses into the weighting cells, says so.
    function showBadge(on, ready) {
      var badgeEl = byId('w-badge');
      clear(badgeEl);
      badgeEl.className = 'badge ' + (on ? 'badge-published' : 'badge-closed');
      badgeEl.appendChild(document.createTextNode(on ? (ready ? '已启用 ' : '准备中 ') : '未启用 '));
      var en = make('span', 'en', on ? (ready ? 'on' : 'preparing') : 'off');
      en.lang = 'en';
      badgeEl.appendChild(en);
      badgeEl.hidden = false;
      var pill = byId('nav-weighting');
      pill.textContent = '开';
      pill.title = '加权已启用 weighting on';
      pill.hidden = !on;
    }

    function recount(role) {
      var list = inputs[role];
      var sum = 0;
      var values = list.map(function (x) {
        var n = parseAmount(x.input.value);
        if (n !== null && n > 0) sum += n;
        return n;
      });
      list.forEach(function (x, i) {
        var n = values[i];
        x.share.textContent = n !== null && n > 0 && sum > 0 ? (100 * n / sum).toFixed(1) + '%' : DASH;
      });
      totals[role].textContent = sum > 0 ? fmtAmount(sum) : DASH;
    }

    function variable(v, given) {
      var name = WROLES[v.role] || [v.role, ''];
      var box = make('div', 'w-var');
      box.setAttribute('data-role', v.role);
      var head = make('div', 'w-var-head');
      head.appendChild(bi('h3', '', name[0], name[1]));
      var q = make('span', 'muted small', v.text);
      q.appendChild(make('span', 'mono', ' · ' + v.question));
      head.appendChild(q);
      box.appendChild(head);
      var table = make('table', 'table compact w-table');
      var thead = make('thead');
      var hr = make('tr');
      [['选项', 'Option', ''], ['人口数', 'Population', 'num'], ['占比', 'Share', 'num']].forEach(function (h) {
        var th = bi('th', h[2], h[0], h[1]);
        th.scope = 'col';
        hr.appendChild(th);
      });
      thead.appendChild(hr);
      table.appendChild(thead);
      var tb = make('tbody');
      inputs[v.role] = [];
      (v.options || []).forEach(function (o) {
        var tr = make('tr');
        var th = make('th', 'w-opt', o.label);
        th.scope = 'row';
        th.appendChild(make('span', 'mono muted small', ' ' + o.code));
        tr.appendChild(th);
        var td = make('td', 'num w-cell');
        var input = make('input', 'num-in w-in');
        input.type = 'text';
        input.setAttribute('inputmode', 'decimal');
        input.autocomplete = 'off';
        input.spellcheck = false;
        input.setAttribute('data-margin', v.role + '.' + o.code);
        input.setAttribute('aria-label', '人口数 population: ' + name[0] + ' ' + o.label);
        var val = given[o.code];
        input.value = typeof val === 'number' ? String(val) : '';
        input.disabled = !CAN_EDIT;
        td.appendChild(input);
        tr.appendChild(td);
        var share = make('td', 'num w-share', DASH);
        tr.appendChild(share);
        tb.appendChild(tr);
        inputs[v.role].push({ code: o.code, input: input, share: share });
      });
      table.appendChild(tb);
      var tf = make('tfoot');
      var fr = make('tr');
      var ft = bi('th', '', '合计', 'Total');
      ft.scope = 'row';
      fr.appendChild(ft);
      totals[v.role] = make('td', 'num w-total', DASH);
      fr.appendChild(totals[v.role]);
      fr.appendChild(make('td', 'num', '100%'));
      tf.appendChild(fr);
      table.appendChild(tf);
      box.appendChild(table);
      return box;
    }

    function render(w) {
      saved = w;
      clear(root);
      inputs = {};
      totals = {};
      var vars = w.variables || [];
      vars.forEach(function (v) {
        root.appendChild(variable(v, (w.margins && w.margins[v.role]) || {}));
        recount(v.role);
      });
      enabledBox.checked = !!w.enabled;
      enabledBox.disabled = !CAN_EDIT || !vars.length;
      byId('w-loading').hidden = true;
      byId('w-none').hidden = vars.length > 0;
      byId('w-foot').hidden = !vars.length;
      showBadge(!!w.enabled, !!w.ready);
      changed = false;
      setState();
      if (w.enabled && !w.ready) {
        setTimeout(function () { if (!changed && !busy) load(); }, 5000);
      }
    }

    function clearErrors() {
      each(root.querySelectorAll('.field-error'), function (e) { e.parentNode.removeChild(e); });
      each(root.querySelectorAll('.invalid'), function (e) { e.classList.remove('invalid'); });
      errBox.hidden = true;
    }

    // showErrors puts each reason beside its input ("margins.town.t01") or
    // under its variable's heading ("margins.town"); the rest are listed.
    function showErrors(e) {
      clearErrors();
      var fields = e.fields || {};
      var rest = [];
      var first = null;
      Object.keys(fields).sort(function (a, b) {
        return a.localeCompare(b, 'en', { numeric: true });
      }).forEach(function (path) {
        var m = /^margins\.([^.]+)(?:\.(.+))?$/.exec(path);
        var msg = make('span', 'field-error', fields[path]);
        msg.setAttribute('data-for', path);
        if (m && m[2] !== undefined) {
          var input = root.querySelector('input[data-margin="' + CSS.escape(m[1] + '.' + m[2]) + '"]');
          if (input) {
            input.classList.add('invalid');
            input.parentNode.appendChild(msg);
            if (!first) first = input;
            return;
          }
        } else if (m) {
          var box = root.querySelector('.w-var[data-role="' + CSS.escape(m[1]) + '"]');
          if (box) {
            box.insertBefore(msg, box.querySelector('table'));
            if (!first) first = box;
            return;
          }
        }
        rest.push(path + ': ' + fields[path]);
      });
      byId('w-error-message').textContent = e.message;
      var ul = byId('w-error-list');
      clear(ul);
      rest.forEach(function (t) { ul.appendChild(make('li', '', t)); });
      errBox.hidden = false;
      if (first) {
        first.scrollIntoView({ block: 'center' });
        if (first.tagName === 'INPUT') first.focus({ preventScroll: true });
      } else {
        errBox.focus();
      }
    }

    // collect reads the margins to send: a variable left wholly empty is
    // not sent; what is not a number is refused here.
    function collect() {
      var margins = {};
      var problems = {};
      Object.keys(inputs).forEach(function (role) {
        var m = {};
        var any = false;
        inputs[role].forEach(function (x) {
          var n = parseAmount(x.input.value);
          if (n === null) return;
          any = true;
          if (isNaN(n)) problems['margins.' + role + '.' + x.code] = '须为数字 must be a number';
          else m[x.code] = n;
        });
        if (any) margins[role] = m;
      });
      return { margins: margins, problems: problems };
    }

    function save() {
      if (busy || !CAN_EDIT) return;
      clearErrors();
      var c = collect();
      if (Object.keys(c.problems).length) {
        showErrors({ message: '请改正标出的数字，未保存 correct the marked figures; nothing was saved', fields: c.problems });
        return;
      }
      var enabled = enabledBox.checked;
      busy = true;
      setState();
      api('PUT', base + '/weighting', { enabled: enabled, margins: c.margins }).then(function (w) {
        busy = false;
        render(w);
        toast(w.enabled ? '加权已启用并保存 weighting on and saved' : '加权设置已保存 weighting saved');
      }, function (e) {
        busy = false;
        setState();
        if (e.redirecting) return;
        showErrors(e);
      });
    }

    function load() {
      return api('GET', base + '/weighting').then(function (w) {
        render(w);
      }, function (e) {
        if (e.redirecting) return;
        byId('w-loading').hidden = true;
        showErrors(e);
      });
    }

    root.addEventListener('input', function (ev) {
      var input = ev.target;
      var key = input.getAttribute && input.getAttribute('data-margin');
      if (!key || !CAN_EDIT) return;
      input.classList.remove('invalid');
      each(input.parentNode.querySelectorAll('.field-error'), function (e) { e.parentNode.removeChild(e); });
      recount(key.slice(0, key.indexOf('.')));
      touched();
    });
    enabledBox.addEventListener('change', touched);
    if (CAN_EDIT) byId('w-save').addEventListener('click', save);

    return {
      dirty: function () { return changed; },
      // survey reads the settings once the survey is published, and again
      // for each new published version (its options may differ), unless
      // they are being edited. A draft's options may still change, so an
      // unpublished survey is not weighted yet.
      survey: function (s) {
        var published = s.published_version !== null && s.published_version !== undefined;
        var sig = published ? String(s.published_version) : '';
        if (sig === versionSig || changed || busy) return;
        versionSig = sig;
        byId('w-unpublished').hidden = published;
        if (published) {
          load();
          return;
        }
        clear(root);
        inputs = {};
        totals = {};
        byId('w-loading').hidden = true;
        byId('w-none').hidden = true;
        byId('w-foot').hidden = true;
        byId('w-badge').hidden = true;
      }
    };
  }

  /* ---------- invitation sheet ---------- */

  function initSheet() {
    var data = null;
    try {
      data = JSON.parse(sessionStorage.getItem('minyi:tokens:' + SURVEY) || 'null');
    } catch (e) {
      data = null;
    }
    if (!data || !data.tokens || !data.tokens.length) {
      byId('sheet-empty').hidden = false;
      return;
    }
    var unitNames = {};
    (data.units || []).forEach(function (u) { unitNames[u.code] = u.name; });
    var root = byId('sheets');
    var PER = 12;
    var total = data.tokens.length;
    var loaded = 0;
    var printBtn = byId('sheet-print');
    var summary = byId('sheet-summary');
    function progress() {
      summary.textContent = data.title + ' · ' + total + ' 张 cards · ' + Math.ceil(total / PER) + ' 页 pages' +
        (loaded < total ? ' · 二维码加载中 loading QR codes ' + loaded + '/' + total : '');
      printBtn.disabled = false;
    }
    var page = null;
    data.tokens.forEach(function (t, i) {
      if (i % PER === 0) {
        page = make('section', 'sheet');
        root.appendChild(page);
      }
      var card = make('article', 'card-inv');
      card.appendChild(make('h2', 'inv-title', data.title));
      var img = make('img', 'inv-qr');
      img.alt = '二维码 QR';
      img.width = 256;
      img.height = 256;
      img.addEventListener('load', function () { loaded++; progress(); });
      img.addEventListener('error', function () { loaded++; progress(); });
      img.src = '/api/v1/admin/qr?text=' + encodeURIComponent(t.link) + '&size=256';
      card.appendChild(img);
      card.appendChild(bi('p', 'inv-hint', '微信扫码或打开链接参与调查', 'Scan or open the link'));
      var line = make('p', 'inv-codeline');
      line.appendChild(bi('span', 'inv-label', '邀请码', 'Code'));
      line.appendChild(document.createTextNode(' '));
      line.appendChild(make('span', 'inv-code', t.short_code));
      card.appendChild(line);
      if (t.unit) card.appendChild(make('p', 'inv-unit', unitNames[t.unit] || t.unit));
      card.appendChild(make('p', 'inv-link', t.link));
      card.appendChild(make('p', 'inv-no', '#' + (i + 1)));
      page.appendChild(card);
    });
    progress();
    printBtn.addEventListener('click', function () { window.print(); });
  }

  /* ---------- users ---------- */

  function initUsers() {
    var rows = byId('user-rows');
    var errEl = byId('users-error');
    var me = body.getAttribute('data-user');

    function roleSelect(u) {
      var sel = make('select', 'role-select');
      sel.setAttribute('aria-label', '角色 role of ' + u.name);
      Object.keys(ROLES).forEach(function (k) {
        var o = make('option', '', ROLES[k][0] + ' ' + ROLES[k][1]);
        o.value = k;
        sel.appendChild(o);
      });
      sel.value = u.role;
      return sel;
    }

    function patch(u, change, rowMsg, okText) {
      showMsg(rowMsg, '');
      return api('PATCH', '/api/v1/admin/users/' + u.id, change).then(function () {
        toast(okText);
        return load();
      }, function (e) {
        if (!e.redirecting) showMsg(rowMsg, errText(e), 'error');
        return load(true);
      });
    }

    function render(users) {
      clear(rows);
      users.forEach(function (u) {
        var tr = make('tr');
        tr.setAttribute('data-name', u.name);
        if (u.disabled) tr.className = 'disabled-row';
        var th = make('th', 'mono', u.name);
        th.scope = 'row';
        if (u.name === me) th.appendChild(bi('span', 'tag', '本人', 'you'));
        tr.appendChild(th);
        var rc = make('td');
        var sel = roleSelect(u);
        rc.appendChild(sel);
        tr.appendChild(rc);
        var st = make('td');
        st.appendChild(u.disabled ? bi('span', 'badge badge-closed', '已停用', 'disabled') : bi('span', 'badge badge-published', '启用', 'enabled'));
        tr.appendChild(st);
        tr.appendChild(make('td', 'small', fmtTime(u.created_at)));
        var act = make('td', 'actions');
        var toggle = u.disabled ? bi('button', 'btn small', '启用', 'Enable') : bi('button', 'btn small danger', '停用', 'Disable');
        toggle.type = 'button';
        var reset = bi('button', 'btn small', '重置密码', 'Reset password');
        reset.type = 'button';
        act.appendChild(toggle);
        act.appendChild(reset);
        var resetForm = make('form', 'reset-form');
        resetForm.hidden = true;
        var pw = make('input');
        pw.type = 'password';
        pw.minLength = 10;
        pw.autocomplete = 'new-password';
        pw.placeholder = '新密码 new password (10+)';
        pw.setAttribute('aria-label', '新密码 new password for ' + u.name);
        var ok = bi('button', 'btn small primary', '确定', 'Set');
        ok.type = 'submit';
        var cancel = bi('button', 'btn small', '取消', 'Cancel');
        cancel.type = 'button';
        resetForm.appendChild(pw);
        resetForm.appendChild(ok);
        resetForm.appendChild(cancel);
        act.appendChild(resetForm);
        var rowMsg = make('p', 'msg msg-error');
        rowMsg.hidden = true;
        rowMsg.setAttribute('role', 'alert');
        act.appendChild(rowMsg);
        tr.appendChild(act);

        sel.addEventListener('change', function () {
          var role = sel.value;
          sel.disabled = true;
          patch(u, { role: role }, rowMsg, u.name + ' 的角色已改为 role set to ' + role);
        });
        toggle.addEventListener('click', function () {
          var dis = !u.disabled;
          var go = dis ? confirmDialog('停用用户 Disable user', '停用“' + u.name + '”？该用户将立即退出登录。 ' + u.name + ' will be signed out at once.', '停用 Disable') : Promise.resolve(true);
          go.then(function (yes) {
            if (!yes) return;
            toggle.disabled = true;
            patch(u, { disabled: dis }, rowMsg, dis ? u.name + ' 已停用 disabled' : u.name + ' 已启用 enabled');
          });
        });
        reset.addEventListener('click', function () {
          resetForm.hidden = !resetForm.hidden;
          if (!resetForm.hidden) pw.focus();
        });
        cancel.addEventListener('click', function () { resetForm.hidden = true; pw.value = ''; });
        resetForm.addEventListener('submit', function (ev) {
          ev.preventDefault();
          if (pw.value.length < 10) { showMsg(rowMsg, '密码至少10个字符 the password needs at least 10 characters', 'error'); pw.focus(); return; }
          ok.disabled = true;
          patch(u, { password: pw.value }, rowMsg, u.name + ' 的密码已重置，其登录已退出 password reset; signed out').then(function () { ok.disabled = false; });
        });
        rows.appendChild(tr);
      });
      byId('users-loading').hidden = true;
    }

    function load(keepErrors) {
      return api('GET', '/api/v1/admin/users').then(function (r) {
        // A failed change leaves its message until the next action.
        var kept = [];
        if (keepErrors) {
          each(rows.querySelectorAll('tr'), function (tr) {
            var m = tr.querySelector('.msg');
            if (m && !m.hidden) kept.push([tr.getAttribute('data-name'), m.textContent]);
          });
        }
        render((r && r.users) || []);
        kept.forEach(function (k) {
          each(rows.querySelectorAll('tr'), function (tr) {
            if (tr.getAttribute('data-name') === k[0]) showMsg(tr.querySelector('.msg'), k[1], 'error');
          });
        });
        showMsg(errEl, '');
      }, function (e) {
        if (!e.redirecting) showMsg(errEl, e.message, 'error');
      });
    }

    byId('user-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var err = byId('nu-error');
      showMsg(err, '');
      var name = byId('nu-name').value.trim();
      var pw = byId('nu-password').value;
      if (!/^[A-Za-z0-9_.\-@]{2,64}$/.test(name)) {
        showMsg(err, '用户名须为2-64位字母、数字或 _.-@ the name must be 2-64 letters, digits or _.-@', 'error');
        byId('nu-name').focus();
        return;
      }
      if (pw.length < 10) {
        showMsg(err, '密码至少10个字符 the password needs at least 10 characters', 'error');
        byId('nu-password').focus();
        return;
      }
      var btn = byId('nu-submit');
      btn.disabled = true;
      api('POST', '/api/v1/admin/users', { name: name, role: byId('nu-role').value, password: pw }).then(function (u) {
        byId('user-form').reset();
        byId('nu-role').value = 'designer';
        toast('已创建用户 user created: ' + u.name);
        return load();
      }, function (e) {
        if (!e.redirecting) showMsg(err, errText(e), 'error');
      }).then(function () { btn.disabled = false; });
    });
    load();
  }

  /* ---------- audit log ---------- */

  var ACTIONS = {
    login: ['登录', 'sign-in'],
    'login.failed': ['登录失败', 'failed sign-in'],
    logout: ['退出', 'sign-out'],
    password: ['修改密码', 'password changed'],
    'survey.create': ['新建问卷', 'survey created'],
    'survey.edit': ['保存草稿', 'draft saved'],
    'survey.publish': ['发布', 'published'],
    'survey.close': ['结束', 'closed'],
    'survey.reopen': ['重新开放', 'reopened'],
    'survey.export': ['导出', 'exported'],
    'tokens.create': ['生成邀请码', 'invitations issued'],
    'user.create': ['新建用户', 'user created'],
    'user.update': ['修改用户', 'user changed'],
    'response.review': ['审核回答', 'response reviewed'],
    'share.create': ['新建分享链接', 'share link made'],
    'share.revoke': ['撤销分享链接', 'share link revoked'],
    'survey.weighting': ['修改加权', 'weighting changed']
  };

  function initAudit() {
    var rows = byId('audit-rows');
    var more = byId('audit-more');
    var errEl = byId('audit-error');
    var oldest = 0;
    var PAGE_SIZE = 200;

    function row(e) {
      var tr = make('tr');
      if (e.Action === 'login.failed') tr.className = 'warn-row';
      tr.appendChild(make('td', 'small nowrap', fmtTime(e.At)));
      tr.appendChild(make('td', 'mono', e.UserName || DASH));
      var a = ACTIONS[e.Action];
      var ac = make('td');
      if (a) ac.appendChild(bi('span', '', a[0], a[1]));
      else ac.textContent = e.Action;
      ac.title = e.Action;
      tr.appendChild(ac);
      var sv = make('td');
      if (e.SurveyID) {
        var link = make('a', '', '#' + e.SurveyID);
        link.href = '/admin/surveys/' + e.SurveyID;
        sv.appendChild(link);
      } else {
        sv.textContent = DASH;
      }
      tr.appendChild(sv);
      tr.appendChild(make('td', 'mono', e.VersionID ? '#' + e.VersionID : DASH));
      tr.appendChild(make('td', 'detail', e.Detail || ''));
      return tr;
    }

    function load(before) {
      more.disabled = true;
      var url = '/api/v1/admin/audit' + (before ? '?before=' + before : '');
      return api('GET', url).then(function (r) {
        var list = (r && r.entries) || [];
        if (!before) clear(rows);
        list.forEach(function (e) {
          rows.appendChild(row(e));
          if (!oldest || e.ID < oldest) oldest = e.ID;
        });
        byId('audit-loading').hidden = true;
        byId('audit-empty').hidden = rows.children.length > 0;
        more.hidden = list.length < PAGE_SIZE;
        showMsg(errEl, '');
      }, function (e) {
        if (!e.redirecting) showMsg(errEl, e.message, 'error');
      }).then(function () { more.disabled = false; });
    }

    more.addEventListener('click', function () { load(oldest); });
    byId('audit-refresh').addEventListener('click', function () { oldest = 0; load(0); });
    load(0);
  }

  /* ---------- start ---------- */

  initBar();
  var pages = { login: initLogin, list: initList, designer: initDesigner, sheet: initSheet, users: initUsers, audit: initAudit };
  if (pages[PAGE]) pages[PAGE]();
})();
