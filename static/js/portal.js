// The portal's only script: small behaviours htmx does not do by itself. No inline JS anywhere.
(function () {
  "use strict";

  // A failed htmx request (403, 404, 500, offline) must not fail silently: say so where
  // flash messages go. The text comes from the page, so it is in the user's language.
  function showProblem(text) {
    var box = document.getElementById("flashes");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.replaceChildren(p);
  }

  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    var body = document.body.dataset;
    showProblem(status === 403 ? body.msgForbidden : status === 404 ? body.msgNotFound : body.msgError);
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem(document.body.dataset.msgOffline);
  });

  // Buttons with data-confirm ask before an action that costs money or cannot be undone.
  document.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  // "Print" buttons (the invoice page): the browser's own print, styled by @media print.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-print]")) window.print();
  });

  // Registration takes the browser's time zone (a hidden field; the server checks the name).
  function fillBrowserZone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    root.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }
  fillBrowserZone(document);
  document.addEventListener("htmx:load", function (evt) { fillBrowserZone(evt.target); });
})();
