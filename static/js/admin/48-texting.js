/*
 * The designer's text-message invitations, inside the invitations panel:
 * the funnel per unit, adding numbers to the list, starting a paced run of
 * invitations or reminders (they go on in the server's background).
 */

// initTexting runs the text-message part of designer dz's invitations panel.
function initTexting(dz) {
  var polling = null;

  function cell(tr, v, cls) { tr.appendChild(make('td', cls || 'num', String(v))); }

  function show(r) {
    var tb = byId('sx-rows');
    clear(tb);
    (r.units || []).concat([r.total]).forEach(function (f) {
      var tr = make('tr');
      cell(tr, f.unit === '*' ? '合计 total' : (f.unit || '不限单位 any unit'), '');
      [f.listed, f.sent, f.delivered, f.opened, f.completed, f.opted_out, f.failed].forEach(function (v) { cell(tr, v); });
      tb.appendChild(tr);
    });
    var run = r.run;
    var line = '';
    if (run) {
      line = (run.kind === 'remind' ? '提醒 reminders' : '邀请 invitations') + ': ' +
        (run.running ? '发送中 sending… ' : '已结束 finished ') + run.result.sent + ' 条已发 sent';
      if (run.error) line += ' · ' + run.error;
    }
    byId('sx-run').textContent = line;
    if (run && run.running && !polling) {
      polling = setTimeout(function () { polling = null; load(); }, 2000);
    }
  }

  function load() {
    if (byId('sec-tokens').hidden) return;
    api('GET', dz.base + '/invitations').then(show, function () {});
  }

  function fillUnits() {
    var sel = byId('sx-unit');
    if (!sel || !dz.def) return;
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

  function num(id) { return parseInt(byId(id).value, 10) || 0; }

  if (CAN_EDIT) {
    var err = byId('sx-error');
    byId('sx-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      showMsg(err, '');
      var phones = byId('sx-phones').value.split(/\r?\n/).filter(function (l) { return l.trim() !== ''; });
      var unit = byId('sx-unit').value;
      api('POST', dz.base + '/invitations' + (unit ? '?unit=' + encodeURIComponent(unit) : ''), { phones: phones }).then(function (r) {
        byId('sx-phones').value = '';
        toast('已加入 ' + r.added + ' 个号码 numbers added' + (r.duplicates ? '，重复 ' + r.duplicates + ' duplicates' : ''));
        load();
      }, function (e) {
        if (!e.redirecting) showMsg(err, errText(e, { phones: '号码 numbers', unit: '单位 unit', dedup: '去重方式 dedup' }), 'error');
      });
    });
    ['sx-go', 'sx-remind'].forEach(function (id) {
      byId(id).addEventListener('click', function () {
        showMsg(err, '');
        var kind = byId(id).getAttribute('data-kind');
        var body = { per_second: num('sx-rate'), from_hour: num('sx-from'), to_hour: num('sx-to') };
        if (kind === 'remind') {
          body.after_days = num('sx-days');
          body.max_reminders = num('sx-max');
        }
        api('POST', dz.base + '/invitations/' + kind, body).then(function () {
          toast(kind === 'remind' ? '开始提醒 reminders started' : '开始发送 sending started');
          load();
        }, function (e) {
          if (!e.redirecting) showMsg(err, errText(e, { per_second: '每秒条数 per second', from_hour: '允许时段 hours', after_days: '提醒间隔 interval', max_reminders: '最多提醒 reminders' }), 'error');
        });
      });
    });
  }

  return {
    survey: function () { load(); },
    changed: function (path) { if (!path || path === 'units') fillUnits(); }
  };
}
