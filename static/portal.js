// Loaded with `defer` from base.html instead of the NHS.UK template's inline snippet, so that a
// Content-Security-Policy without inline scripts holds. Pages work without JavaScript; these classes
// only switch on the enhancements (show/hide password, header "More" menu, error summary focus).
document.documentElement.classList.add('js-enabled');
document.body.classList.add('js-enabled');
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('nhsuk-frontend-supported');
}
