/*
 * The designer page: one survey's definition, status, versions and panels.
 * The panels (files 41 to 52) share the designer dz below, and each answers
 * what concerns it:
 *   survey(s, tokens)  after every read of the survey (tokens: its counts),
 *   changed(path)      after each change of the working copy at path ("" for
 *                      all of it: loaded, or drawn anew),
 *   unsaved()          true when leaving the page would lose something.
 */

function initDesigner() {
  var dz = {
    base: '/api/v1/admin/surveys/' + SURVEY,
    detail: null, // the survey as last read from the server
    def: null, // the working copy being edited (45-editor.js)
    refresh: refresh,
    changed: function (path) {
      showSaveState();
      tell('changed', path);
    }
  };
  var busy = false;
  var panels = [];

  // tell calls method on every panel that has it, with the arguments after it.
  function tell(method) {
    var args = Array.prototype.slice.call(arguments, 1);
    panels.forEach(function (p) { if (p[method]) p[method].apply(p, args); });
  }

  panels.push(initQuality(dz.base), initResults(dz.base), initWeighting(dz.base), initMembers(dz.base), initCati(dz.base));
  var editor = initEditor(dz);
  var preview = initPreview(dz);
  dz.dirty = editor.dirty;
  panels.push(editor, preview, initTokens(dz), initTexting(dz));

  /* --- status, versions: updated in place after every action --- */

  function refresh() {
    return api('GET', dz.base).then(function (r) {
      dz.detail = r.survey;
      if (!dz.def) editor.load();
      showStatus(r.tokens);
      showMsg(byId('load-error'), '');
      return r;
    }, function (e) {
      if (!e.redirecting) showMsg(byId('load-error'), e.message, 'error');
      throw e;
    });
  }

  function showStatus(tokens) {
    var s = dz.detail;
    byId('d-title').textContent = s.title;
    document.title = s.title + ' · 问卷设计 Designer';
    setBadge(byId('d-status'), s.status);
    byId('d-slug').textContent = s.slug;
    byId('f-slug').textContent = s.slug;
    byId('d-responses').textContent = String(s.responses);
    // Whose survey it is: whom a collaborator or reader asks for more.
    var owner = byId('d-owner');
    clear(owner);
    owner.appendChild(bi('span', '', '负责人 ' + (s.owner || '—'), s.owner ? 'owner' : 'no owner: admins only'));
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
    var pub = byId('publish');
    if (pub) {
      pub.disabled = busy || !(s.draft_version || editor.dirty());
      byId('close-survey').hidden = s.status === 'closed';
      byId('close-survey').disabled = busy || s.status !== 'published';
      byId('reopen-survey').hidden = s.status !== 'closed';
      byId('reopen-survey').disabled = busy;
    }
    var save = byId('save');
    if (save) save.disabled = busy;
    showSaveState();
    renderVersions();
    tell('survey', s, tokens);
  }

  function showSaveState() {
    var el = byId('save-state');
    if (!CAN_EDIT) { el.textContent = ''; return; }
    if (editor.dirty()) {
      el.textContent = '有未保存的修改 unsaved changes';
      el.className = 'save-state dirty';
    } else if (dz.detail && dz.detail.draft) {
      el.textContent = '草稿已保存 draft saved';
      el.className = 'save-state saved';
    } else {
      el.textContent = '';
      el.className = 'save-state';
    }
    var pub = byId('publish');
    if (pub && dz.detail) pub.disabled = busy || !(dz.detail.draft_version || editor.dirty());
  }

  function renderVersions() {
    var tb = byId('version-rows');
    clear(tb);
    var vs = (dz.detail.versions || []).slice().sort(function (a, b) { return b.number - a.number; });
    vs.forEach(function (v) {
      var tr = make('tr');
      tr.appendChild(make('td', 'mono', 'v' + v.number));
      var st = make('td');
      if (v.id === dz.detail.published_version) st.appendChild(bi('span', 'badge badge-published', '当前发布', 'live'));
      else if (v.id === dz.detail.draft_version) st.appendChild(bi('span', 'badge badge-draft', '草稿', 'draft'));
      else if (v.published_at) st.appendChild(bi('span', 'muted', '曾发布', 'earlier'));
      else st.appendChild(bi('span', 'muted', '未发布', 'never published'));
      tr.appendChild(st);
      tr.appendChild(make('td', 'small', fmtTime(v.created_at)));
      tr.appendChild(make('td', 'small', fmtTime(v.published_at)));
      tb.appendChild(tr);
    });
  }

  /* --- actions --- */

  function setBusy(b) {
    busy = b;
    ['save', 'publish', 'close-survey', 'reopen-survey'].forEach(function (id) {
      var el = byId(id);
      if (el) el.disabled = b;
    });
    if (!b && dz.detail) showStatus();
  }

  function save() {
    var seq = editor.seq();
    setBusy(true);
    return api('PUT', dz.base + '/draft', prune(dz.def, dz.detail.slug)).then(function (r) {
      editor.saved(seq);
      preview.reload();
      return refresh().catch(function () {}).then(function () {
        toast('草稿已保存 draft saved · v' + versionNumber(r.draft_version));
        return true;
      });
    }, function (e) {
      if (e.redirecting) return false;
      if (e.code === 'invalid_definition' || e.fields) editor.showErrors(e);
      else toast(e.message, 'error');
      return false;
    }).then(function (ok) {
      setBusy(false);
      return ok;
    });
  }

  function versionNumber(id) {
    var n = '?';
    ((dz.detail && dz.detail.versions) || []).forEach(function (v) { if (v.id === id) n = String(v.number); });
    return n;
  }

  function simple(path, okText) {
    setBusy(true);
    return api('POST', dz.base + path).then(function (r) {
      return refresh().then(function () { toast(okText(r)); });
    }, function (e) {
      if (!e.redirecting) toast(errText(e), 'error');
    }).then(function () { setBusy(false); });
  }

  if (CAN_EDIT) {
    byId('save').addEventListener('click', save);
    byId('publish').addEventListener('click', function () {
      var first = editor.dirty() ? save() : Promise.resolve(true);
      first.then(function (ok) {
        if (!ok) return false;
        return confirmDialog('发布问卷 Publish',
          '发布后居民将回答这个版本；已发布的版本不能再修改，之后的修改会成为新草稿。 Residents will answer this version. A published version never changes; later edits become a new draft.',
          '发布 Publish');
      }).then(function (yes) {
        if (!yes) return;
        simple('/publish', function (r) {
          preview.reload();
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
      if (editor.dirty()) toast('导出的是已保存的草稿，不含未保存的修改 the export is the saved draft, without unsaved changes', 'warn');
    });
  }

  window.addEventListener('beforeunload', function (ev) {
    if (panels.some(function (p) { return p.unsaved && p.unsaved(); })) {
      ev.preventDefault();
      ev.returnValue = '';
      return '';
    }
    return undefined;
  });

  /* --- start --- */

  refresh().catch(function () {});
  api('GET', '/api/v1/admin/surveys').then(function (r) {
    editor.surveys((r && r.surveys) || []);
  }, function () {});
  // Response counts and status move while staff look: keep them current.
  setInterval(function () {
    if (!busy && document.visibilityState === 'visible' && dz.detail) refresh().catch(function () {});
  }, 15000);
}
