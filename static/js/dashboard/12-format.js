/* Figures as the dashboard shows them. */

function isNum(v) { return typeof v === 'number' && isFinite(v); }
function fmtIndex(v) { return isNum(v) ? v.toFixed(1) : DASH; }
function fmtPct(v) { return isNum(v) ? (v * 100).toFixed(1) + '%' : DASH; }
function fmtCount(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH; }
function okCI(ci) { return !!ci && ci.length === 2 && isNum(ci[0]) && isNum(ci[1]); }
function fmtCI(ci) { return okCI(ci) ? ci[0].toFixed(1) + '–' + ci[1].toFixed(1) : DASH; }
function fmtRateCI(ci) { return okCI(ci) ? (ci[0] * 100).toFixed(1) + '–' + (ci[1] * 100).toFixed(1) + '%' : DASH; }

function setText(el, s) {
  if (el && el.textContent !== s) el.textContent = s;
}

function tagEl() {
  const t = make('span', 'tag', tr('tooFew'));
  t.title = fill(tr('tooFewTitle'), { n: limits.low_sample });
  return t;
}

function fmtDelta(d, se) {
  if (!isNum(d)) return { text: DASH, cls: '' };
  const half = isNum(se) ? 1.96 * se : null;
  const sig = half !== null && Math.abs(d) > half;
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  let text = sign + Math.abs(d).toFixed(1) + (half !== null ? ' ± ' + half.toFixed(1) : '');
  if (sig) text = (d > 0 ? '▲ ' : '▼ ') + text;
  return { text: text, cls: sig ? (d > 0 ? 'up' : 'down') : '' };
}

function yearLabel(prev) {
  return prev && prev.year ? fill(tr('vsYear'), { y: prev.year }) : tr('vsPrev');
}
