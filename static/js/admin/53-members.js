/* The designer's members panel: who may see and change this survey. */

// initMembers runs the members panel, shown to the survey's owner and to
// admins only: the owner, the collaborators and readers, a form to add one
// by user name, and per member a role to change and a button to remove.
// Every change sends the whole list (PUT .../members), so the page always
// shows what the server kept.
function initMembers(base) {
  var panel = byId('sec-members');
  if (!panel) return {};
  var rows = byId('m-rows');
  var errEl = byId('m-error');
  var members = []; // [{user_id, name, role, user_role, disabled}]
  var busy = false;
  var roleNames = {
    collaborator: ['协作者', 'collaborator'], reader: ['查看者', 'reader'],
    admin: ['管理员', 'admin'], designer: ['设计员', 'designer'], viewer: ['查看员', 'viewer']
  };

  function roleText(role) {
    var r = roleNames[role];
    return r ? bi('span', '', r[0], r[1]) : make('span', '', role);
  }

  function roleSelect(m) {
    var sel = make('select', 'm-role-select');
    sel.setAttribute('aria-label', '角色 Role: ' + m.name);
    sel.setAttribute('data-member', String(m.user_id));
    ['collaborator', 'reader'].forEach(function (r) {
      var o = make('option', '', roleNames[r][0] + ' ' + roleNames[r][1]);
      o.value = r;
      // A viewer account can only read.
      if (r === 'collaborator' && m.user_role === 'viewer' && m.role !== r) o.disabled = true;
      sel.appendChild(o);
    });
    sel.value = m.role;
    return sel;
  }

  function row(m) {
    var tr = make('tr');
    tr.setAttribute('data-member', String(m.user_id));
    var th = make('th', 'mono');
    th.scope = 'row';
    th.textContent = m.name;
    if (m.disabled) th.appendChild(bi('span', 'badge badge-closed', '已停用', 'disabled'));
    tr.appendChild(th);
    var acct = make('td', 'small');
    acct.appendChild(roleText(m.user_role));
    tr.appendChild(acct);
    var role = make('td');
    role.appendChild(roleSelect(m));
    tr.appendChild(role);
    var act = make('td');
    var b = bi('button', 'btn small danger', '移除', 'Remove');
    b.type = 'button';
    b.setAttribute('data-remove', String(m.user_id));
    b.title = '移除这位成员 remove this member';
    act.appendChild(b);
    tr.appendChild(act);
    return tr;
  }

  function show(r) {
    byId('m-owner').textContent = r.owner ? r.owner.name : '（无，仅管理员） none: admins only';
    members = r.members || [];
    clear(rows);
    members.forEach(function (m) { rows.appendChild(row(m)); });
    byId('m-loading').hidden = true;
    byId('m-list').hidden = !members.length;
    byId('m-empty').hidden = members.length > 0;
  }

  function fail(e) {
    if (e.redirecting) return;
    byId('m-loading').hidden = true;
    var names = {};
    members.forEach(function (m, i) { names['members.' + i] = m.name; });
    showMsg(errEl, errText(e, names), 'error');
  }

  function load() {
    return api('GET', base + '/members').then(function (r) {
      show(r);
      showMsg(errEl, '');
    }, fail);
  }

  // save sends list as the survey's whole member list.
  function save(list, done) {
    if (busy) return;
    busy = true;
    var sent = list.map(function (m) { return m.user_id ? { user_id: m.user_id, role: m.role } : { name: m.name, role: m.role }; });
    // Name the entries of an error after what was sent.
    var names = {};
    list.forEach(function (m, i) { names['members.' + i] = m.name; });
    api('PUT', base + '/members', { members: sent }).then(function (r) {
      show(r);
      showMsg(errEl, '');
      if (done) done();
      toast('成员已保存 members saved');
    }, function (e) {
      if (e.redirecting) return;
      showMsg(errEl, errText(e, names), 'error');
      // Back to what the server has, keeping the message.
      api('GET', base + '/members').then(show, function () {});
    }).then(function () { busy = false; });
  }

  byId('m-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = byId('m-name').value.trim();
    if (!name) {
      showMsg(errEl, '请填写用户名 enter a user name', 'error');
      return;
    }
    var list = members.slice();
    list.push({ name: name, role: byId('m-role').value });
    save(list, function () { byId('m-name').value = ''; });
  });

  rows.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button[data-remove]') : null;
    if (!b) return;
    var id = b.getAttribute('data-remove');
    var m = members.filter(function (x) { return String(x.user_id) === id; })[0];
    if (!m) return;
    confirmDialog('移除成员 Remove member', m.name + ' 将不能再访问这份问卷。 ' + m.name + ' will no longer reach this survey.', '移除 Remove').then(function (ok) {
      if (ok) save(members.filter(function (x) { return x !== m; }));
    });
  });

  rows.addEventListener('change', function (ev) {
    var sel = ev.target;
    if (!sel.getAttribute || !sel.getAttribute('data-member')) return;
    var id = sel.getAttribute('data-member');
    save(members.map(function (x) {
      return String(x.user_id) === id ? { user_id: x.user_id, name: x.name, role: sel.value } : x;
    }));
  });

  load();
  return {};
}
