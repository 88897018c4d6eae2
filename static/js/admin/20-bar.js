/* The top bar of every signed-in page: where we are, sign-out, password. */

function initBar() {
  each(document.querySelectorAll('[data-nav]'), function (a) {
    if (a.getAttribute('data-nav') === PAGE) a.setAttribute('aria-current', 'page');
  });
  var logout = byId('logout');
  if (logout) {
    logout.addEventListener('click', function () {
      logout.disabled = true;
      api('POST', '/api/v1/admin/logout', undefined, { noRedirect: true }).then(function () {
        location.href = '/admin/login';
      }, function (e) {
        if (e.status === 401) { location.href = '/admin/login'; return; }
        logout.disabled = false;
        toast(e.message, 'error');
      });
    });
  }
  var d = byId('pw-dialog');
  if (!d) return;
  var form = byId('pw-form');
  var err = byId('pw-error');
  byId('pw-open').addEventListener('click', function () {
    form.reset();
    showMsg(err, '');
    openDialog(d);
    byId('pw-old').focus();
  });
  byId('pw-cancel').addEventListener('click', function () { closeDialog(d); });
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var oldPw = byId('pw-old').value;
    var newPw = byId('pw-new').value;
    if (!oldPw) { showMsg(err, '请输入当前密码 enter your current password', 'error'); return; }
    if (newPw.length < 10) { showMsg(err, '新密码至少10个字符 the new password needs at least 10 characters', 'error'); return; }
    if (newPw !== byId('pw-new2').value) { showMsg(err, '两次输入的新密码不一致 the two new passwords differ', 'error'); return; }
    var btn = byId('pw-save');
    btn.disabled = true;
    api('POST', '/api/v1/admin/password', { old: oldPw, new: newPw }).then(function () {
      closeDialog(d);
      toast('密码已修改，其他设备上的登录已退出 password changed; other sign-ins were ended');
    }, function (e) {
      if (e.redirecting) return;
      // A wrong current password is 422 with fields.old.
      if (e.fields && e.fields.old) {
        showMsg(err, e.fields.old, 'error');
        byId('pw-old').select();
      } else {
        showMsg(err, errText(e, { new: '新密码 new password' }), 'error');
      }
    }).then(function () { btn.disabled = false; });
  });
}
