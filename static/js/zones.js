/* The time-zone list, searchable: typing "Lond" narrows the <select> to the
   zones whose name or offset contains it and picks the first. Without this
   script the <select> is the whole list, which works as it is. */
(function () {
  "use strict";

  function setUp(search) {
    var select = document.getElementById(search.getAttribute("data-zone-search"));
    var status = document.getElementById(search.getAttribute("aria-describedby"));
    if (!select) return;
    // Every zone as it was rendered: [group label, [option, ...]].
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return [group.label, Array.prototype.slice.call(group.querySelectorAll("option"))];
    });
    var chosen = select.value;

    function show(matches) {
      select.textContent = "";
      matches.forEach(function (entry) {
        var group = document.createElement("optgroup");
        group.label = entry[0];
        entry[1].forEach(function (option) { group.appendChild(option); });
        select.appendChild(group);
      });
    }

    function filter() {
      var words = search.value.trim().toLowerCase().replace(/[\s_]+/g, " ");
      if (!words) {
        show(groups);
        select.value = chosen;
        status.textContent = "";
        return;
      }
      var matches = [], count = 0;
      groups.forEach(function (entry) {
        var options = entry[1].filter(function (option) {
          return option.textContent.toLowerCase().replace(/_/g, " ").indexOf(words) !== -1;
        });
        if (options.length) { matches.push([entry[0], options]); count += options.length; }
      });
      if (!count) {
        show(groups);
        select.value = chosen;
        status.textContent = "No zone matches “" + search.value.trim() + "”: all zones are listed.";
        return;
      }
      show(matches);
      var kept = matches.some(function (entry) {
        return entry[1].some(function (option) { return option.value === chosen; });
      });
      select.value = kept ? chosen : matches[0][1][0].value;
      status.textContent = count + (count === 1 ? " zone matches" : " zones match") + "; " + select.value + " is chosen.";
    }

    select.addEventListener("change", function () { chosen = select.value; });
    // A search picks its first match; emptied, the list comes back with the
    // zone last picked by hand (or the saved one) chosen again.
    search.addEventListener("input", filter);
    search.closest("[data-zone-search-label]").hidden = false;
    status.hidden = false;
  }

  document.querySelectorAll("[data-zone-search]").forEach(setUp);
})();
