// Quick entry: highlight the figures that differ from the last log, and fill the
// form from a pasted copy of LinkedIn's SSI page (parsed on the server).
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;

  function same(value, last) {
    const a = value.trim(), b = last.trim();
    if (a === b) return true;
    const x = Number(a.replace(/^top\s*/i, "").replace(/%$/, "")), y = Number(b);
    return a !== "" && b !== "" && !Number.isNaN(x) && x === y;
  }

  function mark(input) {
    // A blank field is not a change: a blank SSI is the pillars' sum, which the
    // form leaves blank on purpose when it carries the last log over.
    const changed = input.value.trim() !== "" && !same(input.value, input.dataset.last);
    input.classList.toggle("changed", changed);
    input.title = changed ? "Last logged: " + (input.dataset.last || "blank") : "";
  }

  const tracked = form.querySelectorAll("input[data-last]");
  tracked.forEach(function (input) {
    mark(input);
    input.addEventListener("input", function () {
      input.classList.remove("filled");
      mark(input);
    });
  });

  const button = document.getElementById("paste-fill");
  const status = document.getElementById("paste-status");
  const textarea = form.querySelector("textarea[name=linkedin_text]");
  if (!button || !textarea) return;

  button.addEventListener("click", function (event) {
    event.preventDefault();
    const body = new FormData();
    body.append("linkedin_text", textarea.value);
    button.setAttribute("aria-busy", "true");
    fetch(form.dataset.parseUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        // Only what this paste filled is marked as filled: a figure it refused
        // keeps the value the form held, without looking freshly read.
        form.querySelectorAll("input.filled").forEach(function (input) { input.classList.remove("filled"); });
        Object.entries(data.values || {}).forEach(function ([name, value]) {
          const input = form.elements.namedItem(name);
          if (!input) return;
          input.value = value;
          input.classList.add("filled");
          if (input.dataset.last !== undefined) mark(input);
        });
        status.textContent = data.message || "";
      })
      .catch(function () {
        // Without an answer, submit the classic way: the server fills the form.
        form.requestSubmit(button);
      })
      .finally(function () { button.removeAttribute("aria-busy"); });
  });
})();
