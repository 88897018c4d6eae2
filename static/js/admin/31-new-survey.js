/* The new-survey form of the list: from a template, a copy or a JSON file. */

var SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

function initNewSurvey() {
  var panel = byId('ns-panel');
  var openBtn = byId('ns-open');
  var form = byId('ns-form');
  var errEl = byId('ns-error');
  var slugIn = byId('ns-slug');
  var titleIn = byId('ns-title');

  function source() {
    var r = form.querySelector('input[name="ns-source"]:checked');
    return r ? r.value : 'template';
  }
  function syncSource() {
    var s = source();
    each(form.querySelectorAll('.source'), function (l) {
      l.classList.toggle('inactive', l.querySelector('input[type="radio"]').value !== s);
    });
  }
  function setOpen(open) {
    panel.hidden = !open;
    openBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) slugIn.focus();
  }
  function clearErrors() {
    showMsg(errEl, '');
    each(form.querySelectorAll('.field-error'), function (e) { e.parentNode.removeChild(e); });
    each(form.querySelectorAll('.invalid'), function (e) { e.classList.remove('invalid'); });
  }
  function fieldError(input, text) {
    input.classList.add('invalid');
    var e = make('span', 'field-error', text);
    input.parentNode.appendChild(e);
  }
  function showErrors(e) {
    var fields = e.fields || {};
    var rest = [];
    Object.keys(fields).sort().forEach(function (path) {
      var input = { slug: slugIn, title: titleIn, template: byId('ns-template') }[path];
      if (input) fieldError(input, fields[path]);
      else rest.push(path + ': ' + fields[path]);
    });
    showMsg(errEl, e.message, 'error');
    if (rest.length) {
      var ul = make('ul');
      rest.forEach(function (t) { ul.appendChild(make('li', '', t)); });
      errEl.appendChild(ul);
    }
  }
  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var fr = new FileReader();
      fr.onload = function () {
        try {
          resolve(JSON.parse(String(fr.result).replace(/^\ufeff/, '')));
        } catch (ex) {
          reject(new Error('文件不是有效的JSON the file is not valid JSON'));
        }
      };
      fr.onerror = function () { reject(new Error('无法读取文件 the file could not be read')); };
      fr.readAsText(file, 'utf-8');
    });
  }

  openBtn.addEventListener('click', function () { setOpen(panel.hidden); });
  byId('ns-cancel').addEventListener('click', function () { setOpen(false); });
  each(form.querySelectorAll('input[name="ns-source"]'), function (r) { r.addEventListener('change', syncSource); });
  // Using a source's own control chooses that source.
  each(form.querySelectorAll('.source select, .source input[type="file"]'), function (el) {
    function pick() {
      var r = el.closest('.source').querySelector('input[type="radio"]');
      if (!r.checked) {
        r.checked = true;
        syncSource();
      }
    }
    el.addEventListener('focus', pick);
    el.addEventListener('change', pick);
  });
  slugIn.addEventListener('input', function () {
    var lower = slugIn.value.toLowerCase();
    if (lower !== slugIn.value) slugIn.value = lower;
  });
  syncSource();

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrors();
    var slug = slugIn.value.trim();
    var body = { slug: slug };
    var title = titleIn.value.trim();
    if (title) body.title = title;
    if (!SLUG_RE.test(slug)) {
      fieldError(slugIn, '须为3-64位小写字母、数字或-，首尾不能是- 3-64 lowercase letters, digits or -, not starting or ending with -');
      slugIn.focus();
      return;
    }
    var src = source();
    var ready;
    if (src === 'copy') {
      var id = parseInt(byId('ns-copy').value, 10);
      if (!id) { fieldError(byId('ns-copy'), '请选择一份问卷 choose a survey'); return; }
      body.copy_of = id;
      ready = Promise.resolve();
    } else if (src === 'import') {
      var f = byId('ns-file').files[0];
      if (!f) { fieldError(byId('ns-file'), '请选择JSON文件 choose a JSON file'); return; }
      ready = readFile(f).then(function (def) {
        if (!def || typeof def !== 'object' || Array.isArray(def)) throw new Error('文件不是问卷定义 the file is not a survey definition');
        body.definition = def;
      }, function (e2) {
        fieldError(byId('ns-file'), e2.message);
        throw e2;
      });
    } else {
      body.template = byId('ns-template').value;
      ready = Promise.resolve();
    }
    var btn = byId('ns-submit');
    btn.disabled = true;
    ready.then(function () {
      return api('POST', '/api/v1/admin/surveys', body).then(function (r) {
        location.href = '/admin/surveys/' + r.id;
      }, function (e) {
        if (!e.redirecting) showErrors(e);
        btn.disabled = false;
      });
    }, function () { btn.disabled = false; });
  });
}
