/* Messages, the toast, dialogs, copying and QR codes. */

// showMsg puts a message (text only) in a message element, or hides it.
function showMsg(el, text, kind) {
  if (!el) return;
  clear(el);
  el.textContent = text || '';
  if (kind) el.className = 'msg msg-' + kind;
  el.hidden = !text;
}

var toastTimer = 0;
function toast(text, kind) {
  var el = byId('toast');
  if (!el) return;
  el.textContent = text;
  el.className = 'toast toast-' + (kind || 'ok');
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { el.hidden = true; }, 5000);
}

function qrURL(link, size) {
  return '/api/v1/admin/qr?text=' + encodeURIComponent(link) + '&size=' + (size || 256);
}

// copyText copies an input's text: the Clipboard API where the page may
// use it, else the selection and execCommand. It resolves true on success.
function copyText(input) {
  function bySelection() {
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch (e) {
      return false;
    }
  }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    return navigator.clipboard.writeText(input.value).then(function () { return true; }, bySelection);
  }
  return Promise.resolve(bySelection());
}

function openDialog(d) {
  if (typeof d.showModal === 'function') {
    if (!d.open) d.showModal();
  } else {
    d.setAttribute('open', '');
  }
}

function closeDialog(d) {
  if (typeof d.close === 'function') d.close();
  else d.removeAttribute('open');
}

// confirmDialog asks a yes/no question in the page's <dialog>.
function confirmDialog(title, text, okLabel) {
  var d = byId('confirm-dialog');
  if (!d) return Promise.resolve(window.confirm(title + '\n' + text));
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  var ok = byId('confirm-ok');
  var cancel = byId('confirm-cancel');
  ok.textContent = okLabel || '确定 OK';
  return new Promise(function (resolve) {
    function done(v) {
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      d.removeEventListener('cancel', no);
      closeDialog(d);
      resolve(v);
    }
    function yes() { done(true); }
    function no(ev) { if (ev) ev.preventDefault(); done(false); }
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    d.addEventListener('cancel', no);
    openDialog(d);
    ok.focus();
  });
}

