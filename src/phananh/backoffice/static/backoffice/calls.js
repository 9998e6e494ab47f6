// The call centre's page, for the keyboard alone: Alt+T goes to the lookup, Alt+N to the new
// report's first field, and Ctrl+Enter (or Cmd+Enter) sends the report form from any field.
(function () {
  "use strict";
  var form = document.getElementById("hotline-form");
  var shortcuts = { t: "q", n: "f-phone" };
  document.addEventListener("keydown", function (event) {
    var target = event.altKey && !event.ctrlKey && !event.metaKey && shortcuts[event.key.toLowerCase()];
    var field = target && document.getElementById(target);
    if (field) {
      event.preventDefault();
      field.focus();
      field.select();
    }
  });
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
