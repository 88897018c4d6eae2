/*
 * Minyi staff pages: sign-in, survey list, designer, invitation sheet, users
 * and audit log, switched by <body data-page> (99-start.js). The pages are
 * server-rendered shells; these scripts read and change everything through
 * the JSON admin API, so nothing needs a reload to show what the user just
 * did.
 *
 * ES2017 at most, no framework, no inline code (the CSP allows 'self' only).
 * Data reaches the DOM only through textContent, .value and attribute
 * setters, never parsed as markup. The files of static/js/admin, with those
 * of static/js/common named for admin.js, share one scope: what a file
 * declares at its top level the others see, so each name is declared once
 * (go test ./static/ checks).
 */

var body = document.body;
var PAGE = body.getAttribute('data-page') || '';
var CSRF = body.getAttribute('data-csrf') || '';
var SURVEY = body.getAttribute('data-survey') || '';
var CAN_EDIT = body.getAttribute('data-can-edit') === 'true';
