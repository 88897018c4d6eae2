/* DOM functions of every page; ES5 for old WebViews. */

function byId(id) { return document.getElementById(id); }

// make creates an element; its class and text are optional.
function make(tag, cls, text) {
  var el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null && text !== '') el.textContent = String(text);
  return el;
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

// each calls fn(item, i) for every item of an array or a NodeList.
function each(list, fn) { Array.prototype.forEach.call(list, fn); }
