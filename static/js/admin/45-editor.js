/*
 * The designer's editor: the working copy of the definition (dz.def) drawn
 * into #editor, and changed through its controls: typing, the add, move and
 * delete buttons, the units, the scale's preset and its don't-know option.
 */

// initEditor runs the editor of designer dz and returns its API: load()
// takes dz.detail's draft (else its published version) as the working copy;
// dirty() tells whether it has edits not saved; seq() marks the edits a
// save sends and saved(seq) records that they were; surveys(list) offers the
// other surveys as last year's; showErrors(e) shows the server's reasons
// beside the controls they concern.
function initEditor(dz) {
  var editor = byId('editor');
  var open = new WeakSet(); // areas and extra questions shown expanded
  var editSeq = 0;
  var savedSeq = 0;
  var surveyList = null; // every survey, for the previous-year select
  var errors = initDefErrors(editor);

  function dirty() { return editSeq !== savedSeq; }

  // touched notes an edit at path.
  function touched(path) {
    editSeq++;
    dz.changed(path);
  }

  // fillPrevious offers the other surveys as the previous year's, keeping
  // the linked slug selectable even when no survey has it (any more).
  function fillPrevious() {
    var sel = byId('f-previous');
    var want = dz.def.previous || '';
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
    var def = dz.def;
    fillPrevious();
    fillValues(byId('sec-basics'), def);
    fillValues(byId('sec-legal'), def);
    fillValues(byId('sec-privacy'), def);
    fillValues(byId('sec-thresholds'), def);
    byId('units-text').value = unitsText(def);
    renderUnits(def);
    renderCampaign(def);
    renderScale(def);
    renderAreas(def, open);
    renderExtras(def, open);
    lockIfViewer(editor);
    dz.changed('');
  }

  // Units: the textarea is the source; the list shows how it was read.
  byId('units-text').addEventListener('input', function () {
    var units = parseUnits(byId('units-text').value, dz.def.units);
    if (units.length) dz.def.units = units;
    else delete dz.def.units;
    errors.clearUnder('units');
    renderUnits(dz.def);
    renderCampaign(dz.def);
    touched('units');
  });
  byId('units-rows').addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-unit]');
    if (!b) return;
    var def = dz.def;
    def.units.splice(parseInt(b.getAttribute('data-unit'), 10), 1);
    if (!def.units.length) delete def.units;
    byId('units-text').value = unitsText(def);
    renderUnits(def);
    renderCampaign(def);
    touched('units');
  });

  byId('scale-preset').addEventListener('change', function () {
    var def = dz.def;
    var k = byId('scale-preset').value;
    if (k && PRESETS[k]) {
      def.scale.levels = presetLevels(def.scale.levels, k);
      def.scale.preset = k;
    } else {
      delete def.scale.preset;
    }
    errors.clearUnder('scale');
    renderScale(def);
    touched('scale');
  });
  byId('dk-on').addEventListener('change', function () {
    if (byId('dk-on').checked) dz.def.scale.dont_know = { code: 'dk', label: '不了解' };
    else delete dz.def.scale.dont_know;
    renderScale(dz.def);
    touched('scale.dont_know');
  });

  function rerender(list) {
    var y = window.scrollY;
    errors.clear();
    if (list.indexOf('scale') === 0) renderScale(dz.def);
    else if (list.indexOf('extra') === 0) renderExtras(dz.def, open);
    else renderAreas(dz.def, open);
    window.scrollTo(0, y);
  }

  function focusLater(sel) {
    var el = editor.querySelector(sel);
    if (el && !el.disabled) el.focus();
  }

  function structural(act, list, j) {
    var def = dz.def;
    var arr = getPath(def, list);
    if (!arr) { arr = []; setPath(def, list, arr); }
    if (act === 'add') {
      var item = newItem(def, list);
      arr.push(item);
      if (list === 'areas' || list === 'extra') open.add(item);
      rerender(list);
      touched(list);
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
      touched(list);
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
        touched(list);
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
    var def = dz.def;
    setPath(def, path, readInput(el));
    errors.clearField(el);
    if (el.getAttribute('data-max')) updateCount(el);
    var m;
    if ((m = /^areas\[(\d+)\]\.(name|code)$/.exec(path))) {
      var i = parseInt(m[1], 10);
      var d = byId('area-' + i);
      if (d) {
        d.querySelector('summary .item-title').textContent = areaSummaryTitle(def.areas[i], i);
        d.querySelector('summary .item-meta').textContent = areaMeta(def.areas[i]);
      }
    }
    if ((m = /^extra\[(\d+)\]\.text$/.exec(path))) {
      var x = byId('extra-' + m[1]);
      if (x) x.querySelector('summary .item-title').textContent = extraTitle(def.extra[m[1]], parseInt(m[1], 10));
    }
    if (ev.type === 'change') {
      if (/\.kind$/.test(path)) kindChanged(path.replace(/\.kind$/, ''));
      else if (/^extra\[\d+\]\.role$/.test(path)) roleChanged(path.replace(/\.role$/, ''));
      else if (/^scale\.levels\[\d+\]\.score$/.test(path)) {
        var k = matchPreset(def);
        if (k) def.scale.preset = k; else delete def.scale.preset;
        byId('scale-preset').value = k;
      }
    }
    touched(path);
  }

  function kindChanged(qp) {
    fitKind(getPath(dz.def, qp));
    rerender(qp);
  }

  function roleChanged(qp) {
    var q = getPath(dz.def, qp);
    var want = ROLE_KINDS[q.role];
    if (want && q.kind !== want) {
      q.kind = want;
      fitKind(q);
    }
    rerender(qp);
  }

  editor.addEventListener('input', onEdit);
  editor.addEventListener('change', onEdit);
  initCampaign(dz, touched);

  return {
    load: function () {
      dz.def = normalize(clone(dz.detail.draft || dz.detail.published || {}));
      renderAll();
      byId('d-loading').hidden = true;
      editor.hidden = false;
    },
    dirty: dirty,
    unsaved: dirty,
    seq: function () { return editSeq; },
    saved: function (seq) {
      savedSeq = seq;
      errors.clear();
    },
    surveys: function (list) {
      surveyList = list;
      if (dz.def) fillPrevious();
    },
    showErrors: errors.show
  };
}
