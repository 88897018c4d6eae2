/* The designer's results panel: the dashboard's address and the share links. */

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
