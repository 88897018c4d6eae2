/* ECharts options: horizontal bars with interval whiskers, tooltips as DOM. */

function fontBase() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

function chart(key, el) {
  if (!window.echarts || !el) return null;
  let c = charts[key];
  if (c && c.getDom() === el) return c;
  c = window.echarts.init(el, null, { renderer: 'canvas' });
  charts[key] = c;
  if (window.ResizeObserver) new ResizeObserver(function () { c.resize({ animation: { duration: 0 } }); }).observe(el);
  return c;
}

function textStyle(fs) {
  return { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: fs, color: C.text };
}

// whiskers draws a row's 95% interval (a line with end caps) and its
// value as text just past the interval, so that nothing overlaps the bar.
function whiskers(fs, pct) {
  return function (params, api) {
    const lo = api.value(0);
    const hi = api.value(1);
    const cat = api.value(2);
    const v = api.value(3);
    const low = api.value(4) === 1;
    if (!isFinite(v)) return null;
    const children = [];
    const mid = api.coord([v, cat]);
    let right = mid[0];
    if (isFinite(lo) && isFinite(hi)) {
      const a = api.coord([lo, cat]);
      const b = api.coord([hi, cat]);
      const cap = Math.max(6, api.size([0, 1])[1] * 0.4);
      const style = { stroke: C.whisker, lineWidth: 2 };
      children.push(
        { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
        { type: 'line', shape: { x1: a[0], y1: a[1] - cap / 2, x2: a[0], y2: a[1] + cap / 2 }, style: style },
        { type: 'line', shape: { x1: b[0], y1: b[1] - cap / 2, x2: b[0], y2: b[1] + cap / 2 }, style: style });
      right = Math.max(right, b[0]);
    }
    children.push({
      type: 'text',
      x: right + fs * 0.35,
      y: mid[1],
      style: {
        text: v.toFixed(1) + (pct ? '%' : ''),
        fill: low ? C.lowText : C.text,
        fontSize: Math.round(fs * 0.95),
        fontWeight: 'bold',
        fontFamily: getComputedStyle(document.body).fontFamily,
        align: 'left',
        verticalAlign: 'middle'
      }
    });
    return { type: 'group', children: children };
  };
}

// tooltipBox builds a tooltip as DOM (ECharts would set a string as HTML).
function tooltipBox(title, lines) {
  const box = make('div', 'tip');
  box.appendChild(make('b', null, title));
  lines.forEach(function (l) { if (l) box.appendChild(make('div', null, l)); });
  return box;
}

// hbars is the option of a horizontal bar chart with interval whiskers:
// items [{name, value, ci: [lo, hi], low, dk, right, tip: [lines]}],
// values 0-100. With opts.dk the don't-know rates are markers in a narrow
// panel of their own on the right; with opts.right each row has a second
// label (the sample size) at the far right.
function hbars(items, opts) {
  const fs = fontBase();
  const small = Math.round(fs * 0.8);
  const narrow = document.documentElement.clientWidth < 700;
  const valueRoom = Math.round(fs * (opts.pct ? 3.6 : 2.9)); // the text past the whisker
  const dkWidth = Math.round(opts.width * (narrow ? 0.24 : 0.18)); // the DK panel
  const grids = [{
    id: 'g0',
    left: 8,
    right: opts.dk ? dkWidth + valueRoom : (opts.right ? 8 : valueRoom),
    top: Math.round(fs * 0.5),
    bottom: Math.round(fs * 1.9), // the axis name; containLabel leaves room for the labels only
    containLabel: true
  }];
  const xAxis = [{
    id: 'x',
    type: 'value',
    min: 0,
    max: 100,
    name: opts.axis,
    nameLocation: 'middle',
    nameGap: Math.round(fs * 1.6),
    nameTextStyle: { fontSize: small, color: C.muted },
    axisLabel: { fontSize: small, color: C.muted },
    splitLine: { lineStyle: { color: C.grid } }
  }];
  const yAxis = [{
    id: 'y',
    type: 'category',
    inverse: true,
    data: items.map(function (it) { return { value: it.name, textStyle: { color: it.low ? C.lowText : C.text } }; }),
    axisTick: { show: false },
    axisLine: { lineStyle: { color: C.muted } },
    axisLabel: { fontSize: Math.round(fs * 0.95), width: opts.labelWidth || fs * 9, overflow: 'truncate' }
  }];
  const series = [
    {
      type: 'bar',
      id: 'value',
      barCategoryGap: '32%',
      data: items.map(function (it) {
        return { value: isNum(it.value) ? it.value : '-', itemStyle: { color: it.low ? C.low : C.bar } };
      }),
      animationDurationUpdate: 500
    },
    {
      type: 'custom',
      id: 'ci',
      renderItem: whiskers(fs, opts.pct),
      encode: { x: [0, 1, 3], y: 2 },
      data: items.map(function (it, i) {
        const ci = okCI(it.ci) ? it.ci : ['-', '-'];
        return [ci[0], ci[1], i, isNum(it.value) ? it.value : '-', it.low ? 1 : 0];
      }),
      z: 3,
      silent: true,
      animationDurationUpdate: 500
    }
  ];
  if (opts.right) { // a second label per row on the right: the sample size
    yAxis.push({
      id: 'n',
      type: 'category',
      inverse: true,
      position: 'right',
      data: items.map(function (it) { return { value: it.right, textStyle: { color: it.low ? C.lowText : C.muted } }; }),
      axisTick: { show: false },
      axisLine: { show: false },
      axisLabel: { fontSize: small, margin: valueRoom + Math.round(fs * 0.5) }
    });
  }
  if (opts.dk) {
    let top = 20; // the DK axis runs to the next 20% above the largest rate
    items.forEach(function (it) { if (isNum(it.dk)) top = Math.max(top, Math.ceil(it.dk * 5 - 1e-9) * 20); });
    grids.push({ id: 'g1', left: opts.width - dkWidth + Math.round(fs * 0.6), right: Math.round(fs * (narrow ? 0.8 : 2.2)), top: grids[0].top, bottom: grids[0].bottom, containLabel: true });
    xAxis.push({
      id: 'dk',
      type: 'value',
      gridIndex: 1,
      min: 0,
      max: Math.min(100, top),
      interval: Math.min(100, top) / 2,
      name: tr('dkAxis'),
      nameLocation: 'middle',
      nameGap: Math.round(fs * 1.6),
      nameTextStyle: { fontSize: small, color: C.dk },
      axisLabel: { fontSize: small, color: C.dk },
      splitLine: { lineStyle: { color: C.grid } }
    });
    yAxis.push({
      id: 'dky',
      type: 'category',
      gridIndex: 1,
      inverse: true,
      data: items.map(function (it) { return it.name; }),
      axisTick: { show: false },
      axisLabel: { show: false },
      axisLine: { lineStyle: { color: C.dk } }
    });
    series.push({
      type: 'scatter',
      id: 'dk',
      xAxisIndex: 1,
      yAxisIndex: 1,
      symbol: 'diamond',
      symbolSize: Math.round(fs * 0.85),
      itemStyle: { color: C.dk },
      label: {
        show: !narrow,
        position: 'right',
        color: C.dk,
        fontSize: small,
        formatter: function (p) { return isNum(p.value[0]) ? p.value[0].toFixed(0) + '%' : ''; }
      },
      z: 4,
      data: items.map(function (it, i) { return [isNum(it.dk) ? it.dk * 100 : '-', i]; })
    });
  }
  return {
    animationDuration: 400,
    textStyle: textStyle(fs),
    grid: grids,
    xAxis: xAxis,
    yAxis: yAxis,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      textStyle: { fontSize: Math.round(fs * 0.85) },
      formatter: function (ps) {
        const it = items[ps[0].dataIndex];
        return it ? tooltipBox(it.name, it.tip) : '';
      }
    },
    series: series
  };
}
