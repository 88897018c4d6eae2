/* A campaign's unit picker: filters the units by name as the resident
   types, and keeps the address's query (an invitation ?t=) on each link. */

function initPicker() {
  var input = byId('picker-search');
  if (!input) return;
  var items = [];
  each(document.querySelectorAll('#picker-groups li'), function (li) { items.push(li); });
  var query = window.location.search || '';
  if (query) {
    each(items, function (li) {
      var a = li.querySelector('a');
      if (a) a.setAttribute('href', a.getAttribute('href') + query);
    });
  }
  var empty = byId('picker-empty');
  function filter() {
    var q = trim(input.value).toLowerCase();
    var shown = 0;
    each(items, function (li) {
      var hit = !q || (li.getAttribute('data-name') || '').toLowerCase().indexOf(q) >= 0;
      li.hidden = !hit;
      if (hit) shown++;
    });
    each(document.querySelectorAll('#picker-groups .picker-group'), function (g) {
      g.hidden = !g.querySelector('li:not([hidden])');
    });
    if (empty) empty.hidden = shown > 0;
  }
  input.addEventListener('input', filter);
  filter();
}
