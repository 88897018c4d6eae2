/* Start: the top bar, then the page's own script. */

initBar();
var pages = { login: initLogin, list: initList, designer: initDesigner, sheet: initSheet, users: initUsers, audit: initAudit };
if (pages[PAGE]) pages[PAGE]();
