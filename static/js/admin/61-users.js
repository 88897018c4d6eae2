/* User administration (admins only): roles, disabling, new users, password resets, clearing sign-in lockouts. */

function initUsers() {
  var rows = byId('user-rows');
  var errEl = byId('users-error');
  var me = body.getAttribute('data-user');

  function roleSelect(u) {
    var sel = make('select', 'role-select');
    sel.setAttribute('aria-label', '角色 role of ' + u.name);
    Object.keys(ROLES).forEach(function (k) {
      var o = make('option', '', ROLES[k][0] + ' ' + ROLES[k][1]);
      o.value = k;
      sel.appendChild(o);
    });
    sel.value = u.role;
    return sel;
  }

  function patch(u, change, rowMsg, okText) {
    showMsg(rowMsg, '');
    return api('PATCH', '/api/v1/admin/users/' + u.id, change).then(function () {
      toast(okText);
      return load();
    }, function (e) {
      if (!e.redirecting) showMsg(rowMsg, errText(e), 'error');
      return load(true);
    });
  }

  function render(users) {
    clear(rows);
    users.forEach(function (u) {
      var tr = make('tr');
      tr.setAttribute('data-name', u.name);
      if (u.disabled) tr.className = 'disabled-row';
      var th = make('th', 'mono', u.name);
      th.scope = 'row';
      if (u.name === me) th.appendChild(bi('span', 'tag', '本人', 'you'));
      tr.appendChild(th);
      var rc = make('td');
      var sel = roleSelect(u);
      rc.appendChild(sel);
      tr.appendChild(rc);
      var st = make('td');
      st.appendChild(u.disabled ? bi('span', 'badge badge-closed', '已停用', 'disabled') : bi('span', 'badge badge-published', '启用', 'enabled'));
      tr.appendChild(st);
      tr.appendChild(make('td', 'small', fmtTime(u.created_at)));
      var act = make('td', 'actions');
      var toggle = u.disabled ? bi('button', 'btn small', '启用', 'Enable') : bi('button', 'btn small danger', '停用', 'Disable');
      toggle.type = 'button';
      var reset = bi('button', 'btn small', '重置密码', 'Reset password');
      reset.type = 'button';
      var unlock = bi('button', 'btn small', '解除登录锁定', 'Clear sign-in lockout');
      unlock.type = 'button';
      unlock.title = '登录尝试过多被锁定时，让该用户可以立即重新登录 lets this user sign in again at once after too many attempts';
      act.appendChild(toggle);
      act.appendChild(reset);
      act.appendChild(unlock);
      var resetForm = make('form', 'reset-form');
      resetForm.hidden = true;
      var pw = make('input');
      pw.type = 'password';
      pw.minLength = 10;
      pw.autocomplete = 'new-password';
      pw.placeholder = '新密码 new password (10+)';
      pw.setAttribute('aria-label', '新密码 new password for ' + u.name);
      var ok = bi('button', 'btn small primary', '确定', 'Set');
      ok.type = 'submit';
      var cancel = bi('button', 'btn small', '取消', 'Cancel');
      cancel.type = 'button';
      resetForm.appendChild(pw);
      resetForm.appendChild(ok);
      resetForm.appendChild(cancel);
      act.appendChild(resetForm);
      var rowMsg = make('p', 'msg msg-error');
      rowMsg.hidden = true;
      rowMsg.setAttribute('role', 'alert');
      act.appendChild(rowMsg);
      tr.appendChild(act);

      sel.addEventListener('change', function () {
        var role = sel.value;
        sel.disabled = true;
        patch(u, { role: role }, rowMsg, u.name + ' 的角色已改为 role set to ' + role);
      });
      toggle.addEventListener('click', function () {
        var dis = !u.disabled;
        var go = dis ? confirmDialog('停用用户 Disable user', '停用“' + u.name + '”？该用户将立即退出登录。 ' + u.name + ' will be signed out at once.', '停用 Disable') : Promise.resolve(true);
        go.then(function (yes) {
          if (!yes) return;
          toggle.disabled = true;
          patch(u, { disabled: dis }, rowMsg, dis ? u.name + ' 已停用 disabled' : u.name + ' 已启用 enabled');
        });
      });
      unlock.addEventListener('click', function () {
        unlock.disabled = true;
        showMsg(rowMsg, '');
        api('POST', '/api/v1/admin/users/' + u.id + '/unlock').then(function () {
          toast(u.name + ' 的登录锁定已解除 sign-in lockout cleared');
        }, function (e) {
          if (!e.redirecting) showMsg(rowMsg, errText(e), 'error');
        }).then(function () { unlock.disabled = false; });
      });
      reset.addEventListener('click', function () {
        resetForm.hidden = !resetForm.hidden;
        if (!resetForm.hidden) pw.focus();
      });
      cancel.addEventListener('click', function () { resetForm.hidden = true; pw.value = ''; });
      resetForm.addEventListener('submit', function (ev) {
        ev.preventDefault();
        if (pw.value.length < 10) { showMsg(rowMsg, '密码至少10个字符 the password needs at least 10 characters', 'error'); pw.focus(); return; }
        ok.disabled = true;
        patch(u, { password: pw.value }, rowMsg, u.name + ' 的密码已重置，其登录已退出 password reset; signed out').then(function () { ok.disabled = false; });
      });
      rows.appendChild(tr);
    });
    byId('users-loading').hidden = true;
  }

  function load(keepErrors) {
    return api('GET', '/api/v1/admin/users').then(function (r) {
      // A failed change leaves its message until the next action.
      var kept = [];
      if (keepErrors) {
        each(rows.querySelectorAll('tr'), function (tr) {
          var m = tr.querySelector('.msg');
          if (m && !m.hidden) kept.push([tr.getAttribute('data-name'), m.textContent]);
        });
      }
      render((r && r.users) || []);
      kept.forEach(function (k) {
        each(rows.querySelectorAll('tr'), function (tr) {
          if (tr.getAttribute('data-name') === k[0]) showMsg(tr.querySelector('.msg'), k[1], 'error');
        });
      });
      showMsg(errEl, '');
    }, function (e) {
      if (!e.redirecting) showMsg(errEl, e.message, 'error');
    });
  }

  byId('user-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var err = byId('nu-error');
    showMsg(err, '');
    var name = byId('nu-name').value.trim();
    var pw = byId('nu-password').value;
    if (!/^[A-Za-z0-9_.\-@]{2,64}$/.test(name)) {
      showMsg(err, '用户名须为2-64位字母、数字或 _.-@ the name must be 2-64 letters, digits or _.-@', 'error');
      byId('nu-name').focus();
      return;
    }
    if (pw.length < 10) {
      showMsg(err, '密码至少10个字符 the password needs at least 10 characters', 'error');
      byId('nu-password').focus();
      return;
    }
    var btn = byId('nu-submit');
    btn.disabled = true;
    api('POST', '/api/v1/admin/users', { name: name, role: byId('nu-role').value, password: pw }).then(function (u) {
      byId('user-form').reset();
      byId('nu-role').value = 'designer';
      toast('已创建用户 user created: ' + u.name);
      return load();
    }, function (e) {
      if (!e.redirecting) showMsg(err, errText(e), 'error');
    }).then(function () { btn.disabled = false; });
  });
  load();
}
