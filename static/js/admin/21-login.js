/* The sign-in page. */

// safeNext is next when the browser itself reads it as a path on this
// site, else /admin. Browsers drop tabs and line breaks inside a URL and
// take a backslash for a slash, so '/\t/evil.example' means
// '//evil.example', another host: anything with those, a space, a scheme
// or a host is refused, and what is left must resolve to this origin.
function safeNext(next) {
  var home = '/admin';
  if (!next || next.charAt(0) !== '/' || next.charAt(1) === '/' || /[\s\\\u0000-\u001f\u007f]/.test(next)) return home;
  var u;
  try {
    u = new URL(next, location.href);
  } catch (e) {
    return home;
  }
  if (u.origin !== location.origin || u.pathname.charAt(0) !== '/' || u.pathname.charAt(1) === '/') return home;
  return u.pathname + u.search + u.hash;
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
    api('POST', '/api/v1/admin/login', { name: name, password: pw }, { noRedirect: true }).then(function (me) {
      var dest = safeNext(body.getAttribute('data-next'));
      // An interviewer may open the telephone console only.
      if (me && me.role === 'interviewer' && dest.indexOf('/cati') !== 0) dest = '/cati';
      location.href = dest;
    }, function (e) {
      showMsg(err, e.message, 'error');
      btn.disabled = false;
      byId('login-password').select();
    });
  });
}
