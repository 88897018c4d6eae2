/* Texts of the staff pages: Chinese first with English beside, dates. */

// bi makes "中文 English" with the English part in a secondary span.
function bi(tag, cls, zh, en) {
  var el = make(tag, cls, zh);
  if (en) {
    el.appendChild(document.createTextNode(' '));
    var s = make('span', 'en', en);
    s.lang = 'en';
    el.appendChild(s);
  }
  return el;
}

function fmtTime(iso) {
  if (!iso) return DASH;
  var d = new Date(iso);
  if (isNaN(d.getTime())) return DASH;
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes());
}

var STATUS = {
  draft: ['草稿', 'Draft'],
  published: ['进行中', 'Published'],
  closed: ['已结束', 'Closed']
};
var ROLES = {
  admin: ['管理员', 'admin'],
  designer: ['设计员', 'designer'],
  viewer: ['查看者', 'viewer'],
  interviewer: ['电话访员', 'interviewer']
};

function badge(status) {
  var s = STATUS[status] || [status, ''];
  return bi('span', 'badge badge-' + status, s[0], s[1]);
}

function setBadge(el, status) {
  var s = STATUS[status] || [status, ''];
  clear(el);
  el.className = 'badge badge-' + status;
  el.appendChild(document.createTextNode(s[0] + ' '));
  var en = make('span', 'en', s[1]);
  en.lang = 'en';
  el.appendChild(en);
}

