// Workspace behaviour. Loaded as a file (the CSP forbids inline scripts).
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // Every htmx request carries the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  document.addEventListener("DOMContentLoaded", function () {
    // "Add to case": the chosen case decides where the form posts.
    document.querySelectorAll("select[data-action-template]").forEach(function (select) {
      var form = select.form;
      function sync() { form.action = select.getAttribute("data-action-template").replace("{id}", select.value); }
      select.addEventListener("change", sync);
      sync();
    });
  });
})();
