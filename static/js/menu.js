/* The main navigation is one list inside a <details>: collapsed behind "Menu"
   on a narrow screen, always open (its summary hidden by app.css) on a wide one.
   Without this script the menu still opens and closes by its summary. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 64rem)");

  function apply() {
    document.querySelectorAll("details[data-menu]").forEach(function (menu) { menu.open = wide.matches; });
  }

  document.addEventListener("DOMContentLoaded", apply);
  wide.addEventListener("change", apply);
})();
