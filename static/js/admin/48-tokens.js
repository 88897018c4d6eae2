/*
 * The designer's invitations panel, shown for token sampling: generating a
 * batch, its CSV, QR codes and the printed sheet (60-sheet.js). A batch's
 * tokens are in the POST answer only, so the page keeps the last one until
 * it is downloaded or printed.
 */

// initTokens runs the invitations panel of designer dz.
function initTokens(dz) {
  var tokenBatch = null; // the last generated invitations, shown once
  var batchKept = true; // downloaded or printed
  var csvURL = '';

  function savedDedup() {
    var d = dz.detail && (dz.detail.published || dz.detail.draft);
    return d ? d.dedup : '';
  }

  function syncTokenPanel() {
    if (!dz.def) return;
    var on = dz.def.dedup === 'token' || savedDedup() === 'token';
    byId('sec-tokens').hidden = !on;
    byId('nav-tokens').hidden = !on;
  }

  function fillUnitSelect() {
    var sel = byId('tk-unit');
    if (!sel) return;
    var keep = sel.value;
    clear(sel);
    var none = make('option', '', '不限单位 any unit');
    none.value = '';
    sel.appendChild(none);
    (dz.def.units || []).forEach(function (u) {
      var o = make('option', '', u.code + ' ' + u.name);
      o.value = u.code;
      sel.appendChild(o);
    });
    sel.value = keep;
    if (sel.value !== keep) sel.value = '';
  }

  function csvCell(v) {
    var s = String(v === undefined || v === null ? '' : v);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function unitName(code) {
    var name = code || '';
    (dz.def.units || []).forEach(function (u) { if (u.code === code) name = u.code + ' ' + u.name; });
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
    a.setAttribute('download', dz.detail.slug + '-invitations-' + stamp.getFullYear() + pad(stamp.getMonth() + 1) + pad(stamp.getDate()) +
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
      dl.setAttribute('download', 'minyi-' + dz.detail.slug + '-' + t.short_code + '.png');
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
        api('POST', dz.base + '/tokens', body).then(function (r) {
          showBatch(r);
          toast('已生成 ' + r.tokens.length + ' 个邀请码 invitations generated');
          return dz.refresh();
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
          title: dz.detail.title, slug: dz.detail.slug, survey_link: tokenBatch.survey_link,
          units: dz.def.units || [], created: new Date().toISOString(), tokens: tokenBatch.tokens
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

  return {
    survey: function (s, tokens) {
      if (tokens) {
        byId('tk-total').textContent = String(tokens.total);
        byId('tk-used').textContent = String(tokens.used);
        byId('tk-unused').textContent = String(tokens.unused);
      }
      syncTokenPanel();
    },
    changed: function (path) {
      if (!path || path === 'units') fillUnitSelect();
      if (!path || path === 'dedup') syncTokenPanel();
    },
    unsaved: function () { return !batchKept; }
  };
}
