// Quick exit and a Back list that holds at most one page of this site.
//
// - Quick exit (the button, or Esc) leaves for a neutral site with location.replace(), so the page that
//   was open is not in the Back list.
// - Every move inside the site also replaces the current entry (links, the hotel form's job step, the
//   tip form itself, which is sent with fetch()), so after Quick exit one Back press goes to wherever
//   the reader was before this site. The browser's History list still shows the pages: the privacy
//   page says so.
// - After a tip form comes back with mistakes, focus moves to the list of them.
// Without this script everything still works: the links and forms are ordinary ones.
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

  function focusTarget(element) {
    if (!element) {
      return;
    }
    if (!element.hasAttribute("tabindex") && !/^(A|INPUT|SELECT|TEXTAREA|BUTTON)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    element.scrollIntoView({block: "start"});
  }

  // Links: same-site pages replace this one; a jump within the page moves focus without a new entry.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey) {
      return;
    }
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.id === "quick-exit" || link.hasAttribute("download") ||
        (link.target && link.target !== "_self")) {
      return;
    }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) {
      return; // tel:, sms: and other sites behave as usual
    }
    event.preventDefault();
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) {
      focusTarget(document.getElementById(decodeURIComponent(url.hash.slice(1))));
      return;
    }
    window.location.replace(url.href);
  });

  function showErrors(root) {
    var summary = root.querySelector("#error-summary") || root.querySelector(".callout.notice");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) {
        summary.setAttribute("tabindex", "-1");
      }
      summary.focus();
      summary.scrollIntoView({block: "start"});
    }
  }

  // Forms: the hotel form's job step (GET) replaces this page; the tip form is sent with fetch() and
  // the thank-you page it redirects to replaces this one. A reply with mistakes replaces the form in place.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var method = (form.getAttribute("method") || "get").toLowerCase();
    var action = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    if (action.origin !== window.location.origin) {
      return;
    }
    event.preventDefault();
    if (method === "get") {
      var query = new URLSearchParams(new FormData(form)).toString();
      window.location.replace(action.pathname + (query ? "?" + query : ""));
      return;
    }
    if (form.dataset.sending === "yes" || !window.fetch || !window.DOMParser) {
      return; // a second press while the first is on its way sends nothing more
    }
    form.dataset.sending = "yes";
    fetch(action.href, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.redirected) {
          window.location.replace(response.url);
          return null;
        }
        return response.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var main = document.getElementById("main");
          var freshMain = fresh.getElementById("main");
          if (!main || !freshMain) {
            throw new Error("unexpected reply");
          }
          main.innerHTML = freshMain.innerHTML;
          document.title = fresh.title;
          showErrors(main);
        });
      })
      .catch(function () {
        form.dataset.sending = "";
        HTMLFormElement.prototype.submit.call(form); // send it the ordinary way instead
      });
  });

  function ready() {
    var link = document.getElementById("quick-exit");
    if (link) {
      link.addEventListener("click", leave);
    }
    if (document.activeElement === document.body || !document.activeElement) {
      showErrors(document);
    }
    var copy = document.querySelector("[data-copy]");
    var status = document.querySelector(".copy-status");
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var field = document.getElementById(copy.getAttribute("data-copy"));
        navigator.clipboard.writeText(field.value).then(
          function () { if (status) { status.textContent = copy.getAttribute("data-copied"); } },
          function () { field.select(); if (status) { status.textContent = copy.getAttribute("data-copy-failed"); } }
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
