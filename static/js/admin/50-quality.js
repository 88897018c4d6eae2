/* The designer's data-quality panel: reviewing flagged responses. */

var FLAGS = {
  speeder: ['答题过快', 'Too fast'],
  straight_liner: ['答案雷同', 'Same answer everywhere'],
  shared_address: ['同一网络地址多次', 'Many from one address'],
  no_timing: ['无作答时间', 'No timing'],
  many_phones: ['同一来源填写多个号码', 'Many numbers from one source']
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
