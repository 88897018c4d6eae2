/* The printable invitation sheet: the batch the designer kept in sessionStorage, twelve cards a page. */

function initSheet() {
  var data = null;
  try {
    data = JSON.parse(sessionStorage.getItem('minyi:tokens:' + SURVEY) || 'null');
  } catch (e) {
    data = null;
  }
  if (!data || !data.tokens || !data.tokens.length) {
    byId('sheet-empty').hidden = false;
    return;
  }
  var unitNames = {};
  (data.units || []).forEach(function (u) { unitNames[u.code] = u.name; });
  var root = byId('sheets');
  var PER = 12;
  var total = data.tokens.length;
  var loaded = 0;
  var printBtn = byId('sheet-print');
  var summary = byId('sheet-summary');
  function progress() {
    summary.textContent = data.title + ' · ' + total + ' 张 cards · ' + Math.ceil(total / PER) + ' 页 pages' +
      (loaded < total ? ' · 二维码加载中 loading QR codes ' + loaded + '/' + total : '');
    printBtn.disabled = false;
  }
  var page = null;
  data.tokens.forEach(function (t, i) {
    if (i % PER === 0) {
      page = make('section', 'sheet');
      root.appendChild(page);
    }
    var card = make('article', 'card-inv');
    card.appendChild(make('h2', 'inv-title', data.title));
    var img = make('img', 'inv-qr');
    img.alt = '二维码 QR';
    img.width = 256;
    img.height = 256;
    img.addEventListener('load', function () { loaded++; progress(); });
    img.addEventListener('error', function () { loaded++; progress(); });
    img.src = qrURL(t.link, 256);
    card.appendChild(img);
    card.appendChild(bi('p', 'inv-hint', '微信扫码或打开链接参与调查', 'Scan or open the link'));
    var line = make('p', 'inv-codeline');
    line.appendChild(bi('span', 'inv-label', '邀请码', 'Code'));
    line.appendChild(document.createTextNode(' '));
    line.appendChild(make('span', 'inv-code', t.short_code));
    card.appendChild(line);
    if (t.unit) card.appendChild(make('p', 'inv-unit', unitNames[t.unit] || t.unit));
    card.appendChild(make('p', 'inv-link', t.link));
    card.appendChild(make('p', 'inv-no', '#' + (i + 1)));
    page.appendChild(card);
  });
  progress();
  printBtn.addEventListener('click', function () { window.print(); });
}
