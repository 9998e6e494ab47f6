// The learned suggestions on the accept and dispatch forms: one click on a chip chooses it.
// It only fills the form: the operator still sends it.
(function () {
  "use strict";

  function choose(chip) {
    var box = chip.closest(".suggestion-chips");
    var target = document.getElementById(box.dataset.for);
    if (!target) return;
    var value = chip.dataset.value;
    if (target.tagName === "SELECT") {
      target.value = value;
      target.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      var radio = target.querySelector('input[type="radio"][value="' + CSS.escape(value) + '"]');
      if (radio) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    box.querySelectorAll(".chip").forEach(function (c) {
      c.setAttribute("aria-pressed", c === chip ? "true" : "false");
    });
  }

  if (window.PhanAnhSuggestionsReady) return;
  window.PhanAnhSuggestionsReady = true;
  document.addEventListener("click", function (e) {
    var chip = e.target.closest && e.target.closest(".suggestion-chips .chip");
    if (chip) choose(chip);
  });
})();
