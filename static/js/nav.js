/* The header's menu on a phone: folded behind the "Menu" button, opened and closed by it.
 * Without this script the menu simply stays open (app.css shows the button only when the
 * page has the "js-nav" class set here). */
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var menu = document.getElementById("site-menu");
  if (!toggle || !menu) {
    return;
  }
  document.documentElement.classList.add("js-nav");
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
})();
