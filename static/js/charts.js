/* Draws every [data-figure] element from the JSON script it names.
   Runs on load and after htmx swaps new content in. The first chart is drawn
   at once; each of the others waits for the frame after the one before, so the
   browser paints the first (the SSI chart, at the top) before drawing the rest. */
(function () {
  "use strict";
  // No toolbar: on a phone it sits over the plot and covers the line it should show.
  var CONFIG = { responsive: true, displayModeBar: false, displaylogo: false };
  var waiting = [];  // charts still to draw, in page order
  var scheduled = false;

  function dark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function drawOne(el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source || !el.isConnected) return;
    var fig = JSON.parse(source.textContent);
    fig.layout = fig.layout || {};
    fig.layout.font = Object.assign({}, fig.layout.font, { color: dark() ? "#e0e3e7" : "#373c44" });
    window.Plotly.react(el, fig.data, fig.layout, CONFIG);
  }

  function drawNext() {
    scheduled = false;
    var el = waiting.shift();
    if (!el) return;
    drawOne(el);
    if (waiting.length) {
      scheduled = true;
      // After the next frame is painted, not before it.
      window.requestAnimationFrame(function () { window.setTimeout(drawNext, 0); });
    }
  }

  function draw(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      if (waiting.indexOf(el) < 0) waiting.push(el);
    });
    if (!scheduled) drawNext();
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
