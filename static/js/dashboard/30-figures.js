/* The headline figures of a results body. */

// render shows a results body; again is true when only the language changed.
function render(res, again) {
  if (!res || typeof res !== 'object') return;
  last = res;
  if (!again) lastAt = Date.now();
  setTitle(res.title);
  const wt = !!res.weighting;
  if (!wt) {
    hasUnits = !!(res.units && res.units.length);
    hasPrevious = !!res.previous;
  }

  setText(byId('responses'), fmtCount(res.responses));
  setText(byId('flagged'), fmtCount(res.flagged));
  setText(byId('flagged-state'), res.flagged > 0 ? '（' + tr(res.includes_flagged ? 'included' : 'excluded') + '）' : '');
  each(document.querySelectorAll('.sample-note'), function (el) { el.hidden = res.sample !== 'opt-in'; });
  if (res.limits) limits = res.limits;
  const asOf = Date.parse(res.as_of);
  setText(byId('updated'), clock(isFinite(asOf) ? new Date(asOf) : new Date()));
  renderPerHour();

  const o = res.overall || {};
  setText(byId('overall-index'), fmtIndex(o.index));
  setText(byId('overall-ci'), fmtCI(o.ci95));
  setText(byId('overall-n'), fmtCount(o.n));
  byId('overall-neff').hidden = !(wt && isNum(o.n_eff));
  setText(byId('overall-neff-v'), isNum(o.n_eff) ? o.n_eff.toFixed(1) : DASH);
  lowCard('overall', o.low_sample);
  byId('overall').setAttribute('data-index', isNum(o.index) ? String(o.index) : '');
  renderOverallDelta(res.previous, wt);

  const q = res.overall_question;
  byId('oq').hidden = !q;
  if (q) {
    setText(byId('oq-index'), fmtIndex(q.index));
    setText(byId('oq-ci'), fmtCI(q.ci95));
    setText(byId('oq-rate'), fmtPct(q.rate));
    setText(byId('oq-rate-ci'), fmtRateCI(q.rate_ci95));
    setText(byId('oq-n'), fmtCount(q.n) + (wt && isNum(q.n_eff) ? ' · n_eff ' + q.n_eff.toFixed(1) : ''));
    lowCard('oq', q.low_sample);
  }

  renderAreaRows(res.areas || [], res.previous, wt);
  renderAreaChart(res.areas || []);
  renderTimeline(res.timeline || [], asOf);
  renderQuality(res.quality, res.flagged);
  renderCampaign(res);
  renderUnits(res.units, wt);
  renderWeighting(res.weighting);
  byId('by-unweighted').hidden = !wt;
}

function lowCard(id, low) {
  const card = byId(id);
  card.classList.toggle('low', !!low);
  card.querySelector('.tag').hidden = !low;
}

// renderPerHour estimates responses in the last 60 minutes: this hour so
// far plus the previous hour's count times the share of this hour still
// to come (as if that hour's responses were spread evenly). The clock is
// the server's as_of moved on by the time since the body arrived.
function renderPerHour() {
  const res = last;
  if (!res) return;
  const asOf = Date.parse(res.as_of);
  if (!isFinite(asOf)) {
    setText(byId('per-hour'), DASH);
    return;
  }
  const now = asOf + Math.max(0, Date.now() - lastAt);
  const h0 = Math.floor(now / HOUR) * HOUR;
  let c0 = 0;
  let c1 = 0;
  (res.timeline || []).forEach(function (h) {
    const t = Date.parse(h.hour);
    if (t === h0) c0 = h.responses;
    if (t === h0 - HOUR) c1 = h.responses;
  });
  const rate = c0 + c1 * (1 - (now - h0) / HOUR);
  setText(byId('per-hour'), fmtCount(rate));
  byId('per-hour').setAttribute('data-rate', rate.toFixed(2));
}

function renderOverallDelta(prev, wt) {
  const el = byId('overall-delta');
  const f = prev && prev.overall;
  if (wt && !prev && hasPrevious) {
    el.hidden = false;
    el.className = 'sub delta none';
    setText(el, tr('noWeightedPrev'));
    return;
  }
  el.hidden = !f || !isNum(f.delta);
  if (el.hidden) return;
  const d = fmtDelta(f.delta, f.delta_se);
  setText(el, yearLabel(prev) + ' ' + d.text);
  el.className = 'sub delta ' + d.cls;
}
