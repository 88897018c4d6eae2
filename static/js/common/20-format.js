/* Formatting shared by the staff pages and the dashboard. */

var DASH = '—'; // shown for a figure that is missing

function pad(n) { return (n < 10 ? '0' : '') + n; }

// clock is a time of day as hh:mm:ss: d's, or now.
function clock(d) {
  d = d || new Date();
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
