/* The designer's phone preview of the saved draft (or published version). */

// initPreview runs the preview pane of designer dz; reload() shows the
// survey again after a save.
function initPreview(dz) {
  var pane = byId('preview-pane');
  var frame = byId('pv-frame');
  function reloadPreview(force) {
    if (pane.hidden) return;
    var unit = byId('pv-unit').value;
    if (force || !frame.getAttribute('src')) frame.setAttribute('src', '/admin/surveys/' + SURVEY + '/preview?_=' + Date.now() + (unit ? '&unit=' + encodeURIComponent(unit) : ''));
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
      fillUnits();
      reloadPreview(false);
      fitPhone();
    }
  }
  byId('preview-toggle').addEventListener('click', function () {
    if (pane.hidden && dz.dirty()) toast('预览显示已保存的草稿；保存后会自动刷新 the preview shows the saved draft; it reloads after each save', 'warn');
    setPreview(pane.hidden);
  });
  byId('pv-close').addEventListener('click', function () { setPreview(false); });
  byId('pv-reload').addEventListener('click', function () { reloadPreview(true); });
  // Preview as a resident of any unit: its areas and its own summaries.
  function fillUnits() {
    var sel = byId('pv-unit');
    var keep = sel.value;
    clear(sel);
    var none = make('option', '', '全部 all units');
    none.value = '';
    sel.appendChild(none);
    ((dz.def && dz.def.units) || []).forEach(function (u) {
      var o = make('option', '', u.name || u.code);
      o.value = u.code;
      sel.appendChild(o);
    });
    sel.value = keep;
    if (sel.value !== keep) sel.value = '';
    sel.hidden = sel.options.length < 2;
  }
  byId('pv-unit').addEventListener('change', function () { reloadPreview(true); });
  byId('pv-unit').addEventListener('focus', fillUnits);
  window.addEventListener('resize', fitPhone);

  return {
    survey: function (s) {
      byId('pv-which').textContent = s.draft ? '草稿 draft' : '已发布版本 published';
    },
    reload: function () {
      fillUnits();
      reloadPreview(true);
    }
  };
}
