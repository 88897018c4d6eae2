/* The sign-in page. */

function safeNext(next) {
  if (!next || next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === '\\') return '/admin';
  return next;
}

function initLogin() {
  var form = byId('login-form');
  var err = byId('login-error');
  var btn = byId('login-submit');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = byId('login-name').value.trim();
    var pw = byId('login-password').value;
    if (!name || !pw) {
      showMsg(err, '请输入用户名和密码 enter your name and password', 'error');
      return;
    }
    showMsg(err, '');
    btn.disabled = true;
    api('POST', '/api/v1/admin/login', { name: name, password: pw }, { noRedirect: true }).then(function () {
      location.href = safeNext(body.getAttribute('data-next'));
    }, function (e) {
      showMsg(err, e.message, 'error');
      btn.disabled = false;
      byId('login-password').select();
    });
  });
}
