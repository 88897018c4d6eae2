/* Campaigns: sample progress per unit, rankings within each category,
   notices (通报), and on a unit's page where the unit stands. */

// categoryNames maps a category code to its name, from the notices (one
// per category, in the definition's order); categoryOrder keeps that order.
let categoryNames = {};
let categoryOrder = [];

function renderCampaign(res) {
  categoryNames = {};
  categoryOrder = [];
  (res.notices || []).forEach(function (n) {
    categoryNames[n.category] = n.name;
    categoryOrder.push(n.category);
  });
  renderProgress(res.units);
  renderNotices(res.notices);
  renderUnitRanking(res.ranking);
}

function unitLink(u) {
  const a = make('a', 'unit-link', u.name || u.code);
  a.href = '/d/' + encodeURIComponent(pageData.slug) + '/u/' + encodeURIComponent(u.code) + keyQuery();
  return a;
}

// keyQuery is the share key of the address, for links to other pages.
function keyQuery() {
  const key = new URLSearchParams(location.search).get('key');
  return key ? '?key=' + encodeURIComponent(key) : '';
}

function renderProgress(units) {
  const withTarget = (units || []).filter(function (u) { return isNum(u.target) && u.target > 0; });
  byId('progress-panel').hidden = withTarget.length === 0;
  if (!withTarget.length) return;
  const sorted = withTarget.slice().sort(function (a, b) {
    return (b.target - b.completed) - (a.target - a.completed) || a.completed / a.target - b.completed / b.target;
  });
  const frag = document.createDocumentFragment();
  sorted.forEach(function (u) {
    const row = make('tr');
    row.setAttribute('data-unit', u.code);
    row.setAttribute('data-completed', String(u.completed));
    const name = make('th', 'name');
    name.scope = 'row';
    name.appendChild(unitLink(u));
    row.appendChild(name);
    row.appendChild(make('td', '', categoryNames[u.category] || u.category || DASH));
    row.appendChild(make('td', 'fig', fmtCount(u.completed) + ' / ' + fmtCount(u.target)));
    const cell = make('td', 'progress-cell');
    const track = make('span', 'track');
    const bar = make('span', 'fill');
    bar.style.width = Math.min(100, 100 * (u.progress || 0)).toFixed(1) + '%';
    track.appendChild(bar);
    cell.appendChild(track);
    cell.appendChild(make('b', 'count', fmtPct(u.progress)));
    row.appendChild(cell);
    row.appendChild(make('td', 'fig shortfall', fmtCount(Math.max(0, u.target - u.completed))));
    frag.appendChild(row);
  });
  const body = byId('progress-rows');
  body.textContent = '';
  body.appendChild(frag);
}

const NOTICE_REASONS = {
  bottom: ['末位', 'bottom'],
  below: ['低于阈值', 'below the threshold'],
  bottom_again: ['连续两年末位', 'bottom last year too']
};

function renderNotices(notices) {
  const panel = byId('notices-panel');
  panel.hidden = !notices || notices.length === 0;
  if (panel.hidden) return;
  const list = byId('notice-list');
  const frag = document.createDocumentFragment();
  notices.forEach(function (n) {
    const box = make('div', 'notice-cat');
    box.setAttribute('data-category', n.category);
    box.appendChild(make('h3', '', n.name || n.category));
    if (!n.units.length) box.appendChild(make('p', 'fine', lang === 'en' ? 'No unit named (too few ranked units).' : '暂无（排名单位不足）。'));
    const ul = make('ul', 'notice-units');
    n.units.forEach(function (u) {
      const li = make('li');
      li.setAttribute('data-unit', u.code);
      li.appendChild(unitLink(u));
      li.appendChild(document.createTextNode(' ' + fmtIndex(u.index) + ' · ' + (u.reasons || []).map(function (r) { return NOTICE_REASONS[r] ? pick(NOTICE_REASONS[r]) : r; }).join(lang === 'en' ? ', ' : '、')));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    frag.appendChild(box);
  });
  list.textContent = '';
  list.appendChild(frag);
  const first = notices[0];
  setText(byId('notice-rule'), lang === 'en' ?
    'Named: the bottom ' + first.bottom + ' ranked units of each category' + (first.below ? ', and any under ' + first.below : '') + '; unranked units (fewer than 100 answers) are not named.' :
    '通报各类别排名末' + first.bottom + '位的单位' + (first.below ? '及综合指数低于' + first.below + '的单位' : '') + '；样本不足100未排名的单位不通报。');
}

function renderUnitRanking(r) {
  const card = byId('unit-rank');
  card.hidden = !r;
  if (!r) return;
  setText(byId('unit-rank-v'), isNum(r.rank) ? (r.tied ? '=' : '') + r.rank + ' / ' + r.of : tr('unranked'));
  const rr = r.rank_range;
  setText(byId('unit-rank-range'), rr && rr.length === 2 ? (rr[0] === rr[1] ? String(rr[0]) : rr[0] + '–' + rr[1]) : DASH);
  setText(byId('unit-category'), r.category_name || r.category || '');
  setText(byId('unit-progress'), fmtCount(r.completed) + (r.target ? ' / ' + fmtCount(r.target) + ' (' + fmtPct(r.progress) + ')' : ''));
  const note = byId('unit-notice');
  note.hidden = !r.notice || !r.notice.length;
  if (!note.hidden) {
    setText(note, (lang === 'en' ? 'Named in the notice: ' : '列入通报：') + r.notice.map(function (x) { return NOTICE_REASONS[x] ? pick(NOTICE_REASONS[x]) : x; }).join(lang === 'en' ? ', ' : '、'));
  }
}
