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

  // Live panels (data-pause-when-hidden) poll only while their tab is shown: a page left open in a
  // background tab asks the server nothing, and is brought up to date the moment it is shown again.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (document.hidden && evt.detail.elt.hasAttribute("data-pause-when-hidden")) evt.preventDefault();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    document.querySelectorAll("[data-pause-when-hidden]").forEach(function (el) { htmx.trigger(el, "shown"); });
  });

  // "Print" buttons (the invoice page): the browser's own print, styled by @media print.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-print]")) window.print();
  });

  // The header's link groups are <details>: one open at a time, closed by a click elsewhere.
  document.addEventListener("click", function (evt) {
    document.querySelectorAll("details.nav-group[open]").forEach(function (group) {
      if (!group.contains(evt.target)) group.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    document.querySelectorAll("details.nav-group[open]").forEach(function (group) {
      group.removeAttribute("open");
      group.querySelector("summary").focus();
    });
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

  // Phones: a list's table becomes a stack of cards (static/css/portal.css, below 48rem), each
  // cell labelled with its column's heading, so nothing scrolls sideways. The labels come from
  // the table's own <th>, so they are in the page's language; without JavaScript the table
  // simply scrolls inside its frame as before.
  function labelCells(root) {
    root.querySelectorAll(".table-wrap > table").forEach(function (table) {
      var headings = [];
      table.querySelectorAll(":scope > thead > tr:first-child > th").forEach(function (th) {
        for (var i = 0; i < th.colSpan; i++) headings.push(th.textContent.trim());
      });
      table.querySelectorAll(":scope > tbody > tr, :scope > tfoot > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          cell.dataset.label = cell.tagName === "TD" ? headings[column] || "" : "";
          column += cell.colSpan;
        });
      });
      table.dataset.cards = "";
    });
  }
  // htmx:load comes for the first page and for everything htmx swaps in (filters, polling,
  // Back and Forward).
  document.addEventListener("htmx:load", function (evt) {
    labelCells(evt.detail.elt.parentNode || document);
  });
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
})();
