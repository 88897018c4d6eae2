/* The designer's weighting panel: population margins. */

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
    unsaved: function () { return changed; },
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
