/* The dashboard's texts in Chinese and English, the language switch, the status line. */

// Strings built by the script; the page's own texts carry data-en.
const T = {
  connecting: ['连接中…', 'Connecting…'],
  live: ['实时', 'Live'],
  reconnecting: ['重新连接中…', 'Reconnecting…'],
  denied: ['无权查看', 'No access'],
  gone: ['调查不存在', 'No such survey'],
  loadError: ['暂时无法读取结果，正在重试；显示的是上次收到的数据。', 'Results could not be loaded; retrying. The figures shown are the last received.'],
  forbidden: ['无权查看本调查结果：请登录，或使用有效的分享链接。', 'You may not see these results: sign in, or open a valid share link.'],
  notFound: ['找不到这个调查的结果。', 'There are no results for this survey.'],
  notReady: ['加权数据准备中（正在把已有回答计入加权分组），稍后自动显示。', 'Weighted figures are being prepared (earlier responses are being counted); they will show shortly.'],
  included: ['已计入以下结果', 'included in the figures'],
  excluded: ['已从以下结果中剔除', 'left out of the figures'],
  tooFew: ['样本不足', 'Too few'],
  tooFewTitle: ['有效样本少于{n}', 'fewer than {n} valid answers'],
  unranked: ['未排名', 'unranked'],
  unrankedTitle: ['有效样本不足{n}，不排名', 'fewer than {n} answers: not ranked'],
  index: ['满意度指数', 'Index'],
  compositeIndex: ['综合指数', 'Composite index'],
  rate: ['满意率', 'Satisfied rate'],
  dis: ['不满意率', 'Dissatisfied'],
  dk: ['不了解率', "Don't know"],
  ci: ['95% 区间', '95% interval'],
  n: ['有效样本', 'Valid n'],
  responses: ['份', 'responses'],
  dkAxis: ['不了解率 %', "Don't know %"],
  indexAxis: ['指数', 'Index'],
  rateAxis: ['满意率 %', 'Satisfied %'],
  hours: ['时', 'h'],
  lastDays: ['最近7天', 'last 7 days'],
  vsYear: ['较{y}年', 'vs. {y}'],
  vsPrev: ['较上年', 'vs. previous year'],
  noWeightedPrev: ['上年没有加权结果，加权时不作比较', 'Last year has no weighted figures: no comparison when weighted'],
  reasons: {
    speeder: ['作答过快', 'Answered too fast'],
    straight_liner: ['所有题同一选项', 'Same level on every item'],
    shared_address: ['同一网络地址多份', 'Many from one address'],
    no_timing: ['无作答时间', 'No timing'],
    many_phones: ['同一来源填写多个号码', 'Many numbers from one source']
  },
  weighting: ['加权：按{v}迭代调整（raking）{i}次，{c}；与目标分布最大相差{e}；{t}人权重被截尾（{lo}–{hi}倍平均权重）；有效样本 n_eff {n}。分组结果未加权。',
    'Weighted: raked to {v} in {i} iterations, {c}; largest gap to the targets {e}; {t} weights trimmed to {lo}–{hi}× the mean; effective n {n}. Group results are unweighted.'],
  converged: ['已收敛', 'converged'],
  notConverged: ['未收敛', 'not converged'],
  notConvergedWarn: ['注意：加权未收敛，加权结果与人口边际仍有差距，请谨慎使用。', 'Caution: the weighting did not converge; the weighted figures still miss the population margins.'],
  vars: { town: ['镇街', 'town'], age: ['年龄段', 'age band'], gender: ['性别', 'gender'] }
};

function tr(k) { const v = T[k]; return v ? v[lang === 'en' ? 1 : 0] : k; }
function pick(pair) { return pair ? pair[lang === 'en' ? 1 : 0] : ''; }
function fill(s, vars) { return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; }); }

function pickLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'zh') return q;
  try {
    const s = localStorage.getItem(LANG_KEY);
    if (s === 'en' || s === 'zh') return s;
  } catch (e) { /* storage off: Chinese */ }
  return 'zh';
}

// applyLang swaps every text of the page that has an English twin, then
// renders the figures again in that language.
function applyLang() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  each(document.querySelectorAll('[data-en]'), function (el) {
    if (el.getAttribute('data-zh') === null) el.setAttribute('data-zh', el.textContent);
    el.textContent = el.getAttribute(lang === 'en' ? 'data-en' : 'data-zh');
  });
  each(document.querySelectorAll('[data-en-label]'), function (el) {
    if (el.getAttribute('data-zh-label') === null) el.setAttribute('data-zh-label', el.getAttribute('aria-label') || '');
    el.setAttribute('aria-label', el.getAttribute(lang === 'en' ? 'data-en-label' : 'data-zh-label'));
  });
  const b = byId('lang');
  b.textContent = lang === 'en' ? '中文' : 'English';
  b.lang = lang === 'en' ? 'zh-CN' : 'en';
  b.setAttribute('aria-label', lang === 'en' ? '切换到中文' : 'Switch to English');
  setTitle(last && last.title);
  setConn(connState);
  if (last) render(last, true);
  renderBreakdowns();
}

function setTitle(fromBody) {
  const zh = fromBody || TITLE;
  const shown = lang === 'en' && TITLE_EN ? TITLE_EN : zh;
  setText(byId('title'), shown);
  document.title = shown + (lang === 'en' ? ' · Live results' : ' · 实时结果');
}

// ----- connection state -----

// setConn shows the connection state: connecting, live, reconnecting,
// denied or gone.
function setConn(state) {
  connState = state;
  byId('conn').className = 'conn conn-' + state;
  setText(byId('conn-text'), tr(state));
  root.classList.toggle('stale', state === 'reconnecting');
}

function showError(key) {
  const el = byId('load-error');
  if (!key) {
    el.hidden = true;
    return;
  }
  el.setAttribute('data-key', key);
  setText(el, tr(key));
  el.hidden = false;
}
