/* Draws every [data-figure] element from the JSON script it names.
   Runs on load and after htmx swaps new content in. */
(function () {
  "use strict";
  // No toolbar: on a phone it sits over the plot and covers the line it should show.
  var CONFIG = { responsive: true, displayModeBar: false, displaylogo: false };

  function dark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function draw(root) {
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || !window.Plotly) return;
      var fig = JSON.parse(source.textContent);
      fig.layout = fig.layout || {};
      fig.layout.font = Object.assign({}, fig.layout.font, { color: dark() ? "#e0e3e7" : "#373c44" });
      window.Plotly.react(el, fig.data, fig.layout, CONFIG);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () { draw(document); });
  }

  /* Data-table toggles: a button[data-toggle] shows or hides the element it names. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-toggle"));
    if (!target) return;
    var open = target.hasAttribute("hidden");
    if (open) target.removeAttribute("hidden"); else target.setAttribute("hidden", "");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
