/* Builders of the designer's bound controls and item buttons. */

// input makes a control bound to path; attrs are its attributes, with tag
// (input by default) and cls (its class).
function input(path, attrs) {
  var el = make(attrs && attrs.tag || 'input', attrs && attrs.cls);
  el.setAttribute('data-path', path);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      if (k !== 'tag' && k !== 'cls') el.setAttribute(k, attrs[k]);
    });
  }
  if (el.tagName === 'INPUT' && !el.getAttribute('type')) el.type = 'text';
  return el;
}

function select(path, options, attrs) {
  var el = input(path, Object.assign({ tag: 'select' }, attrs || {}));
  options.forEach(function (o) {
    var opt = make('option', '', o[1] + (o[2] ? ' ' + o[2] : ''));
    opt.value = o[0];
    el.appendChild(opt);
  });
  return el;
}

function field(zh, en, control, cls) {
  var l = make('label', 'field' + (cls ? ' ' + cls : ''));
  l.appendChild(bi('span', 'field-label', zh, en));
  l.appendChild(control);
  if (control.getAttribute('data-max')) l.appendChild(make('span', 'count'));
  return l;
}

function actBtn(act, list, j, zh, en, cls) {
  var b = make('button', 'btn icon ' + (cls || ''), zh);
  b.type = 'button';
  b.setAttribute('data-act', act);
  b.setAttribute('data-list', list);
  b.setAttribute('data-j', String(j));
  b.title = en;
  b.setAttribute('aria-label', en);
  return b;
}

function addBtn(list, zh, en) {
  var b = bi('button', 'btn small', zh, en);
  b.type = 'button';
  b.setAttribute('data-act', 'add');
  b.setAttribute('data-list', list);
  b.setAttribute('data-j', '-1');
  return b;
}

function moveButtons(list, j, n) {
  var box = make('span', 'move');
  var up = actBtn('up', list, j, '↑', '上移 move up');
  var down = actBtn('down', list, j, '↓', '下移 move down');
  up.disabled = j === 0;
  down.disabled = j === n - 1;
  box.appendChild(up);
  box.appendChild(down);
  box.appendChild(actBtn('del', list, j, '删除', '删除 delete', 'danger'));
  return box;
}
