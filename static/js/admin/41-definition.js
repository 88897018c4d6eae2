/*
 * The designer's working copy of a survey definition, and the controls
 * bound to it: each has data-path ("areas[2].questions[0].text") and, where
 * the value is not text, data-type ("lines": a list, one item a line).
 */

function clone(v) { return JSON.parse(JSON.stringify(v)); }

// normalize gives a definition every list the editor expects.
function normalize(d) {
  d.scale = d.scale || {};
  d.scale.levels = d.scale.levels || [];
  d.areas = d.areas || [];
  d.areas.forEach(function (a) { a.questions = a.questions || []; });
  d.extra = d.extra || [];
  return d;
}

// prune is the definition to save: empty optional parts dropped, the
// survey's slug set.
function prune(d, slug) {
  var out = clone(d);
  if (out.units && !out.units.length) delete out.units;
  if (out.legal) {
    Object.keys(out.legal).forEach(function (k) { if (!out.legal[k]) delete out.legal[k]; });
    if (!Object.keys(out.legal).length) delete out.legal;
  }
  if (out.extra && !out.extra.length) delete out.extra;
  if (out.report) {
    Object.keys(out.report).forEach(function (k) { if (!out.report[k]) delete out.report[k]; });
    if (!Object.keys(out.report).length) delete out.report;
  }
  if (out.privacy) {
    Object.keys(out.privacy).forEach(function (k) { if (!out.privacy[k]) delete out.privacy[k]; });
    if (!Object.keys(out.privacy).length) delete out.privacy;
  }
  out.slug = slug;
  return out;
}

// pathKeys splits "areas[2].questions[0].text" into ["areas", 2, "questions", 0, "text"].
function pathKeys(path) {
  var out = [];
  path.split('.').forEach(function (part) {
    var m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) { out.push(part); return; }
    if (m[1]) out.push(m[1]);
    var re = /\[(\d+)\]/g;
    var x;
    while ((x = re.exec(m[2])) !== null) out.push(parseInt(x[1], 10));
  });
  return out;
}

function getPath(obj, path) {
  var keys = pathKeys(path);
  var v = obj;
  for (var i = 0; i < keys.length; i++) {
    if (v === null || v === undefined) return undefined;
    v = v[keys[i]];
  }
  return v;
}

// setPath sets a value, making objects on the way; undefined deletes.
function setPath(obj, path, value) {
  var keys = pathKeys(path);
  var v = obj;
  for (var i = 0; i < keys.length - 1; i++) {
    if (v[keys[i]] === null || v[keys[i]] === undefined) v[keys[i]] = typeof keys[i + 1] === 'number' ? [] : {};
    v = v[keys[i]];
  }
  var last = keys[keys.length - 1];
  if (value === undefined) delete v[last];
  else v[last] = value;
}

function readInput(el) {
  var t = el.getAttribute('data-type');
  if (t === 'bool') return el.checked;
  var s = el.value;
  if (t === 'lines') { // one item a line, blank lines dropped
    var items = s.split('\n').map(function (l) { return l.trim(); }).filter(function (l) { return l !== ''; });
    return items.length ? items : undefined;
  }
  if (t === 'int') {
    var n = parseInt(s, 10);
    return isNaN(n) ? 0 : n;
  }
  if (t === 'num') {
    var f = parseFloat(s);
    return isNaN(f) ? 0 : f;
  }
  if (t === 'opt' || t === 'optnum') {
    if (s === '') return undefined;
    if (t === 'optnum') {
      var g = parseFloat(s);
      return isNaN(g) ? undefined : g;
    }
  }
  return s;
}

function writeInput(el, v) {
  var t = el.getAttribute('data-type');
  if (t === 'bool') { el.checked = !!v; return; }
  if (t === 'lines') { el.value = Array.isArray(v) ? v.join('\n') : ''; return; }
  if ((t === 'optnum' || t === 'opt') && (v === undefined || v === null || v === 0 && t === 'optnum')) { el.value = ''; return; }
  el.value = v === undefined || v === null ? '' : String(v);
}

function updateCount(el) {
  var max = parseInt(el.getAttribute('data-max'), 10);
  var c = el.nextElementSibling;
  if (!max || !c || !c.classList.contains('count')) return;
  var n = Array.from(el.value).length;
  c.textContent = n + ' / ' + max;
  c.classList.toggle('over', n > max);
}

// fillValues writes the definition into every bound control under root.
function fillValues(root, def) {
  each(root.querySelectorAll('[data-path]'), function (el) {
    writeInput(el, getPath(def, el.getAttribute('data-path')));
    if (el.getAttribute('data-max')) updateCount(el);
  });
}

// lockIfViewer disables the controls under root for a viewer.
function lockIfViewer(root) {
  if (CAN_EDIT) return;
  each(root.querySelectorAll('input, select, textarea, button[data-act]'), function (el) { el.disabled = true; });
  var dk = byId('dk-on');
  if (dk) dk.disabled = true;
}
