/*
 * The server's reasons against a definition ("fields", keyed by definition
 * path) shown beside the editor's controls: at the control of the path, else
 * at the nearest enclosing item that has one; what matches nothing is listed
 * in #errors.
 */

// initDefErrors shows and clears the reasons under editor (the #editor
// element): show(e), clear(), clearField(el) for one control and
// clearUnder(prefix) for the paths under prefix.
function initDefErrors(editor) {
  function clearField(el) {
    el.classList.remove('invalid');
    var box = el.closest('.field') || el.parentNode;
    each(box.querySelectorAll(':scope > .field-error.server'), function (e) { e.parentNode.removeChild(e); });
  }

  function clearUnder(prefix) {
    each(editor.querySelectorAll('.field-error.server'), function (e) {
      var owner = e.getAttribute('data-for') || '';
      if (owner.indexOf(prefix) === 0) e.parentNode.removeChild(e);
    });
  }

  function clearAll() {
    each(editor.querySelectorAll('.field-error.server'), function (e) { e.parentNode.removeChild(e); });
    each(editor.querySelectorAll('.invalid'), function (e) { e.classList.remove('invalid'); });
    byId('errors').hidden = true;
  }

  function findTarget(path) {
    var p = path;
    while (p) {
      var q = CSS.escape(p);
      var el = editor.querySelector('[data-path="' + q + '"]') || editor.querySelector('[data-err="' + q + '"]');
      if (el) return { el: el, exact: p === path };
      var cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    return null;
  }

  function show(e) {
    clearAll();
    var fields = e.fields || {};
    var unmatched = [];
    var first = null;
    Object.keys(fields).sort(function (a, b) {
      return a.localeCompare(b, 'en', { numeric: true });
    }).forEach(function (path) {
      var t = findTarget(path);
      if (!t) { unmatched.push(path + ': ' + fields[path]); return; }
      var msg = make('span', 'field-error server', (t.exact ? '' : path + ': ') + fields[path]);
      msg.setAttribute('data-for', path);
      var el = t.el;
      for (var d = el.closest('details'); d; d = d.parentNode.closest('details')) d.open = true;
      if (el.hasAttribute('data-path')) {
        el.classList.add('invalid');
        var fieldBox = el.closest('.field');
        if (fieldBox) fieldBox.appendChild(msg);
        else el.insertAdjacentElement('afterend', msg);
      } else if (el.tagName === 'DETAILS') {
        el.querySelector('.item-body').insertBefore(msg, el.querySelector('.item-body').firstChild);
      } else if (el.tagName === 'TR') {
        var cell = el.lastElementChild;
        cell.appendChild(msg);
      } else if (el.tagName === 'TABLE') {
        el.insertAdjacentElement('afterend', msg);
      } else if (el.tagName === 'TEXTAREA') {
        el.classList.add('invalid');
        el.insertAdjacentElement('afterend', msg);
      } else {
        el.insertAdjacentElement(el.tagName === 'H2' ? 'afterend' : 'afterbegin', msg);
      }
      if (!first) first = el;
    });
    byId('errors-message').textContent = e.message;
    var ul = byId('errors-list');
    clear(ul);
    unmatched.forEach(function (t) { ul.appendChild(make('li', '', t)); });
    byId('errors').hidden = false;
    if (first) {
      first.scrollIntoView({ block: 'center' });
      if (first.hasAttribute('data-path')) first.focus({ preventScroll: true });
    } else {
      byId('errors').focus();
    }
  }

  return { show: show, clear: clearAll, clearField: clearField, clearUnder: clearUnder };
}
