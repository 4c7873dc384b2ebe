// Quick exit: leave for a neutral site and replace this page in the history, so Back does not return
// to it. The link works without this script (it is a plain link); the script adds replace() and Esc.
// Also: the share page's "Copy link" and "Print" buttons (hidden unless this script runs).
(function () {
  "use strict";

  function leave(event) {
    var link = document.getElementById("quick-exit");
    var target = link ? link.href : "https://www.weather.gov/";
    if (event) {
      event.preventDefault();
    }
    document.title = "Weather";
    if (document.body) {
      document.body.hidden = true; // hide the page at once, before the new site has loaded
    }
    window.location.replace(target);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      leave(event);
    }
  });

  function ready() {
    var link = document.getElementById("quick-exit");
    if (link) {
      link.addEventListener("click", leave);
    }
    var copy = document.querySelector("[data-copy]");
    var status = document.querySelector(".copy-status");
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var field = document.getElementById(copy.getAttribute("data-copy"));
        navigator.clipboard.writeText(field.value).then(
          function () { if (status) { status.textContent = "Link copied."; } },
          function () { field.select(); if (status) { status.textContent = "Select the link and copy it."; } }
        );
      });
    }
    var print = document.querySelector("[data-print]");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
