/*
 * The designer's telephone panel: who holds which case now, the fieldwork
 * report (dispositions, AAPOR rates, interviewers, units, quota cells as
 * a grid), refreshed every few seconds while the page is shown; the
 * sample upload (CSV file or random dialling) and the calling settings.
 */

function initCati(base) {
  var timer = 0;
  var started = false;

  function pct(v) { return v === null || v === undefined ? DASH : (v * 100).toFixed(1) + '%'; }

  function table(rootId, head, rows) {
    var root = byId(rootId);
    clear(root);
    if (!rows.length) {
      root.appendChild(make('p', 'empty', '暂无 none yet'));
      return;
    }
    var t = make('table', 'data');
    var tr = make('tr');
    head.forEach(function (h) { tr.appendChild(make('th', '', h)); });
    var th = make('thead');
    th.appendChild(tr);
    t.appendChild(th);
    var tb = make('tbody');
    rows.forEach(function (r) {
      var row = make('tr');
      r.forEach(function (v) { row.appendChild(make('td', '', v === null || v === undefined ? DASH : v)); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    root.appendChild(t);
  }

  function cellName(cell) {
    return Object.keys(cell).sort().map(function (k) { return k + '=' + cell[k]; }).join(' ');
  }

  function show(r) {
    var rates = r.rates;
    byId('cati-rates').textContent = '样本 cases ' + r.cases + ' · RR1 ' + pct(rates.rr1) + ' · RR3 ' + pct(rates.rr3) +
      ' · COOP1 ' + pct(rates.coop1) + ' · REF1 ' + pct(rates.ref1) + ' · CON1 ' + pct(rates.con1) + ' · e ' + pct(rates.e) +
      ' · 电话 cati ' + r.channels.cati + ' · 网络 web ' + r.channels.web;
    table('cati-holds', ['访员 interviewer', '样本 case', '单位 unit', '第几次 attempt', '已甄别 screened', '占用至 held until'],
      r.holds.map(function (h) { return [h.name || h.interviewer, h.case_id, h.unit, h.attempt, h.screened ? '是 yes' : '否 no', fmtTime(h.held_until)]; }));
    var labels = {};
    r.codes.forEach(function (c) { labels[c.code] = c.code + ' ' + c.label_zh + ' ' + c.label_en; });
    table('cati-dispositions', ['处理代码 disposition', '样本数 cases'],
      Object.keys(r.dispositions).sort().map(function (k) { return [labels[k] || k, r.dispositions[k]]; }));
    table('cati-interviewers', ['访员 interviewer', '拨打 calls', '完成 completes', '拒访 refusals', '访问时长中位数 median (s)', '每小时完成 per hour'],
      r.interviewers.map(function (i) {
        return [i.name || i.id, i.calls, i.completes, i.refusals, i.median_interview_seconds === null ? null : Math.round(i.median_interview_seconds),
          i.completes_per_hour === null ? null : i.completes_per_hour.toFixed(2)];
      }));
    table('cati-units', ['单位 unit', '目标 target', '完成 completed', '进行中 in progress', '剩余样本 remaining', '已结束 closed'],
      r.units.map(function (u) { return [u.unit || '（全部 all）', u.target, u.completed, u.in_progress, u.remaining_sample, u.closed]; }));
    var grid = byId('cati-quotas');
    clear(grid);
    r.quotas.forEach(function (q) {
      var box = make('div', 'quota-cell');
      box.setAttribute('data-key', (q.unit ? q.unit + ':' : '') + q.key);
      box.appendChild(make('strong', '', (q.unit ? q.unit + ' · ' : '') + cellName(q.cell)));
      box.appendChild(make('span', 'quota-count', q.filled + ' / ' + q.target));
      box.appendChild(make('span', 'quota-reserved', '预留 reserved ' + q.reserved));
      var bar = make('span', 'quota-bar');
      var fill = make('span', 'quota-fill');
      fill.style.width = (q.target ? Math.min(100, 100 * q.filled / q.target) : 0) + '%';
      bar.appendChild(fill);
      box.appendChild(bar);
      grid.appendChild(box);
    });
    if (!r.quotas.length) grid.appendChild(make('p', 'empty', '未设配额 no quota cells'));
    table('cati-hours', ['时段 hour', '拨打 calls', '完成 completes'],
      r.hours.map(function (h) { return [pad(h.hour) + ':00', h.calls, h.completes]; }));
    byId('cati-at').textContent = fmtTime(r.at);
  }

  function load() {
    return api('GET', base + '/cati/report').then(show, function (e) {
      if (!e.redirecting) showMsg(byId('cati-error'), e.message, 'error');
    });
  }

  function poll() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      (document.hidden ? Promise.resolve() : load()).then(poll, poll);
    }, 3000);
  }

  function upload() {
    var file = byId('cati-file').files[0];
    if (!file) return;
    fetch(base + '/cati/sample', {
      method: 'POST', credentials: 'same-origin', cache: 'no-store', body: file,
      headers: { 'X-CSRF-Token': CSRF, 'Content-Type': 'text/csv', Accept: 'application/json' }
    }).then(function (resp) { return resp.json().then(function (j) { return { ok: resp.ok, j: j }; }); }).then(function (r) {
      if (!r.ok) throw new Error((r.j.error && r.j.error.message) || 'upload failed');
      sampleResult(r.j);
    }).catch(function (e) { showMsg(byId('cati-error'), e.message, 'error'); });
  }

  function sampleResult(j) {
    var text = '新增 added ' + j.added + ' · 重复 duplicates ' + j.duplicates + ' · 免打扰 do-not-call ' + j.do_not_call +
      ' · 无效 invalid ' + j.invalid.length;
    j.invalid.slice(0, 20).forEach(function (e) { text += '\n第 ' + e.line + ' 行 line: ' + e.error; });
    showMsg(byId('cati-error'), text, j.invalid.length ? 'error' : 'ok');
    load();
  }

  function rdd() {
    var body = { rdd: {
      prefixes: byId('cati-prefixes').value.split(/[\s,，]+/).filter(Boolean),
      count: Number(byId('cati-count').value), unit: byId('cati-unit').value.trim()
    } };
    api('POST', base + '/cati/sample', body).then(sampleResult, function (e) { showMsg(byId('cati-error'), errText(e), 'error'); });
  }

  function saveSettings() {
    var st;
    try {
      st = JSON.parse(byId('cati-settings').value);
    } catch (e) {
      showMsg(byId('cati-error'), '设置不是有效的 JSON the settings are not valid JSON', 'error');
      return;
    }
    api('PUT', base + '/cati/settings', st).then(function () {
      showMsg(byId('cati-error'), '已保存 saved', 'ok');
      load();
    }, function (e) { showMsg(byId('cati-error'), errText(e), 'error'); });
  }

  return {
    survey: function () {
      if (started || !byId('sec-cati')) return;
      started = true;
      var up = byId('cati-upload');
      if (up) {
        up.addEventListener('click', upload);
        byId('cati-rdd').addEventListener('click', rdd);
        byId('cati-save').addEventListener('click', saveSettings);
      }
      api('GET', base + '/cati/settings').then(function (st) {
        var ta = byId('cati-settings');
        if (ta) ta.value = JSON.stringify(st, null, 2);
      }, function () {});
      load().then(poll, poll);
    }
  };
}
