/* The audit log, newest first, a page at a time. */

var ACTIONS = {
  login: ['登录', 'sign-in'],
  'login.failed': ['登录失败', 'failed sign-in'],
  'login.throttled': ['登录尝试过多被拒', 'sign-ins throttled'],
  logout: ['退出', 'sign-out'],
  password: ['修改密码', 'password changed'],
  'survey.create': ['新建问卷', 'survey created'],
  'survey.edit': ['保存草稿', 'draft saved'],
  'survey.publish': ['发布', 'published'],
  'survey.close': ['结束', 'closed'],
  'survey.reopen': ['重新开放', 'reopened'],
  'survey.export': ['导出', 'exported'],
  'survey.report': ['下载公报', 'report downloaded'],
  'tokens.create': ['生成邀请码', 'invitations issued'],
  'user.create': ['新建用户', 'user created'],
  'user.update': ['修改用户', 'user changed'],
  'user.unlock': ['解除登录锁定', 'sign-in lockout cleared'],
  'response.review': ['审核回答', 'response reviewed'],
  'share.create': ['新建分享链接', 'share link made'],
  'share.revoke': ['撤销分享链接', 'share link revoked'],
  'survey.weighting': ['修改加权', 'weighting changed'],
  'retention.purge': ['到期删除可识别信息', 'identifying data purged after retention']
};

function initAudit() {
  var rows = byId('audit-rows');
  var more = byId('audit-more');
  var errEl = byId('audit-error');
  var oldest = 0;
  var PAGE_SIZE = 200;

  function row(e) {
    var tr = make('tr');
    if (e.action === 'login.failed' || e.action === 'login.throttled') tr.className = 'warn-row';
    tr.appendChild(make('td', 'small nowrap', fmtTime(e.at)));
    tr.appendChild(make('td', 'mono', e.user_name || DASH));
    var a = ACTIONS[e.action];
    var ac = make('td');
    if (a) ac.appendChild(bi('span', '', a[0], a[1]));
    else ac.textContent = e.action;
    ac.title = e.action;
    tr.appendChild(ac);
    var sv = make('td');
    if (e.survey_id) {
      var link = make('a', '', '#' + e.survey_id);
      link.href = '/admin/surveys/' + e.survey_id;
      sv.appendChild(link);
    } else {
      sv.textContent = DASH;
    }
    tr.appendChild(sv);
    tr.appendChild(make('td', 'mono', e.version_id ? '#' + e.version_id : DASH));
    tr.appendChild(make('td', 'detail', e.detail || ''));
    return tr;
  }

  function load(before) {
    more.disabled = true;
    var url = '/api/v1/admin/audit' + (before ? '?before=' + before : '');
    return api('GET', url).then(function (r) {
      var list = (r && r.entries) || [];
      if (!before) clear(rows);
      list.forEach(function (e) {
        rows.appendChild(row(e));
        if (!oldest || e.id < oldest) oldest = e.id;
      });
      byId('audit-loading').hidden = true;
      byId('audit-empty').hidden = rows.children.length > 0;
      more.hidden = list.length < PAGE_SIZE;
      showMsg(errEl, '');
    }, function (e) {
      if (!e.redirecting) showMsg(errEl, e.message, 'error');
    }).then(function () { more.disabled = false; });
  }

  more.addEventListener('click', function () { load(oldest); });
  byId('audit-refresh').addEventListener('click', function () { oldest = 0; load(0); });
  load(0);
}
