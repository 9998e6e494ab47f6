// The intake form's extra questions: only the chosen field's are shown and sent. The page draws
// every field's, each group headed by its field's name, so that without this script they can
// all be answered; the server keeps the chosen field's answers only.
(function () {
  "use strict";
  var groups = document.querySelectorAll(".questions[data-category]");
  if (!groups.length) return;
  var select = document.getElementById(groups[0].dataset.select);
  if (!select) return;

  function show() {
    groups.forEach(function (group) {
      var chosen = group.dataset.category === select.value;
      group.hidden = !chosen;
      // Disabled inputs are not sent, nor checked by the browser.
      group.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !chosen; });
      // The field's name is said by the select above: the heading is for the page without script.
      group.querySelectorAll("[data-heading]").forEach(function (heading) { heading.hidden = true; });
    });
  }

  select.addEventListener("change", show);
  show();
})();
