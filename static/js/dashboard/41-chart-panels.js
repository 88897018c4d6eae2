/* The charts of the page: areas, the timeline, the breakdowns. */

function chartHeight(el, rowsN, fs, extra) {
  const h = Math.round(rowsN * Math.max(28, fs * 1.9) + extra);
  if (el.style.height !== h + 'px') el.style.height = h + 'px';
}

function renderAreaChart(areas) {
  const el = byId('area-chart');
  const rate = view === 'rate';
  const fs = fontBase();
  el.setAttribute('data-view', view);
  chartHeight(el, areas.length, fs, fs * 5);
  const c = chart('areas', el);
  if (!c) return;
  const items = areas.map(function (a) {
    return {
      name: a.name || a.code,
      value: rate ? (isNum(a.rate) ? a.rate * 100 : null) : a.index,
      ci: rate ? (okCI(a.rate_ci95) ? [a.rate_ci95[0] * 100, a.rate_ci95[1] * 100] : null) : a.ci95,
      low: !!a.low_sample,
      dk: a.dont_know_rate,
      tip: [
        tr('index') + ' ' + fmtIndex(a.index) + '（' + tr('ci') + ' ' + fmtCI(a.ci95) + '）',
        tr('rate') + ' ' + fmtPct(a.rate) + '（' + fmtRateCI(a.rate_ci95) + '）',
        tr('dk') + ' ' + fmtPct(a.dont_know_rate),
        tr('n') + ' ' + fmtCount(a.n) + (a.low_sample ? ' · ' + tr('tooFew') : '')
      ]
    };
  });
  c.setOption(hbars(items, { dk: true, pct: rate, width: el.clientWidth, axis: rate ? tr('rateAxis') : tr('indexAxis') }), { replaceMerge: ['series', 'xAxis', 'yAxis', 'grid'] });
  c.resize();
}

function renderTimeline(timeline, asOf) {
  const el = byId('timeline-chart');
  const c = chart('timeline', el);
  if (!c) return;
  const fs = fontBase();
  const end = Math.floor((isFinite(asOf) ? asOf : Date.now()) / HOUR) * HOUR + HOUR;
  const from = end - TIMELINE_SPAN;
  const hours = timeline.map(function (h) { return [Date.parse(h.hour), h.responses]; })
    .filter(function (h) { return isFinite(h[0]) && h[0] >= from; });
  const start = hours.length ? Math.min(hours[0][0], end - 6 * HOUR) : end - 6 * HOUR;
  el.setAttribute('data-hours', String(hours.length));
  c.setOption({
    animation: false,
    textStyle: textStyle(fs),
    grid: { left: 8, right: Math.round(fs), top: Math.round(fs * 1.2), bottom: 8, containLabel: true },
    xAxis: {
      type: 'time',
      min: start,
      max: end,
      axisLabel: { fontSize: Math.round(fs * 0.75), color: C.muted, hideOverlap: true },
      splitLine: { show: false }
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { fontSize: Math.round(fs * 0.75), color: C.muted },
      splitLine: { lineStyle: { color: C.grid } }
    },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: function (p) {
        const d = new Date(p.value[0]);
        return tooltipBox((d.getMonth() + 1) + '/' + d.getDate() + ' ' + pad(d.getHours()) + ':00–' + pad(d.getHours() + 1 === 24 ? 0 : d.getHours() + 1) + ':00',
          [fmtCount(p.value[2]) + ' ' + tr('responses')]);
      }
    },
    series: [{
      type: 'custom',
      encode: { x: [0, 1], y: 2 },
      data: hours.map(function (h) { return [h[0], h[0] + HOUR, h[1]]; }),
      renderItem: function (params, api) {
        const p0 = api.coord([api.value(0), api.value(2)]);
        const p1 = api.coord([api.value(1), 0]);
        const gap = Math.min(2, (p1[0] - p0[0]) * 0.15);
        return {
          type: 'rect',
          shape: { x: p0[0] + gap, y: p0[1], width: Math.max(1, p1[0] - p0[0] - 2 * gap), height: p1[1] - p0[1] },
          style: { fill: C.bar }
        };
      }
    }]
  }, { notMerge: true });
}

function renderBreakdowns() {
  BREAKDOWNS.forEach(renderBreakdown);
}

function renderBreakdown(role) {
  const box = byId('by-' + role);
  const body = byBody[role];
  box.hidden = body === null;
  byId('breakdowns').hidden = BREAKDOWNS.every(function (r) { return byBody[r] === null; });
  if (!body || !body.breakdown) return;
  const cells = body.breakdown.cells || [];
  box.setAttribute('data-cells', String(cells.length));
  // The figures as a table for screen readers and tests.
  let table = box.querySelector('table');
  if (!table) {
    const wrap = make('div', 'sr-only');
    table = make('table');
    wrap.appendChild(table);
    box.appendChild(wrap);
  }
  table.textContent = '';
  cells.forEach(function (cell) {
    const o = cell.overall || {};
    const row = make('tr');
    row.setAttribute('data-cell', cell.code);
    row.setAttribute('data-index', isNum(o.index) ? String(o.index) : '');
    row.appendChild(make('th', null, cell.label || cell.code));
    row.appendChild(make('td', null, tr('compositeIndex') + ' ' + fmtIndex(o.index) + ' (' + fmtCI(o.ci95) + ')'));
    row.appendChild(make('td', null, 'n ' + fmtCount(o.n)));
    table.appendChild(row);
  });
  const el = box.querySelector('.chart');
  const fs = fontBase();
  chartHeight(el, cells.length, fs, fs * 5);
  const c = chart('by-' + role, el);
  if (!c) return;
  const items = cells.map(function (cell) {
    const o = cell.overall || {};
    return {
      name: cell.label || cell.code,
      right: 'n=' + fmtCount(o.n),
      value: o.index,
      ci: o.ci95,
      low: !!o.low_sample,
      tip: [
        tr('compositeIndex') + ' ' + fmtIndex(o.index) + '（' + tr('ci') + ' ' + fmtCI(o.ci95) + '）',
        tr('n') + ' ' + fmtCount(o.n) + (o.low_sample ? ' · ' + tr('tooFew') : '')
      ]
    };
  });
  c.setOption(hbars(items, { dk: false, right: true, width: el.clientWidth, axis: tr('compositeIndex'), labelWidth: fs * 7 }), { replaceMerge: ['series', 'xAxis', 'yAxis', 'grid'] });
  c.resize();
}
