/* Accessible names the admin's widgets lack (found by axe-core in tests/e2e):
 * - an autocomplete (Select2) shows a combobox named by its own, often empty, text: it gets
 *   the name of its field (the <label>, the aria-label of an inline's select, or the filter's
 *   heading in the change list's side bar);
 * - the filter boxes of a two-list picker (filter_horizontal) carry an aria-label on a plain
 *   <span>, where it is not allowed: the span becomes an image with that name.
 * Run whenever widgets appear (the admin draws them after the page has loaded). */
(function () {
  "use strict";

  function fieldName(select) {
    if (select.labels && select.labels.length) {
      return select.labels[0].textContent.trim();
    }
    if (select.getAttribute("aria-label")) {
      return select.getAttribute("aria-label");
    }
    var list = select.closest("ul");
    var heading = list && list.previousElementSibling;
    return heading && heading.tagName === "H3" ? heading.textContent.trim() : "";
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var name = fieldName(select);
      if (!name || !container || !container.classList.contains("select2")) {
        return;
      }
      container.querySelectorAll(".select2-selection[role=combobox]").forEach(function (box) {
        box.removeAttribute("aria-labelledby");
        box.setAttribute("aria-label", name);
      });
      container.querySelectorAll(".select2-selection__rendered").forEach(function (text) {
        text.setAttribute("aria-label", name);
      });
    });
  }

  function nameFilterIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function run(root) {
    nameAutocompletes(root);
    nameFilterIcons(root);
  }

  // The widgets are drawn by jQuery's ready handlers (which run late, asynchronously) and
  // when an inline row is added: name whatever appears.
  var pending = false;
  function later() {
    if (!pending) {
      pending = true;
      window.setTimeout(function () {
        pending = false;
        run(document);
      }, 0);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    run(document);
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  });
})();
