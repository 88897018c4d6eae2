/* Start once the page is parsed. */

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
  document.addEventListener('DOMContentLoaded', initPicker);
} else {
  init();
  initPicker();
}
