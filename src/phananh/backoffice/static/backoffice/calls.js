// The call centre's page: Ctrl+Enter (or Cmd+Enter) sends the report form from any of its fields.
(function () {
  "use strict";
  var form = document.getElementById("hotline-form");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
