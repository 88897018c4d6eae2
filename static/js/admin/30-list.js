/* The survey list: every survey, kept current while the page is open. */

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

  // ownerLine says whose survey it is and what the user may do with it.
  function ownerLine(s) {
    var roles = { owner: ['负责人', 'owner'], collaborator: ['协作者', 'collaborator'], reader: ['查看者', 'reader'], admin: ['管理员', 'admin'] };
    var line = make('div', 'small muted survey-owner');
    line.appendChild(bi('span', '', '负责人 ' + (s.owner || '—'), s.owner ? 'owner' : 'no owner: admins only'));
    var r = roles[s.access];
    if (r && s.access !== 'admin') {
      line.appendChild(document.createTextNode(' · '));
      line.appendChild(bi('span', 'survey-access', '我是' + r[0], 'you: ' + r[1]));
    }
    return line;
  }

  function fillRow(tr, s) {
    clear(tr);
    var th = make('th', 'title-cell');
    th.scope = 'row';
    var a = make('a', 'title-link', s.title);
    a.href = '/admin/surveys/' + s.id;
    th.appendChild(a);
    th.appendChild(make('div', 'mono muted small', s.slug));
    th.appendChild(ownerLine(s));
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
