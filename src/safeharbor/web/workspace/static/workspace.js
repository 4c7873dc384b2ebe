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

  // The lead queue: j/k move, Enter/o open, x select, r reviewed, c confirm, d dismiss (type the
  // reason, Enter), / search, Esc leaves a text box.
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.lead")); }
  function currentRow() { var all = rows(); return current >= 0 && current < all.length ? all[current] : null; }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    if (currentRow()) { currentRow().classList.remove("current"); }
    current = Math.max(0, Math.min(all.length - 1, current + step));
    var row = all[current];
    row.classList.add("current");
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("a.lead-link");
    if (link) { link.focus({ preventScroll: true }); }
  }
  function press(row, selector) {
    var button = row && row.querySelector(selector);
    if (button) { button.click(); }
  }
  function goSearch() {
    var q = document.getElementById("q");
    if (q) { q.focus(); q.select(); return; }
    var link = document.getElementById("nav-search");
    if (link) { window.location.href = link.getAttribute("href"); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
      if (event.key === "Escape") { target.blur(); }
      // Enter in a lead's reason box dismisses that lead (not the form's first button, Confirm).
      if (event.key === "Enter" && target.classList.contains("reason") && target.form) {
        var dismiss = target.form.querySelector('button[value="dismissed"]');
        if (dismiss) { event.preventDefault(); dismiss.click(); }
      }
      return;
    }
    var row = currentRow();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "/": goSearch(); break;
      case "o": case "Enter": if (!row) { return; } press(row, "a.lead-link"); break;
      case "x": if (!row) { return; } press(row, 'td.pick input[type="checkbox"]'); break;
      case "r": if (!row) { return; } press(row, 'button[value="reviewed"]'); break;
      case "c": if (!row) { return; } press(row, 'button[value="confirmed"]'); break;
      case "d":
        if (!row) { return; }
        var reason = row.querySelector("input.reason");
        if (reason) { reason.focus(); }
        break;
      default: return;
    }
    event.preventDefault();
  });

  // Bulk review: count the selection; a dismissal needs the one reason.
  function syncBulk() {
    var count = document.getElementById("bulk-count");
    if (!count) { return; }
    var picked = document.querySelectorAll('input[name="lead"][form="bulk-form"]:checked').length;
    var all = document.getElementById("bulk-all");
    if (all && all.checked) { count.textContent = "With every lead matching these filters:"; return; }
    count.textContent = picked ? "With the " + picked + " selected lead" + (picked === 1 ? "" : "s") + ":" : "With the selected leads:";
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.id === "pick-all") {
      document.querySelectorAll('input[name="lead"][form="bulk-form"]').forEach(function (box) { box.checked = target.checked; });
    }
    // Only a tick changes the count: rewriting it when the reason box loses focus would reflow the
    // buttons under the pointer between mousedown and click.
    if (target && target.type === "checkbox") { syncBulk(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "bulk-form") { return; }
    var picked = document.querySelectorAll('input[name="lead"][form="bulk-form"]:checked').length;
    var status = event.submitter ? event.submitter.value : "";
    var reason = document.getElementById("bulk-reason");
    var count = document.getElementById("bulk-count");
    var all = document.getElementById("bulk-all");
    var everything = all && all.checked;
    if (!everything && !picked) { event.preventDefault(); count.textContent = "Select one or more leads first."; return; }
    if (status === "dismissed" && reason && !reason.value.trim()) {
      event.preventDefault();
      count.textContent = "Say why these leads are dismissed:";
      reason.focus();
      return;
    }
    if (everything && !window.confirm("Apply this decision to every lead matching these filters, not only those shown?")) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // "Add to case": the chosen case decides where the form posts.
    document.querySelectorAll("select[data-action-template]").forEach(function (select) {
      var form = select.form;
      function sync() { form.action = select.getAttribute("data-action-template").replace("{id}", select.value); }
      select.addEventListener("change", sync);
      sync();
    });
    syncBulk();
  });
})();
