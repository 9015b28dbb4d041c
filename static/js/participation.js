/* Tactique — small behaviours of the participation pages, attached through data- attributes
 * (the CSP forbids inline scripts). A form that comes back with errors moves the focus to its
 * error summary, so that keyboard and screen-reader users hear what to correct. */
(function () {
  "use strict";
  function init() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
